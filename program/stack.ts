/**
 * The reference topology: an inspection VPC with the appliance fleet, the security hub, and the
 * configured spokes. Every argument of every component is checked before the first resource.
 */
import { AppSpoke, CentralEgress, GwlbApplianceFleet, InspectionVpc } from "../components";
import { NAMES, fleetArgs, hubArgs, inspectionVpcArgs, spokeArgs } from "./componentArgs";
import { StackConfig } from "./config";
import { validateStack } from "./validateStack";

export interface StackResources {
  readonly inspectionVpc: InspectionVpc;
  readonly fleet: GwlbApplianceFleet;
  readonly hub: CentralEgress;
  readonly spokes: readonly AppSpoke[];
}

/** Validates, then builds the topology. */
export function deployStack(c: StackConfig): StackResources {
  const { policy } = validateStack(c);
  const inspectionVpc = new InspectionVpc(NAMES.inspectionVpc, inspectionVpcArgs(c));
  const fleet = new GwlbApplianceFleet(NAMES.fleet, fleetArgs(c, inspectionVpc, policy));
  const hub = new CentralEgress(NAMES.hub, hubArgs(c, fleet));
  const spokes = c.spokes.map((s) => new AppSpoke(s.name, { hub, ...spokeArgs(c, s) }));
  return { inspectionVpc, fleet, hub, spokes };
}

/** What an operator needs after `pulumi up`. */
export function stackOutputs(r: StackResources) {
  return {
    /** Spoke name -> public ALB DNS name (seed: sec-app01-web-alb's A record). */
    albDnsNames: Object.fromEntries(r.spokes.flatMap((s) => (s.albDnsName ? [[s.spokeName, s.albDnsName]] : []))),
    endpointServiceName: r.fleet.endpointServiceName,
    gwlbArn: r.fleet.loadBalancer.arn,
    transitGatewayId: r.hub.transitGateway.id,
    /** AZ -> GWLB endpoint id in the hub. */
    endpointIds: Object.fromEntries(Object.entries(r.hub.endpoints).map(([az, e]) => [az, e.id])),
    /** AZ -> public address of the hub's NAT gateway. */
    natPublicIps: r.hub.natPublicIps,
    /** AZ -> hub endpoint whose connection the endpoint service's owner must still accept (empty in one stack). */
    endpointsAwaitingAcceptance: r.hub.pendingEndpointAcceptance,
    fleetAutoScalingGroupName: r.fleet.autoScalingGroup.name,
    /** The image every appliance boots, and how it was chosen. */
    fleetImage: { choice: r.fleet.image.choice, imageId: r.fleet.image.imageId },
    /** How the agent reaches the appliances: what an operator looks up in S3, SSM and CloudWatch Logs. */
    agent: {
      bucket: r.fleet.agent.bucket.bucket,
      bundleKey: r.fleet.agent.bundleObject.key,
      bundleSha256: r.fleet.agent.bundle.sha256,
      documentName: r.fleet.agent.document.name,
      documentVersion: r.fleet.agent.document.latestVersion,
      associationId: r.fleet.agent.association.associationId,
      policyParameter: r.fleet.agent.policyParameter.name,
      logGroups: { agent: r.fleet.agent.logGroups.agent.name, flows: r.fleet.agent.logGroups.flows.name },
    },
  };
}
