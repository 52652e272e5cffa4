/**
 * `AppSpoke`'s validator: the spoke's own arguments, checked against what its hub says of itself
 * (`HubFacts`, plain values, so a stack can run it before the hub exists).
 */
import { Ipv4Cidr, formatIpv4, formatIpv4Cidr, hostAddress, ipv4CidrsOverlap, parseIpv4Cidr, tryParseIpv4Cidr } from "../../common/cidr";
import { AppSpokeBaseArgs, HubFacts, SpokeSubnetRole, SpokeWorkloadArgs, ValidatedAppSpokeArgs, ValidatedWorkload } from "../args/appSpoke";
import { Architecture, SubnetPlan } from "../args/common";
import { checkAvailabilityZones, checkAzSubset } from "./availabilityZones";
import { isAwsReservedHost } from "./awsLimits";
import { resolveInstanceChoice } from "./instanceTypes";
import { Problems, describeValue } from "./problems";
import { ANYWHERE } from "./routeRecipes";
import { checkVpcCidr, planSubnets } from "./subnetLayout";

/** The sample web servers' default types: the seed's micro instances, per architecture. */
export const WEB_INSTANCE_TYPES: Readonly<Record<Architecture, string>> = { x86_64: "t3.micro", arm64: "t4g.micro" };

/** Checks a spoke's arguments (all but `hub` itself) against its hub and the spokes already attached to it. */
export function validateAppSpokeArgs(name: string, args: AppSpokeBaseArgs, hub: HubFacts | undefined, problems: Problems): ValidatedAppSpokeArgs | undefined {
  const azs = checkAvailabilityZones(problems, "availabilityZones", args?.availabilityZones);
  if (azs && hub) checkAzSubset(problems, "availabilityZones", azs, hub.availabilityZones, "the hub");

  let cidr: Ipv4Cidr | undefined;
  let subnets: SubnetPlan<SpokeSubnetRole> | undefined;
  const existing = args?.existingVpc;
  if ((args?.cidrBlock === undefined) === (existing === undefined)) {
    problems.add("cidrBlock", "give exactly one of cidrBlock (create a VPC) or existingVpc (adopt one)");
  } else if (existing) {
    cidr = checkVpcCidr(problems, "existingVpc.cidrBlock", existing.cidrBlock);
    if (azs && (!Array.isArray(existing.attachmentSubnetIds) || existing.attachmentSubnetIds.length !== azs.length)) {
      problems.add("existingVpc.attachmentSubnetIds", `must list one subnet per availability zone (${azs.length}), got ${describeValue(existing.attachmentSubnetIds)}`);
    }
    if (!Array.isArray(existing.routeTableIds) || existing.routeTableIds.length === 0) {
      problems.add("existingVpc.routeTableIds", `must list the route tables that get the default route to the transit gateway, got ${describeValue(existing.routeTableIds)}`);
    }
  } else {
    cidr = checkVpcCidr(problems, "cidrBlock", args.cidrBlock);
    if (cidr && azs) {
      subnets = planSubnets(problems, cidr, azs, [
        { role: "private", path: "subnetCidrs.private", explicit: args.subnetCidrs?.private },
        { role: "tgw", path: "subnetCidrs.tgw", explicit: args.subnetCidrs?.tgw },
      ]);
    }
  }

  if (cidr && hub) {
    const path = existing ? "existingVpc.cidrBlock" : "cidrBlock";
    const others = [
      ...(hub.cidrBlock !== undefined ? [{ label: `the hub's VPC`, cidrBlock: hub.cidrBlock }] : []),
      ...hub.attachedSpokes.map((s) => ({ label: `spoke "${s.name}"`, cidrBlock: s.cidrBlock })),
    ];
    for (const other of others) {
      const otherCidr = tryParseIpv4Cidr(other.cidrBlock);
      if (typeof otherCidr !== "string" && ipv4CidrsOverlap(cidr, otherCidr)) {
        problems.add(path, `${formatIpv4Cidr(cidr)} overlaps ${other.label} (${other.cidrBlock}); transit gateway routes need distinct CIDRs`);
      }
    }
  }
  if (hub && hub.attachedSpokes.some((s) => s.name === name)) {
    problems.add("name", `a spoke named "${name}" is already attached to this hub`);
  }

  if (args?.workload && !/^[a-zA-Z0-9][a-zA-Z0-9-]{0,15}$/.test(name)) {
    // "-web-nlb" and Pulumi's 8-character suffix must fit AWS's 32-character load balancer names.
    problems.add("name", `a spoke with a workload needs a name of at most 16 letters, digits or hyphens (its load balancer names derive from it), got "${name}"`);
  }
  const workload = args?.workload ? validateWorkload(problems, args.workload === true ? {} : args.workload, subnets, existing !== undefined) : undefined;

  let publicIngress: { allowedCidrs: string[] } | undefined;
  if (args?.publicIngress) {
    const allowed = (args.publicIngress === true ? undefined : args.publicIngress.allowedCidrs) ?? [ANYWHERE];
    if (!Array.isArray(allowed) || allowed.length === 0) problems.add("publicIngress.allowedCidrs", `must list at least one client CIDR, got ${describeValue(allowed)}`);
    else allowed.forEach((c, i) => problems.cidr(`publicIngress.allowedCidrs[${i}]`, c));
    if (!args.workload) problems.add("publicIngress", "needs workload: the ALB forwards to the workload's NLB");
    if (hub) {
      if (hub.egressInspectionOrder === "inspect-first") {
        problems.add("publicIngress", 'cannot be inspected through a hub with egressInspectionOrder "inspect-first": its endpoint subnets send 0.0.0.0/0 to the NAT gateways, so the ALB\'s replies would leave through NAT, not the endpoint that saw the request; use "nat-first" or put the ALB in its own ingress VPC');
      }
      if (hub.availabilityZones.length === 1) problems.add("publicIngress", `an Application Load Balancer needs subnets in at least two AZs; the hub has ${hub.availabilityZones.length}`);
    }
    // Only returned when every problem check above passed, so each entry is a valid CIDR string.
    publicIngress = { allowedCidrs: allowed as string[] };
  }

  if (!azs || !cidr || !problems.isEmpty) return undefined;
  return { cidrBlock: formatIpv4Cidr(cidr), availabilityZones: azs, subnets, existingVpc: existing, workload, publicIngress };
}

