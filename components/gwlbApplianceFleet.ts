import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { formatIpv4Cidr, parseIpv4Cidr } from "../common/cidr";
import { usableAwsAddresses } from "./lib/awsLimits";
import { azSuffix, checkAvailabilityZones } from "./lib/layout";
import { Tags, tagsFor } from "./lib/tags";
import { Problems, describe } from "./lib/validation";
import { INTERNET_ACCESS_MODES, InspectionNetwork, InternetAccess } from "./inspectionVpc";
import { createSsmInstanceRole } from "./lib/iam";
import { ARCHITECTURES, Architecture, IMDSV2_REQUIRED, amazonLinuxImageId, encryptedRootVolume } from "./lib/instances";

export const GWLB_APPLIANCE_FLEET_TYPE = "gwlb:inspection:GwlbApplianceFleet";

/** GWLB speaks GENEVE (RFC 8926) to its targets on this UDP port, and nothing else. */
export const GENEVE_PORT = 6081;

/**
 * Flow stickiness of the target group. "5-tuple" (AWS's default) is the only mode that works with a
 * transit gateway in appliance mode and the only one that takes a TCP idle timeout.
 */
export const STICKINESS_MODES = ["5-tuple", "source_ip_dest_ip_proto", "source_ip_dest_ip"] as const;
export type Stickiness = (typeof STICKINESS_MODES)[number];

/** What GWLB does with existing flows of a target that is deregistered or turns unhealthy (one value for both). */
export const TARGET_FAILOVER_MODES = ["rebalance", "no_rebalance"] as const;
export type TargetFailover = (typeof TARGET_FAILOVER_MODES)[number];

/** GENEVE itself cannot be health-checked; GWLB checks a TCP, HTTP or HTTPS port of the target instead. */
export const HEALTH_CHECK_PROTOCOLS = ["TCP", "HTTP", "HTTPS"] as const;
export type HealthCheckProtocol = (typeof HEALTH_CHECK_PROTOCOLS)[number];

export { ARCHITECTURES, Architecture, amazonLinuxImageId } from "./lib/instances";

/**
 * The only success-code matcher the ELBv2 API accepts on a Gateway Load Balancer target group
 * (API reference, Matcher.HttpCode: "For Gateway Load Balancers, this must be "200–399""). The agent
 * answers 200 while healthy and 503 while draining, which this range still tells apart.
 */
export const GWLB_HEALTH_CHECK_MATCHER = "200-399";

/** The tag the fleet's instances carry from launch; SSM associations target the fleet by it. */
export const FLEET_TAG_KEY = "gwlb:fleet";

/**
 * Kernel settings the appliance user data applies, and nothing else: the agent asks for large
 * UDP socket buffers (GENEVE datagrams of up to 8,568 bytes arrive in bursts), and Linux caps
 * SO_RCVBUF/SO_SNDBUF at these maxima. Everything else (Node.js, the agent) is shipped through SSM.
 */
export const APPLIANCE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.core.rmem_max": "33554432",
  "net.core.wmem_max": "33554432",
};

/** Default instance type per architecture; see `GwlbFleetArgs.instanceType`. */
export const DEFAULT_INSTANCE_TYPES: Readonly<Record<Architecture, string>> = {
  arm64: "c7g.large",
  x86_64: "c7i.large",
};

/** AWS limit on load balancer and target group names. */
const ELB_NAME_MAX = 32;
/** Pulumi auto-naming appends "-" and 7 random hex characters to a physical name. */
const AUTONAME_SUFFIX = 8;
/** The longest child role that ends up in an ELB name (`${name}-gwlb`; the target group is `${name}-tg`). */
const LONGEST_ELB_ROLE = "-gwlb";
export const MAX_FLEET_NAME_LENGTH = ELB_NAME_MAX - AUTONAME_SUFFIX - LONGEST_ELB_ROLE.length;

/** Targets one GENEVE target group may hold per AZ (Elastic Load Balancing quotas). */
export const GENEVE_TARGETS_PER_AZ = 300;
/** Addresses the GWLB takes in each of its subnets (Gateway Load Balancer user guide). */
export const GWLB_ADDRESSES_PER_SUBNET = 8;

