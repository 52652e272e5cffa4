/** `GwlbApplianceFleet`'s arguments, what it offers a hub, and its arguments once validated. */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../../appliance-agent/src/policy/document";
import { Architecture, Tags } from "./common";
import { InspectionNetwork, InternetAccess } from "./inspectionVpc";

/**
 * Flow stickiness of the target group. "5-tuple" (AWS's default) is the only mode that works with a
 * transit gateway in appliance mode and the only one that takes a TCP idle timeout.
 */
export const STICKINESS_MODES = ["5-tuple", "source_ip_dest_ip_proto", "source_ip_dest_ip"] as const;
export type Stickiness = (typeof STICKINESS_MODES)[number];

/** What GWLB does with existing flows of a target that is deregistered or turns unhealthy (one value for both). */
export const TARGET_FAILOVER_MODES = ["rebalance", "no_rebalance"] as const;
export type TargetFailover = (typeof TARGET_FAILOVER_MODES)[number];

/**
 * GENEVE itself cannot be health-checked; GWLB checks a TCP, HTTP or HTTPS port of the target
 * instead. The fleet's agent answers HTTP on its health port, 200 while it forwards and 503 while it
 * drains, so the check is HTTP.
 */
export const HEALTH_CHECK_PROTOCOLS = ["TCP", "HTTP", "HTTPS"] as const;
export type HealthCheckProtocol = (typeof HEALTH_CHECK_PROTOCOLS)[number];

/**
 * The target group's health check. Its protocol (HTTP), path (HEALTH_PATH) and matcher ("200-399")
 * are those of the agent the fleet runs, and its port is passed to that agent, so the check and the
 * agent cannot disagree.
 */
export interface GwlbHealthCheckArgs {
  /** The agent's health port, which the check probes. Default HEALTH_PORT (80). 1-65535. */
  port?: number;
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
  /**
   * Seconds after launch before ELB health counts against an instance: a cold install (SSM agent
   * registration, the association's run, Node.js and nftables from dnf, the bundle) must fit. Default
   * 600; at least 300.
   */
  healthCheckGracePeriodSeconds?: number;
  /** Instance refresh: percentage of the fleet kept in service while instances are replaced. Default 90 (AWS's). */
  minHealthyPercentage?: number;
  /** One-minute CloudWatch metrics for the instances. Default true. */
  detailedMonitoring?: boolean;
  /**
   * The image every appliance boots, the same for the whole fleet until you change it:
   * - default: the newest Amazon Linux 2023 image of the architecture, read from AWS's public SSM
   *   parameter at `pulumi up` and pinned in the launch template; a newer image reaches the fleet
   *   at a later `pulumi up`, through the rolling instance refresh;
   * - "ami-0123456789abcdef0": that image;
   * - "resolve:ssm:NAME:VERSION": a versioned SSM parameter, which EC2 resolves at launch;
   * - "latest": EC2 resolves the newest image at every launch, so a scale-out may boot an image its
   *   peers do not run (choose it knowingly).
   */
  image?: string;
}

export const IMAGE_CHOICES = ["deployed", "pinned", "versioned-parameter", "latest-at-launch"] as const;
/** How the fleet's image was chosen (see `GwlbFleetArgs.image`). */
export type ImageChoice = (typeof IMAGE_CHOICES)[number];

export interface ValidatedImage {
  readonly choice: ImageChoice;
  /** The AMI id or the `resolve:ssm:` reference; absent for "deployed", resolved at deploy time. */
  readonly reference?: string;
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
  /** The appliance agent: its bundle, its policy, and how a new version rolls out. */
  agent?: GwlbAgentArgs;
  /**
   * Target tracking on the group's average CPU: `{ targetCpuPercent }` (default 60), or false for a
   * fixed fleet of `desiredCapacity`.
   */
  scaling?: GwlbFleetScalingArgs | false;
  /** CloudWatch Logs for the agents' operational and flow logs. */
  logs?: GwlbFleetLogsArgs;
  /**
   * Who may scrape the agents' Prometheus metrics on METRICS_PORT (9108): CIDRs, each its own
   * security group rule. Default none: the metrics port is closed, and the health port serves no metrics.
   */
  metricsSourceCidrs?: string[];
  tags?: Tags;
}

