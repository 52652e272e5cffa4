/**
 * `GwlbApplianceFleet`'s validator: every argument checked, pure and synchronous, so a whole stack
 * can be checked before any resource exists. The health check and the fleet's size have files of
 * their own.
 */
import { formatIpv4Cidr } from "../../common/cidr";
import { DEREGISTRATION_DELAY_SECONDS } from "../../common/contract";
import {
  GwlbApplianceFleetArgs, STICKINESS_MODES, TARGET_FAILOVER_MODES, ValidatedGwlbApplianceFleetArgs,
} from "../args/gwlbApplianceFleet";
import { INTERNET_ACCESS_MODES, InspectionNetwork } from "../args/inspectionVpc";
import { validateFleet } from "./applianceFleetSize";
import { checkAvailabilityZones } from "./availabilityZones";
import {
  AUTONAME_SUFFIX, DEREGISTRATION_DELAY_LIMITS, ELB_NAME_MAX, ELB_NAME_PATTERN, ELB_RESERVED_PREFIX, ENDPOINT_SERVICE_PRINCIPAL_PATTERN, TCP_IDLE_TIMEOUT_LIMITS,
} from "./awsLimits";
import { validateAgent, validateLogRetention, validateScaling } from "./gwlbAgent";
import { validateHealthCheck } from "./gwlbHealthCheck";
import { Problems, describeValue } from "./problems";

/** The longest child role that ends up in an ELB name (`${name}-gwlb`; the target group is `${name}-tg`). */
const LONGEST_ELB_ROLE = "-gwlb";
/** The fleet's name prefixes its load balancer's auto-generated name, which must fit ELB's limit. */
export const MAX_FLEET_NAME_LENGTH = ELB_NAME_MAX - AUTONAME_SUFFIX - LONGEST_ELB_ROLE.length;

/** Validates the component's name: it becomes the prefix of the GWLB's and target group's 32-character names. */
export function checkFleetName(problems: Problems, name: unknown): void {
  if (typeof name !== "string" || !ELB_NAME_PATTERN.test(name)) {
    problems.add("name", `must start with a letter or digit and contain only letters, digits and hyphens (it prefixes the load balancer's name), got ${describeValue(name)}`);
    return;
  }
  if (name.length > MAX_FLEET_NAME_LENGTH) {
    problems.add(
      "name",
      `must be at most ${MAX_FLEET_NAME_LENGTH} characters, got ${name.length} ("${name}"): the load balancer is auto-named "${name}${LONGEST_ELB_ROLE}" plus ${AUTONAME_SUFFIX} random characters, and AWS limits load balancer and target group names to ${ELB_NAME_MAX}`,
    );
  }
  if (`${name}${LONGEST_ELB_ROLE}`.toLowerCase().startsWith(ELB_RESERVED_PREFIX)) {
    problems.add("name", `must not make the load balancer's name begin with "${ELB_RESERVED_PREFIX}" (AWS reserves that prefix), got "${name}"`);
  }
}

function validateNetwork(problems: Problems, network: unknown) {
  if (network === null || typeof network !== "object") {
    problems.add("network", `must be an InspectionNetwork such as an InspectionVpc, got ${describeValue(network)}`);
    return undefined;
  }
  const n = network as Partial<InspectionNetwork>;
  const vpc = problems.cidr("network.cidrBlock", n.cidrBlock);
  const internetAccess = problems.oneOf("network.internetAccess", n.internetAccess, INTERNET_ACCESS_MODES);
  const endpointAddresses = problems.integer("network.endpointAddressesPerSubnet", n.endpointAddressesPerSubnet, 0, 255);
  const azs = checkAvailabilityZones(problems, "network.availabilityZones", n.availabilityZones);
  if (!azs) return undefined;
  const subnetCidrs: Record<string, string> = {};
  let ok = vpc !== undefined && internetAccess !== undefined && endpointAddresses !== undefined;
  for (const az of azs) {
    const cidr = problems.cidr(`network.subnetCidrs.${az}`, n.subnetCidrs?.[az]);
    if (cidr) subnetCidrs[az] = formatIpv4Cidr(cidr);
    else ok = false;
  }
  return ok ? { azs, vpcCidr: formatIpv4Cidr(vpc!), subnetCidrs, internetAccess: internetAccess!, endpointAddressesPerSubnet: endpointAddresses! } : undefined;
}

/** An optional list of IPv4 CIDRs, each checked; default empty. */
function validateCidrList(problems: Problems, path: string, value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(path, `must be a list of IPv4 CIDRs, got ${describeValue(value)}`);
    return undefined;
  }
  const cidrs = value.map((item: unknown, i) => problems.cidr(`${path}[${i}]`, item));
  return cidrs.every((c) => c !== undefined) ? cidrs.map((c) => formatIpv4Cidr(c!)) : undefined;
}

function validatePrincipals(problems: Problems, value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add("allowedPrincipals", `must be a list of IAM principal ARNs or "*", got ${describeValue(value)}`);
    return undefined;
  }
  const before = problems.list.length;
  const seen = new Set<string>();
  value.forEach((principal: unknown, i) => {
    const path = `allowedPrincipals[${i}]`;
    if (typeof principal === "string" && /^\d{12}$/.test(principal)) {
      problems.add(path, `an account must be given as its root ARN, e.g. "arn:aws:iam::${principal}:root", got "${principal}"`);
    } else if (typeof principal !== "string" || (principal !== "*" && !ENDPOINT_SERVICE_PRINCIPAL_PATTERN.test(principal))) {
      problems.add(path, `must be "*" or the IAM ARN of an account root, user or role without a path (e.g. "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/NAME"), got ${describeValue(principal)}`);
    } else if (seen.has(principal)) {
      problems.add(path, `"${principal}" is listed twice`);
    } else {
      seen.add(principal);
    }
  });
  return problems.list.length === before ? (value as string[]) : undefined;
}

