/**
 * The per-AZ subnet layout of a VPC.
 *
 * The default layout is readable and stable: subnets sit on a grid of cells eight bits below the
 * VPC prefix (a /24 grid in a /16), and a subnet of role block `b` in the AZ whose name ends in
 * the `n`-th letter takes cell `b*10 + n`. So in 10.20.0.0/16 the public subnet of ap-northeast-2a
 * is 10.20.11.0/24 (as in the source walkthrough) and that of ap-northeast-2c 10.20.13.0/24.
 * Keying cells by the AZ letter, not its place in a list, means adding, removing or reordering AZs
 * never moves (and so never replaces) another AZ's subnet.
 */
import { Ipv4Cidr, findOverlaps, formatIpv4Cidr, ipv4CidrContains, nthSubnet } from "../../common/cidr";
import { VPC_MAX_PREFIX, VPC_MIN_PREFIX } from "./awsLimits";
import { azLetterIndex } from "./availabilityZones";
import { Problems, describeValue } from "./problems";

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

export function checkVpcCidr(problems: Problems, path: string, value: unknown): Ipv4Cidr | undefined {
  const cidr = problems.cidr(path, value);
  if (cidr && (cidr.prefixLength < VPC_MIN_PREFIX || cidr.prefixLength > VPC_MAX_PREFIX)) {
    problems.add(path, `a VPC CIDR must be from /${VPC_MIN_PREFIX} to /${VPC_MAX_PREFIX}, got /${cidr.prefixLength}`);
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
  const cellPrefix = Math.min(vpcCidr.prefixLength + 8, VPC_MAX_PREFIX);
  const placed: Array<{ label: string; path: string; cidr: Ipv4Cidr }> = [];
  const plan = {} as SubnetPlan<R>;

  for (const { role, path, explicit } of requests) {
    const byAz: Record<string, string> = {};
    plan[role] = byAz;
    if (explicit !== undefined) {
      if (!Array.isArray(explicit) || explicit.length !== availabilityZones.length) {
        problems.add(path, `must list one CIDR per availability zone (${availabilityZones.length}), got ${describeValue(explicit)}`);
        continue;
      }
      explicit.forEach((text: unknown, i) => {
        const cidr = problems.cidr(`${path}[${i}]`, text);
        if (!cidr) return;
        if (cidr.prefixLength < VPC_MIN_PREFIX || cidr.prefixLength > VPC_MAX_PREFIX) {
          problems.add(`${path}[${i}]`, `a subnet must be from /${VPC_MIN_PREFIX} to /${VPC_MAX_PREFIX}, got /${cidr.prefixLength}`);
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
    const rolePrefix = SMALL_ROLES.has(role) ? Math.max(cellPrefix, VPC_MAX_PREFIX) : cellPrefix;
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