export interface GwlbHealthCheckArgs {
  /** Default "HTTP": the agent serves its health on HTTP. */
  protocol?: HealthCheckProtocol;
  /** TCP port on the appliance. Default 80 (the agent's default health port). 1-65535. */
  port?: number;
  /** HTTP(S) only. Default "/healthz". Must start with "/", at most 1024 characters. */
  path?: string;
  /** HTTP(S) only. GWLB accepts only "200-399", which is also the default. */
  matcher?: typeof GWLB_HEALTH_CHECK_MATCHER;
  /** Default 10. AWS range 5-300, and at least `timeoutSeconds`. */
  intervalSeconds?: number;
  /** Default 5. AWS range 2-120. */
  timeoutSeconds?: number;
  /** Consecutive successes before a target is healthy. Default 3. AWS range 2-10. */
  healthyThreshold?: number;
  /** Consecutive failures before a target is unhealthy. Default 3. AWS range 2-10. */
  unhealthyThreshold?: number;
}

/** The health check as applied: every value explicit (AWS documents conflicting defaults for GENEVE). */
export interface GwlbHealthCheck {
  readonly protocol: HealthCheckProtocol;
  readonly port: number;
  /** Set for HTTP and HTTPS only. */
  readonly path?: string;
  /** Set for HTTP and HTTPS only. */
  readonly matcher?: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface GwlbFleetArgs {
  /**
   * CPU architecture of the Amazon Linux 2023 image. Default: that of `instanceType` when it is
   * given, otherwise "arm64".
   */
  architecture?: Architecture;
  /**
   * Default "c7g.large" (arm64) or "c7i.large" (x86_64): two vCPUs so the agent's workers and the
   * OS/SSM agent do not share one core, steady (non-burstable) CPU so a busy data plane is never
   * throttled by credits the way t-family instances are, and up to 12.5 Gbps of ENA networking.
   * Graviton (arm64) is the default for its price per packet.
   */
  instanceType?: string;
  /** Default 2. At least 1, and at least the AZ count when cross-zone load balancing is off. */
  minSize?: number;
  /** Default: the larger of 2 and `minSize`. From `minSize` to `maxSize`. */
  desiredCapacity?: number;
  /**
   * Default: the largest of 4, `minSize` and `desiredCapacity`. At most 300 per AZ (GENEVE target
   * group quota), and each AZ's subnet must hold its share next to the GWLB's 8 addresses.
   */
  maxSize?: number;
  /** Encrypted gp3 root volume size. Default 16 GiB; at least the image's 8 GiB, at most 16384. */
  rootVolumeSizeGiB?: number;
  /** Seconds after launch before ELB health counts against an instance. Default 300. */
  healthCheckGracePeriodSeconds?: number;
  /** Instance refresh: percentage of the fleet kept in service while instances are replaced. Default 90 (AWS's). */
  minHealthyPercentage?: number;
  /** One-minute CloudWatch metrics for the instances. Default true. */
  detailedMonitoring?: boolean;
}

export interface GwlbApplianceFleetArgs {
  /** Where the GWLB and the appliances live: an `InspectionVpc`, or anything shaped like one. */
  network: InspectionNetwork;
  /** AWS's default for gateway load balancers is off; this component defaults it to true. */
  enableCrossZoneLoadBalancing?: boolean;
  /** Default false. */
  enableDeletionProtection?: boolean;
  healthCheck?: GwlbHealthCheckArgs;
  /** Seconds a deregistering target keeps its flows. Default 300. AWS range 0-3600. */
  deregistrationDelaySeconds?: number;
  /** Default "5-tuple". */
  stickiness?: Stickiness;
  /** Written to both on_deregistration and on_unhealthy, which AWS requires to be equal. Default "no_rebalance". */
  targetFailover?: TargetFailover;
  /** Listener TCP idle timeout, 60-6000 s (AWS default 350). Only with 5-tuple stickiness. Default unset. */
  tcpIdleTimeoutSeconds?: number;
  /** Whether each endpoint connection must be accepted by hand. Default false. */
  acceptanceRequired?: boolean;
  /**
   * Principals allowed to create endpoints to the service, each its own resource: IAM ARNs of an
   * account root, a user or a role (arn:aws:iam::123456789012:root / user/NAME / role/NAME; paths are
   * not supported by the endpoint service API), or "*" for everyone. Default none: the owning
   * account can always connect to its own service.
   */
  allowedPrincipals?: string[];
  fleet?: GwlbFleetArgs;
  tags?: Tags;
}

/** What a hub needs from an inspection service to place its endpoints and choose its TGW settings. */
export interface GwlbInspectionService {
  readonly endpointServiceName: pulumi.Output<string>;
  /** AZs the GWLB serves; endpoints may only be placed in these. */
  readonly availabilityZones: readonly string[];
  /** Anything but "5-tuple" is incompatible with a TGW attachment in appliance mode. */
  readonly stickiness: Stickiness;
}

export interface ValidatedGwlbFleet {
  readonly architecture: Architecture;
  readonly instanceType: string;
  readonly minSize: number;
  readonly desiredCapacity: number;
  readonly maxSize: number;
  readonly rootVolumeSizeGiB: number;
  readonly healthCheckGracePeriodSeconds: number;
  readonly minHealthyPercentage: number;
  readonly detailedMonitoring: boolean;
}

/** Every argument after validation, with its default applied: plain values only. */
export interface ValidatedGwlbApplianceFleetArgs {
  readonly availabilityZones: string[];
  readonly vpcCidr: string;
  readonly subnetCidrs: Record<string, string>;
  readonly internetAccess: InternetAccess;
  readonly enableCrossZoneLoadBalancing: boolean;
  readonly enableDeletionProtection: boolean;
  readonly healthCheck: GwlbHealthCheck;
  readonly deregistrationDelaySeconds: number;
  readonly stickiness: Stickiness;
  readonly targetFailover: TargetFailover;
  readonly tcpIdleTimeoutSeconds?: number;
  readonly acceptanceRequired: boolean;
  readonly allowedPrincipals: string[];
  readonly fleet: ValidatedGwlbFleet;
}

const ELB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const INSTANCE_TYPE_PATTERN = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;
const HEALTH_PATH_PATTERN = /^\/[\x21-\x7e]*$/;
const PRINCIPAL_PATTERN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::(\d{12}):(root|user\/[\w+=,.@-]{1,64}|role\/[\w+=,.@-]{1,64})$/;

/**
 * The architecture an instance type runs, from its family: Graviton families carry a "g" right after
 * their generation (c7g, c7gn, m6gd, t4g, im4gn, ...), and a1 is the first Graviton.
 */
export function instanceTypeArchitecture(instanceType: string): Architecture {
  const family = instanceType.split(".")[0];
  return family === "a1" || /^[a-z]+\d+g/.test(family) ? "arm64" : "x86_64";
}

/** The Amazon Linux 2023 image the launch template resolves at every launch, from AWS's public SSM parameter. */

/** The appliance user data (plain text; base64-encode it for the launch template). */
export function applianceUserData(): string {
  const lines = Object.entries(APPLIANCE_SYSCTLS).map(([key, value]) => `${key} = ${value}`);
  return [
    "#!/bin/bash",
    "# Socket buffer limits for the GWLB agent's GENEVE sockets. The agent itself arrives through SSM.",
    "set -euo pipefail",
    "cat > /etc/sysctl.d/90-gwlb-agent.conf <<'EOF'",
    ...lines,
    "EOF",
    "sysctl -p /etc/sysctl.d/90-gwlb-agent.conf",
    "",
  ].join("\n");
}

/** A stable resource-name slug per principal, so reordering the list replaces nothing. */
export function principalSlug(principal: string): string {
  if (principal === "*") return "everyone";
  const match = PRINCIPAL_PATTERN.exec(principal);
  return match ? `${match[1]}-${match[2].replace("/", "-")}` : principal.replace(/[^A-Za-z0-9-]/g, "-");
}

function optionalBoolean(problems: Problems, path: string, value: unknown, fallback: boolean): boolean | undefined {
  return value === undefined ? fallback : problems.boolean(path, value);
}

function wholeNumber(problems: Problems, path: string, value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  problems.add(path, `must be a whole number, got ${describe(value)}`);
  return undefined;
}

/** Validates the component's name: it becomes the prefix of the GWLB's and target group's 32-character names. */
export function checkFleetName(problems: Problems, name: unknown): void {
  if (typeof name !== "string" || !ELB_NAME_PATTERN.test(name)) {
    problems.add("name", `must start with a letter or digit and contain only letters, digits and hyphens (it prefixes the load balancer's name), got ${describe(name)}`);
    return;
  }
  if (name.length > MAX_FLEET_NAME_LENGTH) {
    problems.add(
      "name",
      `must be at most ${MAX_FLEET_NAME_LENGTH} characters, got ${name.length} ("${name}"): the load balancer is auto-named "${name}${LONGEST_ELB_ROLE}" plus ${AUTONAME_SUFFIX} random characters, and AWS limits load balancer and target group names to ${ELB_NAME_MAX}`,
    );
  }
  if (`${name}${LONGEST_ELB_ROLE}`.toLowerCase().startsWith("internal-")) {
    problems.add("name", `must not make the load balancer's name begin with "internal-" (AWS reserves that prefix), got "${name}"`);
  }
}

function validateNetwork(problems: Problems, network: unknown) {
  if (network === null || typeof network !== "object") {
    problems.add("network", `must be an InspectionNetwork such as an InspectionVpc, got ${describe(network)}`);
    return undefined;
  }
  const n = network as Partial<InspectionNetwork>;
  const vpc = problems.cidr("network.cidrBlock", n.cidrBlock);
  const internetAccess = problems.oneOf("network.internetAccess", n.internetAccess, INTERNET_ACCESS_MODES);
  const azs = checkAvailabilityZones(problems, "network.availabilityZones", n.availabilityZones);
  if (!azs) return undefined;
  const subnetCidrs: Record<string, string> = {};
  let ok = vpc !== undefined && internetAccess !== undefined;
  for (const az of azs) {
    const cidr = problems.cidr(`network.subnetCidrs.${az}`, n.subnetCidrs?.[az]);
    if (cidr) subnetCidrs[az] = formatIpv4Cidr(cidr);
    else ok = false;
  }
  return ok ? { azs, vpcCidr: formatIpv4Cidr(vpc!), subnetCidrs, internetAccess: internetAccess! } : undefined;
}

function validateHealthCheck(problems: Problems, hc: GwlbHealthCheckArgs | undefined): GwlbHealthCheck | undefined {
  const before = problems.list.length;
  const args = hc ?? {};
  const protocol = problems.oneOf("healthCheck.protocol", args.protocol ?? "HTTP", HEALTH_CHECK_PROTOCOLS);
  const port = problems.integer("healthCheck.port", args.port ?? 80, 1, 65535);
  const interval = problems.integer("healthCheck.intervalSeconds", args.intervalSeconds ?? 10, 5, 300);
  const timeout = problems.integer("healthCheck.timeoutSeconds", args.timeoutSeconds ?? 5, 2, 120);
  const healthy = problems.integer("healthCheck.healthyThreshold", args.healthyThreshold ?? 3, 2, 10);
  const unhealthy = problems.integer("healthCheck.unhealthyThreshold", args.unhealthyThreshold ?? 3, 2, 10);
  if (interval !== undefined && timeout !== undefined && timeout > interval) {
    problems.add("healthCheck.timeoutSeconds", `must not exceed healthCheck.intervalSeconds (${interval}): AWS requires the interval to be at least the timeout, got ${timeout}`);
  }
  let path: string | undefined;
  let matcher: string | undefined;
  if (protocol === "TCP") {
    if (args.path !== undefined) problems.add("healthCheck.path", `applies only to HTTP and HTTPS health checks, not TCP; remove it`);
    if (args.matcher !== undefined) problems.add("healthCheck.matcher", `applies only to HTTP and HTTPS health checks, not TCP; remove it`);
  } else if (protocol !== undefined) {
    path = args.path ?? "/healthz";
    if (typeof path !== "string" || !HEALTH_PATH_PATTERN.test(path) || path.length > 1024) {
      problems.add("healthCheck.path", `must start with "/" and be at most 1024 printable characters without spaces, got ${describe(path)}`);
    }
    matcher = args.matcher ?? GWLB_HEALTH_CHECK_MATCHER;
    if (matcher !== GWLB_HEALTH_CHECK_MATCHER) {
      problems.add("healthCheck.matcher", `must be "${GWLB_HEALTH_CHECK_MATCHER}", the only success codes a Gateway Load Balancer accepts, got ${describe(matcher)}`);
    }
  }
  if (problems.list.length !== before) return undefined;
  return {
    protocol: protocol!,
    port: port!,
    ...(path !== undefined ? { path, matcher } : {}),
    intervalSeconds: interval!,
    timeoutSeconds: timeout!,
    healthyThreshold: healthy!,
    unhealthyThreshold: unhealthy!,
  };
}

function validatePrincipals(problems: Problems, value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add("allowedPrincipals", `must be a list of IAM principal ARNs or "*", got ${describe(value)}`);
    return undefined;
  }
  const before = problems.list.length;
  const seen = new Set<string>();
  value.forEach((principal: unknown, i) => {
    const path = `allowedPrincipals[${i}]`;
    if (typeof principal === "string" && /^\d{12}$/.test(principal)) {
      problems.add(path, `an account must be given as its root ARN, e.g. "arn:aws:iam::${principal}:root", got "${principal}"`);
    } else if (typeof principal !== "string" || (principal !== "*" && !PRINCIPAL_PATTERN.test(principal))) {
      problems.add(path, `must be "*" or the IAM ARN of an account root, user or role without a path (e.g. "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/NAME"), got ${describe(principal)}`);
    } else if (seen.has(principal)) {
      problems.add(path, `"${principal}" is listed twice`);
    } else {
      seen.add(principal);
    }
  });
  return problems.list.length === before ? (value as string[]) : undefined;
}

