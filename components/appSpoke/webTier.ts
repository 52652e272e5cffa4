/**
 * The seed's sample web tier: web servers (the "Gateway Load Balancer Test" page) in an auto scaling
 * group behind an internal NLB with one fixed private address per AZ, so that an ALB across the
 * transit gateway can target those addresses.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ValidatedAppSpokeArgs, ValidatedWorkload } from "../args/appSpoke";
import { Tags } from "../args/common";
import { ANYWHERE } from "../rules/routeRecipes";
import { createSsmInstanceRole } from "../shared/iam";
import { IMDSV2_REQUIRED, amazonLinuxImageId, encryptedRootVolume } from "../shared/launchSettings";
import { tagsFor } from "../shared/tags";
import { SpokeNetwork } from "./spokeVpc";
import { webServerUserData } from "./webServerUserData";

export interface WebTier {
  readonly nlb: aws.lb.LoadBalancer;
  readonly asg: aws.autoscaling.Group;
}

export function createWebTier(
  name: string,
  v: ValidatedAppSpokeArgs,
  w: ValidatedWorkload,
  network: SpokeNetwork,
  /** Where a public ALB sends from, when the spoke has one: the hub's public subnets. */
  albSourceCidrs: readonly string[],
  parent: pulumi.Resource,
  userTags: Tags | undefined,
): WebTier {
  const opts = { parent };
  const tags = (n: string) => tagsFor(n, userTags);
  const sg = new aws.ec2.SecurityGroup(`${name}-web-sg`, { vpcId: network.vpcId, description: "Web servers behind the internal NLB", tags: tags(`${name}-web-sg`) }, opts);
  [v.cidrBlock, ...albSourceCidrs].forEach((cidr, i) => {
    new aws.vpc.SecurityGroupIngressRule(`${name}-web-http-in-${i}`, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: w.port, toPort: w.port, cidrIpv4: cidr,
      description: i === 0 ? "HTTP from the spoke (NLB health checks and clients)" : "HTTP from the hub's public ALB subnets",
    }, opts);
  });
  for (const port of [80, 443]) {
    new aws.vpc.SecurityGroupEgressRule(`${name}-web-out-${port}`, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: ANYWHERE,
      description: "Package downloads through the hub's inspected egress",
    }, opts);
  }

  const { profile } = createSsmInstanceRole({ role: `${name}-web-role`, attachment: `${name}-web-ssm`, profile: `${name}-web-profile` }, parent, userTags);

  const template = new aws.ec2.LaunchTemplate(`${name}-web-lt`, {
    imageId: amazonLinuxImageId(w.architecture),
    instanceType: w.instanceType,
    iamInstanceProfile: { arn: profile.arn },
    vpcSecurityGroupIds: [sg.id],
    metadataOptions: IMDSV2_REQUIRED,
    blockDeviceMappings: [encryptedRootVolume(8)],
    userData: Buffer.from(webServerUserData(w.port)).toString("base64"),
    tagSpecifications: [
      { resourceType: "instance", tags: tags(`${name}-web`) },
      { resourceType: "volume", tags: tags(`${name}-web`) },
    ],
    tags: tags(`${name}-web-lt`),
  }, opts);

  const nlb = new aws.lb.LoadBalancer(`${name}-web-nlb`, {
    loadBalancerType: "network",
    internal: true,
    enableCrossZoneLoadBalancing: true,
    subnetMappings: v.availabilityZones.map((az, i) => ({ subnetId: network.privateSubnetIds[i], privateIpv4Address: w.nlbAddresses[az] })),
    tags: tags(`${name}-web-nlb`),
  }, opts);
  const tg = new aws.lb.TargetGroup(`${name}-web-tg`, {
    vpcId: network.vpcId,
    protocol: "TCP",
    port: w.port,
    targetType: "instance",
    healthCheck: { protocol: "HTTP", port: String(w.port), path: "/", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
    tags: tags(`${name}-web-tg`),
  }, opts);
  new aws.lb.Listener(`${name}-web-listener`, {
    loadBalancerArn: nlb.arn, protocol: "TCP", port: w.port,
    defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
    tags: tags(`${name}-web-listener`),
  }, opts);
  const size = v.availabilityZones.length * w.instancesPerAz;
  const asg = new aws.autoscaling.Group(`${name}-web-asg`, {
    vpcZoneIdentifiers: network.privateSubnetIds,
    minSize: size,
    maxSize: size,
    desiredCapacity: size,
    launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
    targetGroupArns: [tg.arn],
    healthCheckType: "ELB",
    healthCheckGracePeriod: 300,
    tags: [{ key: "Name", value: `${name}-web`, propagateAtLaunch: true }],
  }, opts);
  return { nlb, asg };
}
