/**
 * Availability zones and the per-AZ subnet layout of a VPC.
 *
 * The default layout is readable and stable: subnets sit on a grid of cells eight bits below the
 * VPC prefix (a /24 grid in a /16), and a subnet of role block `b` in the AZ whose name ends in
 * the `n`-th letter takes cell `b*10 + n`. So in 10.20.0.0/16 the public subnet of ap-northeast-2a
 * is 10.20.11.0/24 (as in the source walkthrough) and that of ap-northeast-2c 10.20.13.0/24.
 * Keying cells by the AZ letter, not its place in a list, means adding, removing or reordering AZs
 * never moves (and so never replaces) another AZ's subnet.
 */
import { Ipv4Cidr, ipv4CidrContains, findOverlaps, formatIpv4Cidr, nthSubnet } from "../../common/cidr";
import { Problems, describe } from "./validation";

/** Subnet roles and their grid blocks. Appliance subnets share block 1 with public ones (the seed's "pub"). */
export const SUBNET_ROLE_BLOCKS = {
  appliance: 1,
  public: 1,
  private: 2,
  gwlbe: 3,
  tgw: 4,
} as const;
export type SubnetRole = keyof typeof SUBNET_ROLE_BLOCKS;

/** Attachment and endpoint subnets need few addresses: AWS recommends /28 for TGW attachments. */
const SMALL_ROLES: ReadonlySet<SubnetRole> = new Set<SubnetRole>(["gwlbe", "tgw"]);

export const AWS_MIN_PREFIX = 16;
export const AWS_MAX_PREFIX = 28;

const AZ_PATTERN = /^[a-z]{2}(-[a-z0-9]+)+-\d+[a-i]$/;

/** The AZ letter's place in the alphabet: "ap-northeast-2c" -> 3. Letters a-i (AWS regions use a-f). */
export function azLetterIndex(availabilityZone: string): number {
  return availabilityZone.charCodeAt(availabilityZone.length - 1) - 96;
}

/** "ap-northeast-2a" -> "2a": the short form used in child resource names, as the seed does. */
export function azSuffix(availabilityZone: string): string {
  const match = /(\d+[a-z])$/.exec(availabilityZone);
  return match ? match[1] : availabilityZone;
}

/** Checks an AZ list: a non-empty array of distinct, well-formed names with distinct short forms. */
export function checkAvailabilityZones(problems: Problems, path: string, value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(path, `must list at least one availability zone, got ${describe(value)}`);
    return undefined;
  }
  let ok = true;
  const seen = new Map<string, string>();
  value.forEach((az: unknown, i) => {
    if (typeof az !== "string" || !AZ_PATTERN.test(az)) {
      problems.add(`${path}[${i}]`, `must be an availability zone name such as "ap-northeast-2a" (letters a-i), got ${describe(az)}`);
      ok = false;
      return;
    }
    const suffix = azSuffix(az);
    const previous = seen.get(suffix);
    if (previous !== undefined) {
      problems.add(`${path}[${i}]`, previous === az ? `"${az}" is listed twice` : `"${az}" and "${previous}" share the short name "${suffix}"`);
      ok = false;
    }
    seen.set(suffix, az);
  });
  return ok ? (value as string[]) : undefined;
}

/** Reports AZs of `subset` that `superset` lacks, e.g. spoke AZs the hub does not serve. */
export function checkAzSubset(problems: Problems, path: string, subset: readonly string[], superset: readonly string[], supersetLabel: string): void {
  const missing = subset.filter((az) => !superset.includes(az));
  if (missing.length > 0) {
    problems.add(path, `${missing.map((az) => `"${az}"`).join(", ")} not served by ${supersetLabel} (${superset.join(", ")}); every AZ must exist in both so no flow crosses AZs`);
  }
}