/**
 * Subnet ids and endpoint ids exist only once the network has been built, so the constructor checks
 * them and the pure validator (which a stack-level check runs before any resource exists) does not.
 */
export function checkNetworkOutputs(problems: Problems, network: unknown): void {
  const n = network as Partial<InspectionNetwork> | null | undefined;
  if (n === null || typeof n !== "object" || !Array.isArray(n.availabilityZones)) return;
  for (const az of n.availabilityZones) {
    if (typeof az === "string" && n.subnetIds?.[az] === undefined) {
      problems.add(`network.subnetIds.${az}`, `has no subnet for ${az}, one of network.availabilityZones`);
    }
  }
  if (n.internetAccess === "none" && (n.serviceEndpoints?.securityGroupId === undefined || n.serviceEndpoints?.s3PrefixListId === undefined)) {
    problems.add("network.serviceEndpoints", 'must name the interface endpoints\' security group and the S3 prefix list of a network with internetAccess "none": the appliances\' HTTPS may go only there');
  }
}

/**
 * Validates every argument (and, when given, the component name) into `problems`. Pure and
 * synchronous over plain values: returns them with their defaults, or undefined when anything was
 * wrong. `network.subnetIds` and `network.serviceEndpoints` are not read (see `checkNetworkOutputs`).
 */
export function validateGwlbApplianceFleetArgs(args: GwlbApplianceFleetArgs, problems: Problems, name?: string): ValidatedGwlbApplianceFleetArgs | undefined {
  const before = problems.list.length;
  if (name !== undefined) checkFleetName(problems, name);
  const a: Partial<GwlbApplianceFleetArgs> = args ?? {};
  const network = validateNetwork(problems, a.network);
  const crossZone = problems.optionalBoolean("enableCrossZoneLoadBalancing", a.enableCrossZoneLoadBalancing, true);
  const deletionProtection = problems.optionalBoolean("enableDeletionProtection", a.enableDeletionProtection, false);
  const acceptanceRequired = problems.optionalBoolean("acceptanceRequired", a.acceptanceRequired, false);
  const healthCheck = validateHealthCheck(problems, a.healthCheck);
  const deregistrationDelaySeconds = problems.integer("deregistrationDelaySeconds", a.deregistrationDelaySeconds ?? DEREGISTRATION_DELAY_SECONDS, DEREGISTRATION_DELAY_LIMITS.min, DEREGISTRATION_DELAY_LIMITS.max);
  const stickiness = problems.oneOf("stickiness", a.stickiness ?? "5-tuple", STICKINESS_MODES);
  const targetFailover = problems.oneOf("targetFailover", a.targetFailover ?? "no_rebalance", TARGET_FAILOVER_MODES);
  let tcpIdleTimeoutSeconds: number | undefined;
  if (a.tcpIdleTimeoutSeconds !== undefined) {
    tcpIdleTimeoutSeconds = problems.integer("tcpIdleTimeoutSeconds", a.tcpIdleTimeoutSeconds, TCP_IDLE_TIMEOUT_LIMITS.min, TCP_IDLE_TIMEOUT_LIMITS.max);
    if (stickiness !== undefined && stickiness !== "5-tuple") {
      problems.add("tcpIdleTimeoutSeconds", `can only be set with stickiness "5-tuple" (GWLB's TCP idle timeout applies to 5-tuple flows only), got stickiness "${stickiness}"`);
    }
  }
  const allowedPrincipals = validatePrincipals(problems, a.allowedPrincipals);
  const everyone = allowedPrincipals?.indexOf("*") ?? -1;
  if (everyone >= 0 && acceptanceRequired === false) {
    problems.add(
      `allowedPrincipals[${everyone}]`,
      '"*" lets any AWS account create endpoints to the service and send its traffic through the fleet; allow everyone only with acceptanceRequired: true, so that each connection is accepted before it carries traffic',
    );
  }
  const fleet = validateFleet(problems, a.fleet, network, crossZone);
  const metricsSourceCidrs = validateCidrList(problems, "metricsSourceCidrs", a.metricsSourceCidrs);
  const agent = validateAgent(problems, a.agent);
  const scaling = validateScaling(problems, a.scaling);
  const logRetentionInDays = validateLogRetention(problems, a.logs);

  if (problems.list.length !== before) return undefined;
  return {
    availabilityZones: network!.azs,
    vpcCidr: network!.vpcCidr,
    subnetCidrs: network!.subnetCidrs,
    internetAccess: network!.internetAccess,
    endpointAddressesPerSubnet: network!.endpointAddressesPerSubnet,
    enableCrossZoneLoadBalancing: crossZone!,
    enableDeletionProtection: deletionProtection!,
    healthCheck: healthCheck!,
    deregistrationDelaySeconds: deregistrationDelaySeconds!,
    stickiness: stickiness!,
    targetFailover: targetFailover!,
    ...(tcpIdleTimeoutSeconds !== undefined ? { tcpIdleTimeoutSeconds } : {}),
    acceptanceRequired: acceptanceRequired!,
    allowedPrincipals: allowedPrincipals!,
    fleet: fleet!,
    metricsSourceCidrs: metricsSourceCidrs!,
    agent: agent!,
    ...(scaling!.targetCpuPercent !== undefined ? { targetCpuPercent: scaling!.targetCpuPercent } : {}),
    logRetentionInDays: logRetentionInDays!,
  };
}
