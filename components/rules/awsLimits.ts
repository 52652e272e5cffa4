/**
 * AWS's limits and name rules, each stated once: the validators read them here, and the tests of
 * this file check each against the documented value. Pure: numbers, patterns and predicates.
 */
import { Ipv4Cidr, blockSize } from "../../common/cidr";
import { Architecture } from "../args/common";

// ---- VPCs and subnets ----

/** A VPC CIDR block (and a subnet) is from /16 to /28. */
export const VPC_MIN_PREFIX = 16;
export const VPC_MAX_PREFIX = 28;

/** AWS reserves the first four addresses and the last address of every subnet. */
export function isAwsReservedHost(cidr: Ipv4Cidr, hostIndex: number): boolean {
  return hostIndex < 4 || hostIndex === blockSize(cidr) - 1;
}

/** Addresses a subnet offers to ENIs once AWS has taken its five. */
export function usableAwsAddresses(cidr: Ipv4Cidr): number {
  return Math.max(0, blockSize(cidr) - 5);
}

/** AZ names: region, then a digit and a letter ("ap-northeast-2a"). Letters a-i (regions use a-f). */
export const AZ_NAME_PATTERN = /^[a-z]{2}(-[a-z0-9]+)+-\d+[a-i]$/;
/** AZ ids: the same physical zone in every account ("apne2-az1"; local zones "use1-bos1-az1"). */
export const AZ_ID_PATTERN = /^[a-z]+\d+(-[a-z]+\d+)?-az\d+$/;

// ---- Elastic Load Balancing ----

/** Load balancer and target group names. */
export const ELB_NAME_MAX = 32;
export const ELB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** AWS reserves this prefix for load balancer names. */
export const ELB_RESERVED_PREFIX = "internal-";
/** Pulumi auto-naming appends "-" and 7 random hex characters to a physical name. */
export const AUTONAME_SUFFIX = 8;

/** Targets one GENEVE target group may hold per AZ (Elastic Load Balancing quotas). */
export const GENEVE_TARGETS_PER_AZ = 300;
/** Addresses the GWLB takes in each of its subnets (Gateway Load Balancer user guide). */
export const GWLB_ADDRESSES_PER_SUBNET = 8;

/**
 * The only success-code matcher the ELBv2 API accepts on a Gateway Load Balancer target group
 * (API reference, Matcher.HttpCode: "For Gateway Load Balancers, this must be "200–399""). The agent
 * answers 200 while healthy and 503 while draining, which this range still tells apart.
 */
export const GWLB_HEALTH_CHECK_MATCHER = "200-399";

/** Target group health check ranges (ELBv2 API). */
export const HEALTH_CHECK_LIMITS = {
  intervalSeconds: { min: 5, max: 300 },
  timeoutSeconds: { min: 2, max: 120 },
  healthyThreshold: { min: 2, max: 10 },
  unhealthyThreshold: { min: 2, max: 10 },
} as const;

/** Seconds a deregistering target keeps its flows. */
export const DEREGISTRATION_DELAY_LIMITS = { min: 0, max: 3600 } as const;
/** The GWLB listener's TCP idle timeout (5-tuple stickiness only). */
export const TCP_IDLE_TIMEOUT_LIMITS = { min: 60, max: 6000 } as const;

// ---- IAM and PrivateLink ----

/**
 * An endpoint service's allowed principal: the IAM ARN of an account root, a user or a role, with no
 * path (the endpoint service API supports none). Groups: account id, then the principal.
 */
export const ENDPOINT_SERVICE_PRINCIPAL_PATTERN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::(\d{12}):(root|user\/[\w+=,.@-]{1,64}|role\/[\w+=,.@-]{1,64})$/;

// ---- EC2 ----

/** An instance type: family, ".", size ("c7g.large"). Groups: family, size. */
export const INSTANCE_TYPE_PATTERN = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;

/**
 * The architecture an instance type runs, from its family: Graviton families carry a "g" right after
 * their generation (c7g, c7gn, m6gd, t4g, im4gn, ...), and a1 is the first Graviton.
 */
export function instanceTypeArchitecture(instanceType: string): Architecture {
  const family = instanceType.split(".")[0];
  return family === "a1" || /^[a-z]+\d+g/.test(family) ? "arm64" : "x86_64";
}

/** An AMI id: "ami-" and 8 or 17 hexadecimal digits. */
export const AMI_ID_PATTERN = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** A launch template's SSM parameter reference pinned to a version: "resolve:ssm:NAME:VERSION". */
export const VERSIONED_SSM_IMAGE_PATTERN = /^resolve:ssm:\/?[A-Za-z0-9_.\-/]+:\d+$/;

/** EBS gp3 root volume sizes: at least Amazon Linux 2023's 8 GiB image, at most 16 TiB. */
export const ROOT_VOLUME_GIB_LIMITS = { min: 8, max: 16384 } as const;

// ---- Transit gateway ----

/** A transit gateway's Amazon-side ASN must be private: 64512-65534 or 4200000000-4294967294. */
export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}

// ---- Systems Manager ----

/** The largest value an SSM parameter of each tier holds (bytes). */
export const SSM_PARAMETER_TIER_BYTES = { Standard: 4096, Advanced: 8192 } as const;

// ---- CloudWatch Logs ----

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