export function checkVpcCidr(problems: Problems, path: string, value: unknown): Ipv4Cidr | undefined {
  const cidr = problems.cidr(path, value);
  if (cidr && (cidr.prefixLength < AWS_MIN_PREFIX || cidr.prefixLength > AWS_MAX_PREFIX)) {
    problems.add(path, `a VPC CIDR must be from /${AWS_MIN_PREFIX} to /${AWS_MAX_PREFIX}, got /${cidr.prefixLength}`);
    return undefined;
  }
  return cidr;
}

/** role -> AZ -> CIDR text */
export type SubnetPlan<R extends SubnetRole> = Record<R, Record<string, string>>;

/** One role to plan: its explicit CIDRs (if the user gave them) and the argument path they came from. */
export interface RoleRequest<R extends SubnetRole> {
  readonly role: R;
  readonly path: string;
  readonly explicit?: unknown;
}

/**
 * Plans one subnet per role per AZ inside `vpcCidr`, taking explicit CIDRs where given. Records every
 * problem (does not fit, outside the VPC, overlaps) and returns undefined if there was any.
 */
export function planSubnets<R extends SubnetRole>(
  problems: Problems,
  vpcCidr: Ipv4Cidr,
  availabilityZones: readonly string[],
  requests: readonly RoleRequest<R>[],
): SubnetPlan<R> | undefined {
  const before = problems.list.length;
  const cellPrefix = Math.min(vpcCidr.prefixLength + 8, AWS_MAX_PREFIX);
  const placed: Array<{ label: string; path: string; cidr: Ipv4Cidr }> = [];
  const plan = {} as SubnetPlan<R>;

  for (const { role, path, explicit } of requests) {
    const byAz: Record<string, string> = {};
    plan[role] = byAz;
    if (explicit !== undefined) {
      if (!Array.isArray(explicit) || explicit.length !== availabilityZones.length) {
        problems.add(path, `must list one CIDR per availability zone (${availabilityZones.length}), got ${describe(explicit)}`);
        continue;
      }
      explicit.forEach((text: unknown, i) => {
        const cidr = problems.cidr(`${path}[${i}]`, text);
        if (!cidr) return;
        if (cidr.prefixLength < AWS_MIN_PREFIX || cidr.prefixLength > AWS_MAX_PREFIX) {
          problems.add(`${path}[${i}]`, `a subnet must be from /${AWS_MIN_PREFIX} to /${AWS_MAX_PREFIX}, got /${cidr.prefixLength}`);
          return;
        }
        if (!ipv4CidrContains(vpcCidr, cidr)) {
          problems.add(`${path}[${i}]`, `${formatIpv4Cidr(cidr)} is outside the VPC ${formatIpv4Cidr(vpcCidr)}`);
          return;
        }
        byAz[availabilityZones[i]] = formatIpv4Cidr(cidr);
        placed.push({ label: `${role} subnet of ${availabilityZones[i]}`, path: `${path}[${i}]`, cidr });
      });
      continue;
    }
    const rolePrefix = SMALL_ROLES.has(role) ? Math.max(cellPrefix, AWS_MAX_PREFIX) : cellPrefix;
    availabilityZones.forEach((az) => {
      const cellIndex = SUBNET_ROLE_BLOCKS[role] * 10 + azLetterIndex(az);
      const cell = nthSubnet(vpcCidr, cellPrefix, cellIndex);
      if (!cell) {
        problems.add(
          path,
          `the ${role} subnet for ${az} does not fit in ${formatIpv4Cidr(vpcCidr)} (layout cell ${cellIndex} of its /${cellPrefix} grid); use a larger VPC CIDR or list the subnets explicitly`,
        );
        return;
      }
      const cidr: Ipv4Cidr = { network: cell.network, prefixLength: rolePrefix };
      byAz[az] = formatIpv4Cidr(cidr);
      placed.push({ label: `${role} subnet of ${az}`, path, cidr });
    });
  }

  for (const [a, b] of findOverlaps(placed)) {
    problems.add(b.path, `the ${b.label} (${formatIpv4Cidr(b.cidr)}) overlaps the ${a.label} (${formatIpv4Cidr(a.cidr)})`);
  }
  return problems.list.length === before ? plan : undefined;
}
