/**
 * The spoke's public entrance: an internet-facing ALB in the hub's public subnets (where ingress is
 * inspected on its way in and out) that forwards to the workload NLB's fixed addresses across the
 * transit gateway. It belongs to the spoke, which owns its lifecycle, though it lives in the hub's VPC.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ValidatedWorkload } from "../args/appSpoke";
import { Tags } from "../args/common";
import { azSuffix } from "../rules/availabilityZones";
import { tagsFor } from "../shared/tags";

/** Where in the hub the ALB goes. */
export interface IngressPlacement {
  readonly vpcId: pulumi.Input<string>;
  /** The hub's public subnets, one per hub AZ. */
  readonly publicSubnetIds: pulumi.Input<string>[];
}

export function createPublicIngress(
  name: string,
  w: ValidatedWorkload,
  allowedCidrs: readonly string[],
  placement: IngressPlacement,
  parent: pulumi.Resource,
  userTags: Tags | undefined,
): aws.lb.LoadBalancer {
  const opts = { parent };
  const tags = (n: string) => tagsFor(n, userTags);
  const sg = new aws.ec2.SecurityGroup(`${name}-alb-sg`, { vpcId: placement.vpcId, description: `Public ALB of spoke ${name}`, tags: tags(`${name}-alb-sg`) }, opts);
  allowedCidrs.forEach((cidr, i) => {
    new aws.vpc.SecurityGroupIngressRule(`${name}-alb-http-in-${i}`, { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: w.port, toPort: w.port, cidrIpv4: cidr, description: "HTTP from clients" }, opts);
  });
  for (const [az, address] of Object.entries(w.nlbAddresses)) {
    new aws.vpc.SecurityGroupEgressRule(`${name}-alb-to-nlb-${azSuffix(az)}`, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: w.port, toPort: w.port, cidrIpv4: `${address}/32`, description: "HTTP to the spoke's NLB across the TGW",
    }, opts);
  }
  const alb = new aws.lb.LoadBalancer(`${name}-alb`, {
    loadBalancerType: "application",
    internal: false,
    subnets: placement.publicSubnetIds,
    securityGroups: [sg.id],
    dropInvalidHeaderFields: true,
    tags: tags(`${name}-alb`),
  }, opts);
  const tg = new aws.lb.TargetGroup(`${name}-alb-tg`, {
    vpcId: placement.vpcId,
    protocol: "HTTP",
    port: w.port,
    targetType: "ip",
    healthCheck: { protocol: "HTTP", port: "traffic-port", path: "/", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
    tags: tags(`${name}-alb-tg`),
  }, opts);
  for (const [az, address] of Object.entries(w.nlbAddresses)) {
    // The NLB lives outside the ALB's VPC (across the TGW): such ip targets need availability zone "all".
    new aws.lb.TargetGroupAttachment(`${name}-alb-target-${azSuffix(az)}`, { targetGroupArn: tg.arn, targetId: address, port: w.port, availabilityZone: "all" }, opts);
  }
  new aws.lb.Listener(`${name}-alb-listener`, {
    loadBalancerArn: alb.arn, protocol: "HTTP", port: w.port,
    defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
    tags: tags(`${name}-alb-listener`),
  }, opts);
  return alb;
}