export interface GwlbAgentArgs {
  /**
   * A prebuilt agent bundle (one JavaScript file). Default: the bundle this package ships
   * (`dist/appliance-agent.js`, built by `npm run agent:build`).
   */
  bundlePath?: string;
  /**
   * The policy: the agent's own rule document (rules only: settings that need a restart are derived
   * from the fleet). Checked at preview by the agent's own validator. Default: allow everything,
   * fail open (the seed's hairpin, with flow logs and metrics).
   */
  policy?: PolicyDocument;
  /** The agent's kernel fast path: "auto" (default: where the kernel allows), "nft" (required) or "off". */
  fastPath?: "auto" | "nft" | "off";
  /**
   * With the fast path: packets per second the kernel lets through to the agent on each appliance
   * (`--slow-path-max-pps`); a flood of new flows beyond it is dropped in the ingress chain,
   * before the network stack spends more on it, and offloaded flows never count against it.
   * Default 0: no limit. Set it to about the agent's measured maximum for new flows on the
   * instance type (appliance-agent README, Overload); too low, it drops new flows the agent could
   * have taken.
   */
  slowPathMaxPps?: number;
  /** Instances the association updates at once: a number or a percentage. Default "50%". */
  rolloutMaxConcurrency?: string;
  /** Failed instances after which the association stops the rollout: a number or a percentage. Default "0". */
  rolloutMaxErrors?: string;
  /** Seconds a restarted agent has to turn healthy before the install rolls it back. Default 120. */
  healthWaitSeconds?: number;
}

export interface GwlbFleetScalingArgs {
  /** The group's average CPU utilization to hold. Default 60. 10-90. */
  targetCpuPercent?: number;
}

export interface GwlbFleetLogsArgs {
  /** Retention of both log groups. Default 30 days. */
  retentionInDays?: number;
}

/** What a hub needs from an inspection service to place its endpoints and choose its TGW settings. */
export interface GwlbInspectionService {
  readonly endpointServiceName: pulumi.Output<string>;
  /** AZs the GWLB serves; endpoints may only be placed in these. */
  readonly availabilityZones: readonly string[];
  /** Anything but "5-tuple" is incompatible with a TGW attachment in appliance mode. */
  readonly stickiness: Stickiness;
  readonly acceptanceRequired: boolean;
  /** The endpoint service in this stack: a hub of the same stack accepts its endpoints' connections. */
  readonly endpointServiceId: pulumi.Output<string>;
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
  readonly image: ValidatedImage;
}

/** Every argument after validation, with its default applied: plain values only. */
export interface ValidatedGwlbApplianceFleetArgs {
  readonly availabilityZones: string[];
  readonly vpcCidr: string;
  readonly subnetCidrs: Record<string, string>;
  readonly internetAccess: InternetAccess;
  /** Addresses the network's interface endpoints take in each subnet. */
  readonly endpointAddressesPerSubnet: number;
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
  readonly metricsSourceCidrs: string[];
  readonly agent: ValidatedGwlbAgent;
  /** The CPU target, or undefined for a fixed fleet. */
  readonly targetCpuPercent?: number;
  readonly logRetentionInDays: number;
}

export interface ValidatedGwlbAgent {
  /** The bundle given, if any (the component reads it, or the shipped one, when it builds). */
  readonly bundlePath?: string;
  /** The policy document as stored in the SSM parameter (JSON text). */
  readonly policyText: string;
  /** The parameter tier its size needs. */
  readonly policyTier: "Standard" | "Advanced";
  readonly fastPath: "auto" | "nft" | "off";
  readonly slowPathMaxPps: number;
  readonly rolloutMaxConcurrency: string;
  readonly rolloutMaxErrors: string;
  readonly healthWaitSeconds: number;
}

