/**
 * From the stack's config to each component's arguments: one mapping, used by the stack's validator
 * and by the stack itself, so both see the same arguments.
 */
import {
  AppSpokeBaseArgs, CentralEgressArgs, EastWestPolicy, EgressInspectionOrder, GwlbApplianceFleetArgs, InspectionServiceRef, InspectionNetwork,
  InspectionVpcArgs, InternetAccess, PolicyDocument, Stickiness, TargetFailover,
} from "../components";
import * as fs from "node:fs";
import * as path from "node:path";
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

/** The policy document `agentPolicy` names: inline JSON, or a JSON file; undefined for the fleet's default. */
export function readAgentPolicy(text: string, projectDir = process.cwd()): unknown {
  if (text.trim() === "") return undefined;
  const json = text.trim().startsWith("{") ? text : fs.readFileSync(path.resolve(projectDir, text), "utf8");
  return JSON.parse(json);
}

export function fleetArgs(c: StackConfig, network: InspectionNetwork, policy?: unknown): GwlbApplianceFleetArgs {
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
    agent: {
      ...(c.agentBundlePath !== "" ? { bundlePath: c.agentBundlePath } : {}),
      ...(policy !== undefined ? { policy: policy as PolicyDocument } : {}),
      fastPath: c.agentFastPath as "auto" | "nft" | "off",
      slowPathMaxPps: c.agentSlowPathMaxPps,
      rolloutMaxConcurrency: c.agentRolloutMaxConcurrency,
      rolloutMaxErrors: c.agentRolloutMaxErrors,
    },
    scaling: c.fleetScalingTargetCpu === 0 ? false : { targetCpuPercent: c.fleetScalingTargetCpu },
    logs: { retentionInDays: c.logRetentionDays },
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