function validateFleet(
  problems: Problems,
  fleet: GwlbFleetArgs | undefined,
  network: { azs: string[]; subnetCidrs: Record<string, string> } | undefined,
  crossZone: boolean | undefined,
): ValidatedGwlbFleet | undefined {
  const before = problems.list.length;
  const args = fleet ?? {};

  let instanceType: string | undefined;
  if (args.instanceType !== undefined) {
    if (typeof args.instanceType === "string" && INSTANCE_TYPE_PATTERN.test(args.instanceType)) instanceType = args.instanceType;
    else problems.add("fleet.instanceType", `must be an EC2 instance type such as "c7g.large", got ${describe(args.instanceType)}`);
  }
  const architecture = problems.oneOf("fleet.architecture", args.architecture ?? (instanceType ? instanceTypeArchitecture(instanceType) : "arm64"), ARCHITECTURES);
  if (architecture && instanceType && args.architecture !== undefined && instanceTypeArchitecture(instanceType) !== architecture) {
    problems.add(
      "fleet.instanceType",
      `"${instanceType}" is an ${instanceTypeArchitecture(instanceType)} instance type but fleet.architecture is "${architecture}"; the image follows the architecture, so they must agree`,
    );
  }
  if (architecture && !instanceType) instanceType = DEFAULT_INSTANCE_TYPES[architecture];

  // Defaults follow what was given: 2/2/4, raised so that min <= desired <= max always holds for them.
  const given = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const minSize = wholeNumber(problems, "fleet.minSize", args.minSize ?? 2);
  const desiredCapacity = wholeNumber(problems, "fleet.desiredCapacity", args.desiredCapacity ?? Math.max(2, given(args.minSize)));
  const maxSize = wholeNumber(problems, "fleet.maxSize", args.maxSize ?? Math.max(4, given(args.desiredCapacity), given(args.minSize)));
  if (minSize !== undefined && minSize < 1) {
    problems.add("fleet.minSize", `must be at least 1: with no appliance the GWLB has no target and every inspected flow is dropped, got ${minSize}`);
  }
  if (minSize !== undefined && network && crossZone === false && minSize < network.azs.length) {
    problems.add(
      "fleet.minSize",
      `must be at least the number of AZs (${network.azs.length}) when enableCrossZoneLoadBalancing is false: each AZ's GWLB node then sends only to appliances in its own AZ, got ${minSize}`,
    );
  }
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
    problems.add("fleet.minSize", `must not exceed fleet.maxSize (${maxSize}), got ${minSize}`);
  } else if (minSize !== undefined && maxSize !== undefined && desiredCapacity !== undefined && (desiredCapacity < minSize || desiredCapacity > maxSize)) {
    problems.add("fleet.desiredCapacity", `must be from fleet.minSize (${minSize}) to fleet.maxSize (${maxSize}), got ${desiredCapacity}`);
  }
  if (maxSize !== undefined && network) {
    const quota = GENEVE_TARGETS_PER_AZ * network.azs.length;
    if (maxSize > quota) {
      problems.add(
        "fleet.maxSize",
        `must be at most ${quota}: a GENEVE target group holds ${GENEVE_TARGETS_PER_AZ} targets per AZ and the fleet spans ${network.azs.length} AZ${network.azs.length === 1 ? "" : "s"}, got ${maxSize}`,
      );
    } else {
      const perAz = Math.ceil(maxSize / network.azs.length);
      for (const az of network.azs) {
        const free = usableAwsAddresses(parseIpv4Cidr(network.subnetCidrs[az]));
        if (free < GWLB_ADDRESSES_PER_SUBNET + perAz) {
          problems.add(
            "fleet.maxSize",
            `${maxSize} appliances put up to ${perAz} in ${az}, whose subnet ${network.subnetCidrs[az]} has ${free} usable addresses; the GWLB needs ${GWLB_ADDRESSES_PER_SUBNET} of them, so at most ${free - GWLB_ADDRESSES_PER_SUBNET} remain for appliances`,
          );
        }
      }
    }
  }

  const rootVolumeSizeGiB = problems.integer("fleet.rootVolumeSizeGiB", args.rootVolumeSizeGiB ?? 16, 8, 16384);
  const grace = wholeNumber(problems, "fleet.healthCheckGracePeriodSeconds", args.healthCheckGracePeriodSeconds ?? 300);
  if (grace !== undefined && grace < 0) problems.add("fleet.healthCheckGracePeriodSeconds", `must not be negative, got ${grace}`);
  const minHealthyPercentage = problems.integer("fleet.minHealthyPercentage", args.minHealthyPercentage ?? 90, 0, 100);
  const detailedMonitoring = optionalBoolean(problems, "fleet.detailedMonitoring", args.detailedMonitoring, true);

  if (problems.list.length !== before) return undefined;
  return {
    architecture: architecture!,
    instanceType: instanceType!,
    minSize: minSize!,
    desiredCapacity: desiredCapacity!,
    maxSize: maxSize!,
    rootVolumeSizeGiB: rootVolumeSizeGiB!,
    healthCheckGracePeriodSeconds: grace!,
    minHealthyPercentage: minHealthyPercentage!,
    detailedMonitoring: detailedMonitoring!,
  };
}

