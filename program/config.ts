/**
 * The stack's settings, read from Pulumi config. Defaults live in Pulumi.yaml alone (the CLI and the
 * offline synthesizer both apply them), so every key is required here.
 */
import * as pulumi from "@pulumi/pulumi";

export interface SpokeConfig {
  readonly name: string;
  readonly cidrBlock: string;
  readonly workload?: boolean;
  readonly publicIngress?: boolean;
}

export interface StackConfig {
  readonly availabilityZones: string[];
  readonly applianceVpcCidr: string;
  readonly applianceInternetAccess: string;
  readonly applianceFlowLogs: boolean;
  readonly hubVpcCidr: string;
  readonly egressInspectionOrder: string;
  readonly eastWest: string;
  readonly spokes: SpokeConfig[];
  readonly fleetInstanceType: string;
  readonly fleetImage: string;
  readonly fleetMinSize: number;
  readonly fleetDesiredCapacity: number;
  readonly fleetMaxSize: number;
  readonly crossZoneLoadBalancing: boolean;
  readonly stickiness: string;
  readonly targetFailover: string;
  readonly deregistrationDelaySeconds: number;
  readonly healthCheckPort: number;
  readonly agentPolicy: string;
  readonly agentBundlePath: string;
  readonly agentFastPath: string;
  readonly agentSlowPathMaxPps: number;
  readonly agentRolloutMaxConcurrency: string;
  readonly agentRolloutMaxErrors: string;
  readonly fleetScalingTargetCpu: number;
  readonly logRetentionDays: number;
  readonly gwlbDeletionProtection: boolean;
  readonly endpointAcceptanceRequired: boolean;
  readonly endpointAllowedPrincipals: string[];
}

type Kind = "string" | "number" | "boolean" | "object";

/** Every key of the stack and how it is read. */
export const CONFIG_KEYS: Readonly<Record<keyof StackConfig, Kind>> = {
  availabilityZones: "object",
  applianceVpcCidr: "string",
  applianceInternetAccess: "string",
  applianceFlowLogs: "boolean",
  hubVpcCidr: "string",
  egressInspectionOrder: "string",
  eastWest: "string",
  spokes: "object",
  fleetInstanceType: "string",
  fleetImage: "string",
  fleetMinSize: "number",
  fleetDesiredCapacity: "number",
  fleetMaxSize: "number",
  crossZoneLoadBalancing: "boolean",
  stickiness: "string",
  targetFailover: "string",
  deregistrationDelaySeconds: "number",
  healthCheckPort: "number",
  agentPolicy: "string",
  agentBundlePath: "string",
  agentFastPath: "string",
  agentSlowPathMaxPps: "number",
  agentRolloutMaxConcurrency: "string",
  agentRolloutMaxErrors: "string",
  fleetScalingTargetCpu: "number",
  logRetentionDays: "number",
  gwlbDeletionProtection: "boolean",
  endpointAcceptanceRequired: "boolean",
  endpointAllowedPrincipals: "object",
};

export function readStackConfig(config: pulumi.Config = new pulumi.Config()): StackConfig {
  const values: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(CONFIG_KEYS)) {
    switch (kind) {
      case "string": values[key] = config.require(key); break;
      case "number": values[key] = config.requireNumber(key); break;
      case "boolean": values[key] = config.requireBoolean(key); break;
      case "object": values[key] = config.requireObject(key); break;
    }
  }
  return values as unknown as StackConfig;
}
