/**
 * The stack's validator: every problem of the whole configuration at once, under the config keys a
 * user sets (not the components' argument paths). Pure: it runs each component's own validator on
 * the arguments the stack would pass, before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { findOverlaps, formatIpv4Cidr, tryParseIpv4Cidr } from "../common/cidr";
import { Problems, describeValue, validateAppSpokeArgs, validateCentralEgressArgs, validateGwlbApplianceFleetArgs, validateInspectionVpcArgs } from "../components";
import { NAMES, fleetArgs, hubArgs, inspectionVpcArgs, readAgentPolicy, spokeArgs } from "./componentArgs";
import { SpokeConfig, StackConfig } from "./config";

const SPOKE_NAME = /^[a-z][a-z0-9-]{0,15}$/;

/** Config keys for component argument paths, so stack errors name what the user sets. */
const CONFIG_KEY_FOR: Record<string, string> = {
  "inspectionVpc.cidrBlock": "applianceVpcCidr",
  "inspectionVpc.availabilityZones": "availabilityZones",
  "inspectionVpc.internetAccess": "applianceInternetAccess",
  "fleet.enableDeletionProtection": "gwlbDeletionProtection",
  "fleet.enableCrossZoneLoadBalancing": "crossZoneLoadBalancing",
  "fleet.healthCheck.port": "healthCheckPort",
  "fleet.deregistrationDelaySeconds": "deregistrationDelaySeconds",
  "fleet.stickiness": "stickiness",
  "fleet.targetFailover": "targetFailover",
  "fleet.acceptanceRequired": "endpointAcceptanceRequired",
  "fleet.fleet.instanceType": "fleetInstanceType",
  "fleet.fleet.image": "fleetImage",
  "fleet.agent.bundlePath": "agentBundlePath",
  "fleet.agent.fastPath": "agentFastPath",
  "fleet.agent.slowPathMaxPps": "agentSlowPathMaxPps",
  "fleet.agent.rolloutMaxConcurrency": "agentRolloutMaxConcurrency",
  "fleet.agent.rolloutMaxErrors": "agentRolloutMaxErrors",
  "fleet.scaling.targetCpuPercent": "fleetScalingTargetCpu",
  "fleet.logs.retentionInDays": "logRetentionDays",
  "fleet.fleet.minSize": "fleetMinSize",
  "fleet.fleet.desiredCapacity": "fleetDesiredCapacity",
  "fleet.fleet.maxSize": "fleetMaxSize",
  "hub.cidrBlock": "hubVpcCidr",
  "hub.availabilityZones": "availabilityZones",
  "hub.egressInspectionOrder": "egressInspectionOrder",
  "hub.eastWest": "eastWest",
  "hub.inspection.stickiness": "stickiness",
};

function configPath(componentPath: string): string {
  if (CONFIG_KEY_FOR[componentPath]) return CONFIG_KEY_FOR[componentPath];
  // Every component takes the stack's one AZ list.
  const azs = /^(?:inspectionVpc|hub|spokes\[\d+\])\.(availabilityZones.*)$/.exec(componentPath);
  if (azs) return azs[1];
  const policy = /^fleet\.policy(.*)$/.exec(componentPath);
  if (policy) return `agentPolicy${policy[1]}`;
  const principal = /^fleet\.allowedPrincipals(.*)$/.exec(componentPath);
  if (principal) return `endpointAllowedPrincipals${principal[1]}`;
  const spoke = /^(spokes\[\d+\])\.(.*)$/.exec(componentPath);
  if (spoke && ["cidrBlock", "name"].includes(spoke[2])) return `${spoke[1]}.${spoke[2]}`;
  return componentPath;
}

/**
 * Checks the whole stack's configuration, reporting every problem at once under the config keys:
 * shapes, CIDR overlaps across every VPC of the stack, and each component's own rules.
 */