/**
 * Subnet ids exist only once the network has been built, so the constructor checks them and the
 * pure validator (which a stack-level check runs before any resource exists) does not.
 */
export function checkNetworkSubnetIds(problems: Problems, network: unknown): void {
  const n = network as Partial<InspectionNetwork> | null | undefined;
  if (n === null || typeof n !== "object" || !Array.isArray(n.availabilityZones)) return;
  for (const az of n.availabilityZones) {
    if (typeof az === "string" && n.subnetIds?.[az] === undefined) {
      problems.add(`network.subnetIds.${az}`, `has no subnet for ${az}, one of network.availabilityZones`);
    }
  }
}

/**
 * Validates every argument (and, when given, the component name) into `problems`. Pure and
 * synchronous over plain values: returns them with their defaults, or undefined when anything was
 * wrong. `network.subnetIds` is not read (see `checkNetworkSubnetIds`).
 */
export function validateGwlbApplianceFleetArgs(args: GwlbApplianceFleetArgs, problems: Problems, name?: string): ValidatedGwlbApplianceFleetArgs | undefined {
  const before = problems.list.length;
  if (name !== undefined) checkFleetName(problems, name);
  const a: Partial<GwlbApplianceFleetArgs> = args ?? {};
  const network = validateNetwork(problems, a.network);
  const crossZone = optionalBoolean(problems, "enableCrossZoneLoadBalancing", a.enableCrossZoneLoadBalancing, true);
  const deletionProtection = optionalBoolean(problems, "enableDeletionProtection", a.enableDeletionProtection, false);
  const acceptanceRequired = optionalBoolean(problems, "acceptanceRequired", a.acceptanceRequired, false);
  const healthCheck = validateHealthCheck(problems, a.healthCheck);
  const deregistrationDelaySeconds = problems.integer("deregistrationDelaySeconds", a.deregistrationDelaySeconds ?? 300, 0, 3600);
  const stickiness = problems.oneOf("stickiness", a.stickiness ?? "5-tuple", STICKINESS_MODES);
  const targetFailover = problems.oneOf("targetFailover", a.targetFailover ?? "no_rebalance", TARGET_FAILOVER_MODES);
  let tcpIdleTimeoutSeconds: number | undefined;
  if (a.tcpIdleTimeoutSeconds !== undefined) {
    tcpIdleTimeoutSeconds = problems.integer("tcpIdleTimeoutSeconds", a.tcpIdleTimeoutSeconds, 60, 6000);
    if (stickiness !== undefined && stickiness !== "5-tuple") {
      problems.add("tcpIdleTimeoutSeconds", `can only be set with stickiness "5-tuple" (GWLB's TCP idle timeout applies to 5-tuple flows only), got stickiness "${stickiness}"`);
    }
  }
  const allowedPrincipals = validatePrincipals(problems, a.allowedPrincipals);
  const fleet = validateFleet(problems, a.fleet, network, crossZone);

  if (problems.list.length !== before) return undefined;
  return {
    availabilityZones: network!.azs,
    vpcCidr: network!.vpcCidr,
    subnetCidrs: network!.subnetCidrs,
    internetAccess: network!.internetAccess,
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
  };
}

