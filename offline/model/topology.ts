/**
 * The roles the tracer needs, derived from the network (not from names): which VPC is a hub (attached
 * to a transit gateway, with GWLB endpoints and an internet gateway), which are spokes, and who sits
 * at which address. Where AWS assigns an address at run time (ALB nodes, instances, NAT gateways in a
 * synthesized stack), a stand-in from the subnet is used, at the host numbers of the seed.
 */
import { formatIpv4, hostAddress, parseIpv4, parseIpv4Cidr } from "../../common/cidr";
import { NetworkModel, Subnet } from "./network";
import { ofType, propStr } from "./properties";
import { ResourceGraph } from "./resourceGraph";

/** Host numbers of the seed's addresses: the ALB at .148, web servers at .100. */
const ALB_HOST = 148;
const INSTANCE_HOST = 100;
const NAT_HOST = 5;
/** Stand-in public addresses (TEST-NET-2) for ALB nodes, whose public IPs AWS assigns. */
const ALB_PUBLIC_BASE = parseIpv4("198.51.100.11");
/** The internet client and server of the traced flows (TEST-NET-1). */
export const INTERNET_CLIENT = "192.0.2.50";
export const INTERNET_SERVER = "192.0.2.80";

export type ElementKind = "alb-node" | "nlb-node" | "nat" | "instance";

export interface Element {
  readonly kind: ElementKind;
  /** Readable name: "app01-alb node ap-northeast-2a", "web server in app01-private-2a". */
  readonly name: string;
  readonly address: string;
  readonly publicAddress?: string;
  readonly subnetId: string;
  readonly az: string;
  /** The resource it stands for (load balancer ARN, NAT id, subnet id for instances). */
  readonly ownerId: string;
}

export interface Spoke { readonly vpcId: string; readonly name: string; readonly cidr: string; readonly transitGatewayId: string; readonly hostSubnets: Subnet[] }
export interface Hub { readonly vpcId: string; readonly name: string; readonly transitGatewayId: string }

export interface Topology {
  readonly hubs: Hub[];
  readonly spokes: Spoke[];
  readonly elements: Element[];
}

/** The address `host` of a subnet, folded into the block when the block is smaller. */
export function standInAddress(cidr: string, host: number): string {
  const block = parseIpv4Cidr(cidr);
  const size = 2 ** (32 - block.prefixLength);
  const index = host < size - 1 ? host : 4 + (host % Math.max(1, size - 5));
  return formatIpv4(hostAddress(block, index) ?? block.network);
}

/** Instances the graph holds one by one (aws.ec2.Instance), at their real private addresses when known. */
function instanceElements(graph: ResourceGraph, model: NetworkModel): Element[] {
  return ofType(graph, "aws:ec2/instance:Instance").flatMap((r) => {
    const s = model.subnets.get(propStr(r, "subnetId") ?? "");
    if (!s) return [];
    const address = propStr(r, "privateIp") ?? standInAddress(s.cidr, INSTANCE_HOST);
    return [{ kind: "instance" as const, name: r.name, address, publicAddress: propStr(r, "publicIp"), subnetId: s.id, az: s.az, ownerId: r.id || r.urn }];
  });
}

export function buildTopology(model: NetworkModel, graph: ResourceGraph = { resources: [] }): Topology {
  const elements: Element[] = instanceElements(graph, model);
  const subnet = (id: string) => model.subnets.get(id);
  let albIndex = 0;
  const webSubnets = new Map<string, string>(); // subnet id -> auto scaling group name
  for (const group of model.loadBalancing.targetGroups.values()) {
    if (group.protocol === "GENEVE") continue;
    for (const id of group.instanceSubnetIds) webSubnets.set(id, group.instanceGroups[0] ?? group.name);
  }
  for (const lb of model.loadBalancing.loadBalancers) {
    if (lb.kind === "gateway") continue;
    for (const node of lb.nodes) {
      const s = subnet(node.subnetId);
      if (!s) continue;
      const isAlb = lb.kind === "application";
      elements.push({
        kind: isAlb ? "alb-node" : "nlb-node",
        name: `${lb.name} node ${s.az}`,
        address: node.privateIp ?? standInAddress(s.cidr, ALB_HOST),
        publicAddress: isAlb && !lb.internal ? formatIpv4(ALB_PUBLIC_BASE + albIndex++) : undefined,
        subnetId: s.id,
        az: s.az,
        ownerId: lb.arn,
      });
    }
  }
  let natIndex = 0;
  for (const nat of model.natGateways.values()) {
    const s = subnet(nat.subnetId);
    if (!s) continue;
    elements.push({
      kind: "nat",
      name: nat.name,
      address: nat.privateIp ?? standInAddress(s.cidr, NAT_HOST),
      publicAddress: nat.isPublic ? (nat.publicIp ?? formatIpv4(ALB_PUBLIC_BASE + 100 + natIndex++)) : undefined,
      subnetId: s.id,
      az: s.az,
      ownerId: nat.id,
    });
  }
  const hubs: Hub[] = [];
  const spokes: Spoke[] = [];
  const attachmentSubnets = new Set([...model.transit.attachments.values()].flatMap((a) => a.subnetIds));
  for (const attachment of model.transit.attachments.values()) {
    const vpc = model.vpcs.get(attachment.vpcId);
    if (!vpc) continue;
    const hasEndpoints = [...model.endpoints.values()].some((e) => e.vpcId === vpc.id);
    const hasIgw = [...model.internetGateways.values()].some((g) => g.vpcId === vpc.id);
    if (hasEndpoints && hasIgw) {
      hubs.push({ vpcId: vpc.id, name: vpc.name, transitGatewayId: attachment.transitGatewayId });
      continue;
    }
    // A spoke's instances live in its subnets other than the attachment's, one traced host per subnet.
    const hostSubnets = [...model.subnets.values()].filter((s) => s.vpcId === vpc.id && !attachmentSubnets.has(s.id));
    spokes.push({ vpcId: vpc.id, name: vpc.name, cidr: vpc.cidr, transitGatewayId: attachment.transitGatewayId, hostSubnets });
    for (const s of hostSubnets) {
      if (elements.some((e) => e.kind === "instance" && e.subnetId === s.id)) continue; // real instances stand for themselves
      const group = webSubnets.get(s.id);
      elements.push({
        kind: "instance",
        name: group ? `web server in ${s.name}` : `instance in ${s.name}`,
        address: standInAddress(s.cidr, INSTANCE_HOST),
        subnetId: s.id,
        az: s.az,
        ownerId: s.id,
      });
    }
  }
  spokes.sort((x, y) => x.name.localeCompare(y.name)); // stable output whatever the registration order
  return { hubs, spokes, elements };
}