export function validateStack(c: StackConfig): { readonly policy: unknown } {
  const raw = new Problems();
  let policy: unknown;
  try {
    policy = readAgentPolicy(String(c.agentPolicy));
  } catch (error) {
    raw.add("agentPolicy", `must be inline JSON or the path of a JSON file: ${(error as Error).message}`);
  }
  const spokes: unknown = c.spokes;
  const spokeList: Array<{ spoke: SpokeConfig; index: number }> = [];  // index: place in the config list
  if (!Array.isArray(spokes)) {
    raw.add("spokes", `must be a list of {name, cidrBlock, workload?, publicIngress?}, got ${describeValue(spokes)}`);
  } else {
    const names = new Set<string>();
    spokes.forEach((s: unknown, i) => {
      const spoke = s as Partial<SpokeConfig> | null;
      if (typeof spoke !== "object" || spoke === null) {
        raw.add(`spokes[${i}]`, `must be an object {name, cidrBlock, workload?, publicIngress?}, got ${describeValue(s)}`);
        return;
      }
      if (typeof spoke.name !== "string" || !SPOKE_NAME.test(spoke.name)) {
        raw.add(`spokes[${i}].name`, `must be 1-16 lowercase letters, digits or hyphens starting with a letter, got ${describeValue(spoke.name)}`);
      } else if (names.has(spoke.name)) {
        raw.add(`spokes[${i}].name`, `"${spoke.name}" names two spokes`);
      } else {
        names.add(spoke.name);
        if (([NAMES.hub, NAMES.fleet] as string[]).includes(spoke.name)) raw.add(`spokes[${i}].name`, `"${spoke.name}" is taken by another component of the stack`);
      }
      for (const flag of ["workload", "publicIngress"] as const) {
        if (spoke[flag] !== undefined && typeof spoke[flag] !== "boolean") raw.add(`spokes[${i}].${flag}`, `must be true or false, got ${describeValue(spoke[flag])}`);
      }
      spokeList.push({ spoke: spoke as SpokeConfig, index: i });
    });
  }

  // Every VPC of the stack must be distinct, even the appliance VPC that PrivateLink would tolerate:
  // an operator reading flow logs or adding peering later should never meet duplicate addresses.
  const vpcs: Array<{ label: string; path: string; cidr: ReturnType<typeof tryParseIpv4Cidr> }> = [
    { label: "applianceVpcCidr", path: "applianceVpcCidr", cidr: tryParseIpv4Cidr(String(c.applianceVpcCidr)) },
    { label: "hubVpcCidr", path: "hubVpcCidr", cidr: tryParseIpv4Cidr(String(c.hubVpcCidr)) },
    ...spokeList.map(({ spoke, index }) => ({ label: `spokes[${index}] (${spoke.name})`, path: `spokes[${index}].cidrBlock`, cidr: tryParseIpv4Cidr(String(spoke.cidrBlock)) })),
  ];
  const parsed = vpcs.flatMap((v) => (typeof v.cidr === "string" ? [] : [{ ...v, cidr: v.cidr }]));
  for (const [a, b] of findOverlaps(parsed)) {
    raw.add(b.path, `${formatIpv4Cidr(b.cidr)} overlaps ${a.label} (${formatIpv4Cidr(a.cidr)})`);
  }

  const inspection = new Problems();
  const vpc = validateInspectionVpcArgs(inspectionVpcArgs(c), inspection);
  raw.merge(inspection, "inspectionVpc.");
  if (vpc) {
    const network = { vpcId: pulumi.output("pending"), cidrBlock: vpc.cidrBlock, availabilityZones: vpc.availabilityZones, subnetIds: {}, subnetCidrs: vpc.subnetCidrs, internetAccess: vpc.internetAccess, endpointAddressesPerSubnet: vpc.endpointAddressesPerSubnet };
    const fleetProblems = new Problems();
    validateGwlbApplianceFleetArgs(fleetArgs(c, network, policy), fleetProblems, NAMES.fleet);
    raw.merge(fleetProblems, "fleet.");
  }
  const hubProblems = new Problems();
  const hub = validateCentralEgressArgs(hubArgs(c, { endpointServiceName: "pending", endpointServiceId: "pending", availabilityZones: c.availabilityZones, stickiness: c.stickiness, acceptanceRequired: c.endpointAcceptanceRequired }), hubProblems);
  raw.merge(hubProblems, "hub.");
  // Spokes are checked even when the hub's own arguments failed, against what the config says of
  // it. VPC overlaps and duplicate names were checked above for the whole stack, in config terms.
  const hubFacts = {
    cidrBlock: undefined,
    availabilityZones: hub?.availabilityZones ?? (Array.isArray(c.availabilityZones) ? c.availabilityZones : []),
    egressInspectionOrder: hub?.egressInspectionOrder ?? String(c.egressInspectionOrder),
    attachedSpokes: [],
  };
  for (const { spoke, index } of spokeList) {
    const p = new Problems();
    validateAppSpokeArgs(spoke.name, spokeArgs(c, spoke), hubFacts, p);
    raw.merge(p, `spokes[${index}].`);
  }

  const stack = new Problems();
  const seen = new Set<string>();
  for (const p of raw.list) {
    const path = configPath(p.propertyPath);
    const key = `${path}\n${p.reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      stack.add(path, p.reason);
    }
  }
  stack.throwIfAny("The stack configuration");
  return { policy };
}