/**
 * A Gateway Load Balancer with its GENEVE target group, listener and VPC endpoint service, and the
 * auto scaling fleet of appliances behind it, in an inspection network (an `InspectionVpc`).
 *
 * The appliances boot Amazon Linux 2023 with IMDSv2 only, an encrypted root volume, no key pair and
 * an instance role that holds nothing but SSM's managed-instance policy; the agent is shipped to
 * them through SSM, targeting the `gwlb:fleet` tag (see `fleetTag`, `instanceRole`,
 * `autoScalingGroup`: the seam a later agent-shipping component builds on).
 */
export class GwlbApplianceFleet extends pulumi.ComponentResource implements GwlbInspectionService {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly targetGroup: aws.lb.TargetGroup;
  public readonly listener: aws.lb.Listener;
  public readonly endpointService: aws.ec2.VpcEndpointService;
  public readonly endpointServiceName: pulumi.Output<string>;
  public readonly allowedPrincipals: readonly aws.ec2.VpcEndpointServiceAllowedPrinciple[];
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly instanceRole: aws.iam.Role;
  public readonly instanceProfile: aws.iam.InstanceProfile;
  public readonly launchTemplate: aws.ec2.LaunchTemplate;
  public readonly autoScalingGroup: aws.autoscaling.Group;
  /** The tag every appliance carries from launch; target SSM associations with it. */
  public readonly fleetTag: { readonly key: string; readonly value: string };
  public readonly healthCheck: GwlbHealthCheck;
  public readonly stickiness: Stickiness;
  public readonly targetFailover: TargetFailover;
  public readonly availabilityZones: readonly string[];

