/** The appliances' security group: GENEVE with the GWLB subnets, health checks from the VPC, HTTPS out. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GENEVE_PORT } from "../../common/contract";
import { Tags } from "../args/common";
import { ValidatedGwlbApplianceFleetArgs } from "../args/gwlbApplianceFleet";
import { azSuffix } from "../rules/availabilityZones";
import { ANYWHERE } from "../rules/routeRecipes";
import { tagsFor } from "../shared/tags";

export function createApplianceSecurityGroup(
  name: string,
  v: ValidatedGwlbApplianceFleetArgs,
  vpcId: pulumi.Input<string>,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): aws.ec2.SecurityGroup {
  const opts = { parent };
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
    vpcId,
    description: "GWLB appliances: GENEVE with the GWLB subnets, health checks from the VPC, HTTPS out",
    tags: tagsFor(`${name}-sg`, tags),
  }, opts);
  const sgId = securityGroup.id;
  // Not subject to security groups, so not listed: DNS to the VPC resolver, IMDS and NTP on 169.254.169.x.
  for (const az of v.availabilityZones) {
    const cidr = v.subnetCidrs[az];
    new aws.vpc.SecurityGroupIngressRule(`${name}-geneve-in-${azSuffix(az)}`, {
      securityGroupId: sgId,
      ipProtocol: "udp",
      fromPort: GENEVE_PORT,
      toPort: GENEVE_PORT,
      cidrIpv4: cidr,
      description: `GENEVE from the GWLB in ${az}`,
      tags: tagsFor(`${name}-geneve-in-${azSuffix(az)}`, tags),
    }, opts);
    // The agent returns each packet from the GWLB's source port to GWLB:6081. That is a different
    // 5-tuple from the inbound flow (whose destination port was 6081 on the appliance), so the
    // stateful security group does not treat it as a reply: it needs its own egress rule.
    new aws.vpc.SecurityGroupEgressRule(`${name}-geneve-out-${azSuffix(az)}`, {
      securityGroupId: sgId,
      ipProtocol: "udp",
      fromPort: GENEVE_PORT,
      toPort: GENEVE_PORT,
      cidrIpv4: cidr,
      description: `GENEVE back to the GWLB in ${az}`,
      tags: tagsFor(`${name}-geneve-out-${azSuffix(az)}`, tags),
    }, opts);
  }
  const hc = v.healthCheck;
  new aws.vpc.SecurityGroupIngressRule(`${name}-health-in`, {
    securityGroupId: sgId,
    ipProtocol: "tcp",
    fromPort: hc.port,
    toPort: hc.port,
    cidrIpv4: v.vpcCidr,
    description: `${hc.protocol} health checks from the GWLB`,
    tags: tagsFor(`${name}-health-in`, tags),
  }, opts);
  new aws.vpc.SecurityGroupEgressRule(`${name}-https-out`, {
    securityGroupId: sgId,
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: ANYWHERE,
    description: "HTTPS to SSM, S3 and the package repositories (endpoints or internet)",
    tags: tagsFor(`${name}-https-out`, tags),
  }, opts);
  return securityGroup;
}
