/**
 * From the stack's config to each component's arguments: one mapping, used by the stack's validator
 * and by the stack itself, so both see the same arguments.
 */
import {
  AppSpokeBaseArgs, CentralEgressArgs, EastWestPolicy, EgressInspectionOrder, GwlbApplianceFleetArgs, InspectionServiceRef, InspectionNetwork,
  InspectionVpcArgs, InternetAccess, Stickiness, TargetFailover,
} from "../components";
import { SpokeConfig, StackConfig } from "./config";

/** Logical names of the stack's components; children are named after them (seed: appliance-*, sec-*). */
export const NAMES = { inspectionVpc: "appliance", fleet: "appliance", hub: "sec" } as const;

export function inspectionVpcArgs(c: StackConfig): InspectionVpcArgs {
  return {
    cidrBlock: c.applianceVpcCidr,
    availabilityZones: c.availabilityZones,
    internetAccess: c.applianceInternetAccess as InternetAccess,
    ...(c.applianceFlowLogs ? { flowLogs: {} } : {}),
  };
}

export function fleetArgs(c: StackConfig, network: InspectionNetwork): GwlbApplianceFleetArgs {
  return {
    network,
    enableCrossZoneLoadBalancing: c.crossZoneLoadBalancing,
    enableDeletionProtection: c.gwlbDeletionProtection,
    healthCheck: { port: c.healthCheckPort },
    deregistrationDelaySeconds: c.deregistrationDelaySeconds,
    stickiness: c.stickiness as Stickiness,
    targetFailover: c.targetFailover as TargetFailover,
    acceptanceRequired: c.endpointAcceptanceRequired,
    allowedPrincipals: c.endpointAllowedPrincipals,
    fleet: {
      instanceType: c.fleetInstanceType,
      minSize: c.fleetMinSize,
      desiredCapacity: c.fleetDesiredCapacity,
      maxSize: c.fleetMaxSize,
      // "deployed" is the component's default: the newest image, pinned at each `pulumi up`.
      ...(c.fleetImage === "deployed" ? {} : { image: c.fleetImage }),
    },
  };
}

export function hubArgs(c: StackConfig, inspection: InspectionServiceRef): CentralEgressArgs {
  return {
    cidrBlock: c.hubVpcCidr,
    availabilityZones: c.availabilityZones,
    inspection,
    egressInspectionOrder: c.egressInspectionOrder as EgressInspectionOrder,
    eastWest: c.eastWest as EastWestPolicy,
  };
}

export function spokeArgs(c: StackConfig, spoke: SpokeConfig): AppSpokeBaseArgs {
  return {
    cidrBlock: spoke.cidrBlock,
    availabilityZones: c.availabilityZones,
    ...(spoke.workload ? { workload: true } : {}),
    ...(spoke.publicIngress ? { publicIngress: true } : {}),
  };
}
