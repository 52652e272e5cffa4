/** The gateway load balancer with its one GENEVE target group and its one listener (AWS allows one of each). */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GENEVE_PORT } from "../../common/contract";
import { Tags } from "../args/common";
import { Stickiness, ValidatedGwlbApplianceFleetArgs } from "../args/gwlbApplianceFleet";
import { tagsFor } from "../shared/tags";

/** The target group's stickiness block for a mode; 5-tuple is stickiness off (the type is then ignored, but required). */
export function stickinessOf(mode: Stickiness): { enabled: boolean; type: string } {
  return mode === "5-tuple" ? { enabled: false, type: "source_ip_dest_ip_proto" } : { enabled: true, type: mode };
}

export interface GatewayLoadBalancer {
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly listener: aws.lb.Listener;
}

export function createGatewayLoadBalancer(
  name: string,
  v: ValidatedGwlbApplianceFleetArgs,
  vpcId: pulumi.Input<string>,
  subnetIds: pulumi.Input<string>[],
  parent: pulumi.Resource,
  tags: Tags | undefined,
): GatewayLoadBalancer {
  const opts = { parent };
  const loadBalancer = new aws.lb.LoadBalancer(`${name}-gwlb`, {
    loadBalancerType: "gateway",
    subnetMappings: subnetIds.map((subnetId) => ({ subnetId })),
    ipAddressType: "ipv4",
    enableCrossZoneLoadBalancing: v.enableCrossZoneLoadBalancing,
    enableDeletionProtection: v.enableDeletionProtection,
    tags: tagsFor(`${name}-gwlb`, tags),
  }, opts);

  const hc = v.healthCheck;
  const targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
    protocol: "GENEVE",
    port: GENEVE_PORT,
    targetType: "instance",
    vpcId,
    deregistrationDelay: v.deregistrationDelaySeconds,
    healthCheck: {
      enabled: true,
      protocol: hc.protocol,
      port: String(hc.port),
      ...(hc.path !== undefined ? { path: hc.path, matcher: hc.matcher } : {}),
      interval: hc.intervalSeconds,
      timeout: hc.timeoutSeconds,
      healthyThreshold: hc.healthyThreshold,
      unhealthyThreshold: hc.unhealthyThreshold,
    },
    // Always sent: the provider keeps the last value when the block is absent, so leaving it out
    // would keep a target group sticky after a switch back to 5-tuple (GWLB's default, stickiness off).
    stickiness: stickinessOf(v.stickiness),
    targetFailovers: [{ onDeregistration: v.targetFailover, onUnhealthy: v.targetFailover }],
    tags: tagsFor(`${name}-tg`, tags),
  }, opts);

  // A GWLB listener takes no port or protocol: it receives all IP traffic from the endpoints.
  const listener = new aws.lb.Listener(`${name}-listener`, {
    loadBalancerArn: loadBalancer.arn,
    defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    ...(v.tcpIdleTimeoutSeconds !== undefined ? { tcpIdleTimeoutSeconds: v.tcpIdleTimeoutSeconds } : {}),
    tags: tagsFor(`${name}-listener`, tags),
  }, opts);
  return { loadBalancer, targetGroup, listener };
}