  constructor(name: string, args: GwlbApplianceFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new Problems();
    const valid = validateGwlbApplianceFleetArgs(args, problems, name);
    checkNetworkSubnetIds(problems, args?.network);
    problems.throwIfAny(`GwlbApplianceFleet "${name}"`);
    const v = valid!;
    super(GWLB_APPLIANCE_FLEET_TYPE, name, args, opts);
    const parent = { parent: this };
    const network = args.network;
    const tags = args.tags;

    this.availabilityZones = v.availabilityZones;
    this.healthCheck = v.healthCheck;
    this.stickiness = v.stickiness;
    this.targetFailover = v.targetFailover;
    this.fleetTag = { key: FLEET_TAG_KEY, value: name };
    const subnetIds = v.availabilityZones.map((az) => network.subnetIds[az]);

    // ---- the gateway load balancer and its one target group and one listener ----
    this.loadBalancer = new aws.lb.LoadBalancer(`${name}-gwlb`, {
      loadBalancerType: "gateway",
      subnetMappings: subnetIds.map((subnetId) => ({ subnetId })),
      ipAddressType: "ipv4",
      enableCrossZoneLoadBalancing: v.enableCrossZoneLoadBalancing,
      enableDeletionProtection: v.enableDeletionProtection,
      tags: tagsFor(`${name}-gwlb`, tags),
    }, parent);

    const hc = v.healthCheck;
    this.targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
      protocol: "GENEVE",
      port: GENEVE_PORT,
      targetType: "instance",
      vpcId: network.vpcId,
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
      // 5-tuple is GWLB's default and has no stickiness block; the 3- and 2-tuple modes do.
      ...(v.stickiness !== "5-tuple" ? { stickiness: { enabled: true, type: v.stickiness } } : {}),
      targetFailovers: [{ onDeregistration: v.targetFailover, onUnhealthy: v.targetFailover }],
      tags: tagsFor(`${name}-tg`, tags),
    }, parent);

    // A GWLB listener takes no port or protocol: it receives all IP traffic from the endpoints.
    this.listener = new aws.lb.Listener(`${name}-listener`, {
      loadBalancerArn: this.loadBalancer.arn,
      defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      ...(v.tcpIdleTimeoutSeconds !== undefined ? { tcpIdleTimeoutSeconds: v.tcpIdleTimeoutSeconds } : {}),
      tags: tagsFor(`${name}-listener`, tags),
    }, parent);

    // ---- the endpoint service that hubs attach their GWLB endpoints to ----
    this.endpointService = new aws.ec2.VpcEndpointService(`${name}-endpoint-service`, {
      acceptanceRequired: v.acceptanceRequired,
      gatewayLoadBalancerArns: [this.loadBalancer.arn],
      supportedIpAddressTypes: ["ipv4"],
      tags: tagsFor(`${name}-endpoint-service`, tags),
    }, parent);
    this.endpointServiceName = this.endpointService.serviceName;
    this.allowedPrincipals = v.allowedPrincipals.map((principal) => new aws.ec2.VpcEndpointServiceAllowedPrinciple(`${name}-allow-${principalSlug(principal)}`, {
      vpcEndpointServiceId: this.endpointService.id,
      principalArn: principal,
    }, parent));

    // ---- the appliances' security group: GENEVE from the GWLB subnets, health checks from the VPC ----
    this.securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
      vpcId: network.vpcId,
      description: "GWLB appliances: GENEVE with the GWLB subnets, health checks from the VPC, HTTPS out",
      tags: tagsFor(`${name}-sg`, tags),
    }, parent);
    const sgId = this.securityGroup.id;
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
      }, parent);
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
      }, parent);
    }
    new aws.vpc.SecurityGroupIngressRule(`${name}-health-in`, {
      securityGroupId: sgId,
      ipProtocol: "tcp",
      fromPort: hc.port,
      toPort: hc.port,
      cidrIpv4: v.vpcCidr,
      description: `${hc.protocol} health checks from the GWLB`,
      tags: tagsFor(`${name}-health-in`, tags),
    }, parent);
    new aws.vpc.SecurityGroupEgressRule(`${name}-https-out`, {
      securityGroupId: sgId,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
      description: "HTTPS to SSM, S3 and the package repositories (endpoints or internet)",
      tags: tagsFor(`${name}-https-out`, tags),
    }, parent);

    // ---- IAM: managed by SSM and nothing else (the agent-shipping issue adds its own grants) ----
    const iam = createSsmInstanceRole(
      { role: `${name}-role`, attachment: `${name}-ssm-core`, profile: `${name}-instance-profile` },
      this,
      tags,
      `GWLB appliances of ${name}: SSM management only`,
    );
    this.instanceRole = iam.role;
    this.instanceProfile = iam.profile;

    // ---- the fleet ----
    const f = v.fleet;
    this.launchTemplate = new aws.ec2.LaunchTemplate(`${name}-lt`, {
      description: `GWLB appliances of ${name}`,
      imageId: amazonLinuxImageId(f.architecture),
      instanceType: f.instanceType,
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: this.instanceProfile.arn },
      metadataOptions: IMDSV2_REQUIRED,
      blockDeviceMappings: [encryptedRootVolume(f.rootVolumeSizeGiB)],
      networkInterfaces: [{
        deviceIndex: 0,
        securityGroups: [sgId],
        deleteOnTermination: "true",
        ...(v.internetAccess === "igw" ? { associatePublicIpAddress: "true" } : {}),
      }],
      monitoring: { enabled: f.detailedMonitoring },
      userData: Buffer.from(applianceUserData(), "utf8").toString("base64"),
      tagSpecifications: [
        { resourceType: "instance", tags: tagsFor(`${name}-appliance`, tags) },
        { resourceType: "volume", tags: tagsFor(`${name}-appliance`, tags) },
      ],
      tags: tagsFor(`${name}-lt`, tags),
    }, parent);

    this.autoScalingGroup = new aws.autoscaling.Group(`${name}-asg`, {
      vpcZoneIdentifiers: subnetIds,
      targetGroupArns: [this.targetGroup.arn],
      healthCheckType: "ELB",
      healthCheckGracePeriod: f.healthCheckGracePeriodSeconds,
      minSize: f.minSize,
      desiredCapacity: f.desiredCapacity,
      maxSize: f.maxSize,
      launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply((version) => String(version)) },
      instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: f.minHealthyPercentage } },
      tags: [
        ...Object.entries(tagsFor(`${name}-asg`, tags)).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
        { key: FLEET_TAG_KEY, value: name, propagateAtLaunch: true },
      ],
    }, parent);

    this.registerOutputs({
      loadBalancerArn: this.loadBalancer.arn,
      targetGroupArn: this.targetGroup.arn,
      endpointServiceName: this.endpointServiceName,
      autoScalingGroupName: this.autoScalingGroup.name,
    });
  }
}