function validateWorkload(problems: Problems, w: SpokeWorkloadArgs, subnets: SubnetPlan<SpokeSubnetRole> | undefined, adopted: boolean): ValidatedWorkload | undefined {
  if (adopted) {
    problems.add("workload", "is only available when the spoke creates its VPC (its NLB needs fixed addresses in planned subnets)");
    return undefined;
  }
  const instance = resolveInstanceChoice(problems, "workload.", w, WEB_INSTANCE_TYPES, "x86_64");
  const instancesPerAz = problems.integer("workload.instancesPerAz", w.instancesPerAz ?? 1, 1, 10);
  const port = problems.integer("workload.port", w.port ?? 80, 1, 65535);
  const hostIndex = problems.integer("workload.nlbHostIndex", w.nlbHostIndex ?? 10, 0, 65535);
  const nlbAddresses: Record<string, string> = {};
  if (subnets && hostIndex !== undefined) {
    for (const [az, text] of Object.entries(subnets.private)) {
      const subnet = parseIpv4Cidr(text);
      const address = hostAddress(subnet, hostIndex);
      if (address === undefined || isAwsReservedHost(subnet, hostIndex)) {
        problems.add("workload.nlbHostIndex", `${hostIndex} is not a usable host of the ${az} private subnet ${text} (AWS reserves the first four and the last address)`);
        break;
      }
      nlbAddresses[az] = formatIpv4(address);
    }
  }
  if (!instance || instancesPerAz === undefined || port === undefined || hostIndex === undefined) return undefined;
  return { ...instance, instancesPerAz, port, nlbAddresses };
}
