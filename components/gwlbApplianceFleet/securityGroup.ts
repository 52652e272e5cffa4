/**
 * The appliances' security group: GENEVE and health checks with the GWLB's subnets only, metrics to
 * whom the user names, and HTTPS only to the AWS services the appliances use.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GENEVE_PORT, METRICS_PORT } from "../../common/contract";
import { Tags } from "../args/common";
import { ValidatedGwlbApplianceFleetArgs } from "../args/gwlbApplianceFleet";
import { ServiceEndpoints } from "../args/inspectionVpc";
import { azSuffix } from "../rules/availabilityZones";
import { ANYWHERE } from "../rules/routeRecipes";
import { tagsFor } from "../shared/tags";

export function createApplianceSecurityGroup(
  name: string,
  v: ValidatedGwlbApplianceFleetArgs,
  vpcId: pulumi.Input<string>,
  serviceEndpoints: ServiceEndpoints | undefined,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): aws.ec2.SecurityGroup {
  const opts = { parent };
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
    vpcId,
    description: "GWLB appliances: GENEVE and health checks with the GWLB subnets, HTTPS to AWS services",
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
  // Health checks come from the GWLB's nodes, which live in its subnets: nothing else in the VPC may probe.
  const hc = v.healthCheck;
  for (const az of v.availabilityZones) {
    new aws.vpc.SecurityGroupIngressRule(`${name}-health-in-${azSuffix(az)}`, {
      securityGroupId: sgId,
      ipProtocol: "tcp",
      fromPort: hc.port,
      toPort: hc.port,
      cidrIpv4: v.subnetCidrs[az],
      description: `${hc.protocol} health checks from the GWLB in ${az}`,
      tags: tagsFor(`${name}-health-in-${azSuffix(az)}`, tags),
    }, opts);
  }
  v.metricsSourceCidrs.forEach((cidr, i) => {
    new aws.vpc.SecurityGroupIngressRule(`${name}-metrics-in-${i}`, {
      securityGroupId: sgId,
      ipProtocol: "tcp",
      fromPort: METRICS_PORT,
      toPort: METRICS_PORT,
      cidrIpv4: cidr,
      description: "Prometheus scrapes of the agent's metrics",
      tags: tagsFor(`${name}-metrics-in-${i}`, tags),
    }, opts);
  });
  createHttpsEgress(name, v, sgId, serviceEndpoints, opts, tags);
  return securityGroup;
}

/**
 * HTTPS out: in a private network only to the interface endpoints (SSM, CloudWatch Logs) and to S3
 * through its gateway endpoint (the bundle and the dnf repositories); with an internet gateway, to
 * anywhere, as SSM's public endpoints need.
 */
function createHttpsEgress(
  name: string,
  v: ValidatedGwlbApplianceFleetArgs,
  sgId: pulumi.Input<string>,
  serviceEndpoints: ServiceEndpoints | undefined,
  opts: pulumi.CustomResourceOptions,
  tags: Tags | undefined,
): void {
  const https = { securityGroupId: sgId, ipProtocol: "tcp", fromPort: 443, toPort: 443 };
  if (v.internetAccess === "igw" || serviceEndpoints === undefined) {
    new aws.vpc.SecurityGroupEgressRule(`${name}-https-out`, {
      ...https, cidrIpv4: ANYWHERE, description: "HTTPS to SSM, S3 and the package repositories over the internet", tags: tagsFor(`${name}-https-out`, tags),
    }, opts);
    return;
  }
  new aws.vpc.SecurityGroupEgressRule(`${name}-https-to-endpoints`, {
    ...https, referencedSecurityGroupId: serviceEndpoints.securityGroupId, description: "HTTPS to the VPC's SSM and CloudWatch Logs endpoints",
    tags: tagsFor(`${name}-https-to-endpoints`, tags),
  }, opts);
  new aws.vpc.SecurityGroupEgressRule(`${name}-https-to-s3`, {
    ...https, prefixListId: serviceEndpoints.s3PrefixListId, description: "HTTPS to S3 through the gateway endpoint (agent bundle, dnf repositories)",
    tags: tagsFor(`${name}-https-to-s3`, tags),
  }, opts);
}
