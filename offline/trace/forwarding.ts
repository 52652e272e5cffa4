/**
 * One leg of a flow, hop by hop, the way AWS forwards it: a route table lookup where the packet is
 * (longest prefix), then the target: local delivery, an internet gateway (1:1 public addresses), a
 * NAT gateway (source translation with state), a GWLB endpoint (to an appliance and back), or the
 * transit gateway (association, route, and the AZ it leaves by). Pure over the network model.
 */
import { NetworkModel, RouteTable, Subnet } from "../model/network";
import { Element, Topology } from "../model/topology";
import { Chooser } from "./choices";
import { isPrivateAddress, matchVpcRoute } from "./lookup";
import { crossEndpoint } from "./inspection";
import { crossTransitGateway } from "./transit";
import { Hop, INTERNET_PLACE, Leg, Packet, Place, Step } from "./types";

/** Where a leg starts: leaving an interface in a subnet, or arriving from the internet. */
export type Start = { readonly at: "subnet"; readonly subnetId: string } | { readonly at: "internet" };

export interface TraceContext {
  readonly model: NetworkModel;
  readonly topology: Topology;
  readonly choose: Chooser;
  /** NAT translations of this flow: "<nat id>|<translated address>|<remote>" -> original source. */
  readonly natState: Map<string, string>;
}

const MAX_HOPS = 64;


export function traceLeg(ctx: TraceContext, label: string, packet: Packet, start: Start, conversation: string, northSouth: boolean): Leg {
  const hops: Hop[] = [];
  const seen = new Set<string>();
  let step: Step = start.at === "internet" ? fromInternet(ctx, packet, hops, conversation) : { next: { subnetId: start.subnetId, packet } };
  while ("next" in step) {
    const { subnetId, packet: current } = step.next;
    const key = `${subnetId}|${current.src}|${current.dst}`;
    if (seen.has(key) || hops.length > MAX_HOPS) {
      const where = ctx.model.subnets.get(subnetId)?.name ?? subnetId;
      step = { end: { kind: "loop", reason: `the packet comes back to ${where} as ${current.src} -> ${current.dst}, round and round` }, packet: current };
      break;
    }
    seen.add(key);
    step = routeFromSubnet(ctx, subnetId, current, hops, conversation);
  }
  return { label, packet, hops, outcome: step.end, final: step.packet, northSouth };
}

function fromInternet(ctx: TraceContext, packet: Packet, hops: Hop[], conversation: string): Step {
  const owner = ctx.topology.elements.find((e) => e.publicAddress === packet.dst);
  if (!owner) return { end: { kind: "dropped", reason: `no resource holds the public address ${packet.dst}` }, packet };
  const subnet = ctx.model.subnets.get(owner.subnetId)!;
  const igw = [...ctx.model.internetGateways.values()].find((g) => g.vpcId === subnet.vpcId);
  if (!igw) return { end: { kind: "dropped", reason: `${ctx.model.vpcs.get(subnet.vpcId)?.name ?? subnet.vpcId} has no internet gateway for ${packet.dst}` }, packet };
  const inside = { ...packet, dst: owner.address };
  hops.push({ kind: "igw", text: `${igw.name}: ${packet.dst} -> ${owner.address} (${owner.name})`, entry: igw.name, places: [INTERNET_PLACE, igwPlace(ctx, igw)] });
  const edgeTableId = ctx.model.edgeRouteTable.get(igw.id);
  const edge = edgeTableId ? ctx.model.routeTables.get(edgeTableId) : undefined;
  if (!edge) return deliverLocally(ctx, subnet.vpcId, inside, hops);
  // The edge table is VPC-wide: a target must sit in the AZ of the subnet the packet is for.
  return applyRoute(ctx, edge, subnet, inside, hops, conversation, true);
}

function routeFromSubnet(ctx: TraceContext, subnetId: string, packet: Packet, hops: Hop[], conversation: string): Step {
  const subnet = ctx.model.subnets.get(subnetId);
  if (!subnet) return { end: { kind: "dropped", reason: `subnet ${subnetId} is not in the graph` }, packet };
  const tableId = ctx.model.subnetRouteTable.get(subnetId);
  const table = tableId ? ctx.model.routeTables.get(tableId) : undefined;
  if (!table) return { end: { kind: "dropped", reason: `subnet ${subnet.name} has no route table association`, entry: subnet.name }, packet };
  return applyRoute(ctx, table, subnet, packet, hops, conversation, false);
}

function targetAz(ctx: TraceContext, subnetId: string | undefined): string | undefined {
  return subnetId ? ctx.model.subnets.get(subnetId)?.az : undefined;
}

/**
 * Looks `packet` up in `table` and follows the target. `where` is the subnet the packet is in, or for
 * an edge table the subnet it is bound for: either way a target must sit in that subnet's AZ.
 */
function applyRoute(ctx: TraceContext, table: RouteTable, where: Subnet, packet: Packet, hops: Hop[], conversation: string, edge: boolean): Step {
  const route = matchVpcRoute(table, packet.dst);
  if (!route) {
    hops.push({ kind: "route", text: `${table.name}: no route for ${packet.dst}`, entry: table.name, az: where.az });
    return { end: { kind: "dropped", reason: `${table.name} has no route for ${packet.dst}`, entry: table.name }, packet };
  }
  const { model } = ctx;
  const hop = (targetName: string, az: string | undefined, extra: Partial<Hop> = {}): Hop => {
    const violation = az !== undefined && az !== where.az
      ? `${table.name} sends ${route.destination} to ${targetName} in ${az}, but the packet ${edge ? `is bound for ${where.name} in` : "is in"} ${where.az}`
      : undefined;
    return { kind: "route", text: `${table.name}: ${route.destination} -> ${targetName}`, entry: route.entry, az: where.az, ...(violation ? { violation } : {}), ...extra };
  };
  const t = route.target;
  switch (t.kind) {
    case "local": {
      hops.push(hop("local", undefined));
      return deliverLocally(ctx, table.vpcId, packet, hops);
    }
    case "igw": {
      const igw = model.internetGateways.get(t.id);
      hops.push(hop(igw?.name ?? t.id, undefined));
      if (!igw || igw.vpcId !== table.vpcId) return { end: { kind: "dropped", reason: `${t.id} is not an internet gateway of this VPC`, entry: route.entry }, packet };
      if (isPrivateAddress(packet.dst)) return { end: { kind: "dropped", reason: `${igw.name} cannot reach the private address ${packet.dst}`, entry: route.entry }, packet };
      const source = ctx.topology.elements.find((e) => e.address === packet.src && e.publicAddress);
      if (!source) return { end: { kind: "dropped", reason: `${igw.name} drops it: the source ${packet.src} has no public address`, entry: route.entry }, packet };
      const out = { ...packet, src: source.publicAddress! };
      hops.push({ kind: "igw", text: `${igw.name}: ${packet.src} -> ${out.src} -> internet ${packet.dst}`, entry: igw.name, places: [igwPlace(ctx, igw), INTERNET_PLACE] });
      return { end: { kind: "arrived", at: "internet" }, packet: out };
    }
    case "nat": {
      const nat = model.natGateways.get(t.id);
      const natElement = ctx.topology.elements.find((e) => e.kind === "nat" && e.ownerId === t.id);
      hops.push(hop(nat?.name ?? t.id, targetAz(ctx, nat?.subnetId)));
      if (!nat || !natElement) return { end: { kind: "dropped", reason: `route target ${t.id} is not a NAT gateway in the graph`, entry: route.entry }, packet };
      const out = { ...packet, src: natElement.address };
      ctx.natState.set(`${nat.id}|${out.src}|${packet.dst}`, packet.src);
      hops.push({ kind: "nat", text: `${nat.name}: source ${packet.src} -> ${out.src}`, entry: nat.name, az: natElement.az, places: [elementPlace(ctx, natElement)] });
      return { next: { subnetId: nat.subnetId, packet: out } };
    }
    case "gwlbe": {
      const endpoint = model.endpoints.get(t.id);
      const subnetId = endpoint?.subnetIds[0];
      hops.push(hop(endpoint?.name ?? t.id, targetAz(ctx, subnetId)));
      if (!endpoint || !subnetId) return { end: { kind: "dropped", reason: `route target ${t.id} is not a GWLB endpoint in the graph`, entry: route.entry }, packet };
      const crossing = crossEndpoint(ctx, endpoint, conversation);
      hops.push(crossing.hop);
      if (crossing.failure) return { end: { kind: "dropped", reason: crossing.failure, entry: endpoint.name }, packet };
      return { next: { subnetId, packet } };
    }
    case "tgw": {
      const gateway = model.transit.gateways.get(t.id);
      hops.push(hop(gateway?.name ?? t.id, undefined));
      return crossTransitGateway(ctx, t.id, table.vpcId, where, packet, hops, conversation, route.entry);
    }
    case "other":
      hops.push(hop(t.id, undefined));
      return { end: { kind: "dropped", reason: `the tracer does not model the target ${t.id}`, entry: route.entry }, packet };
  }
}

/** Inside the VPC: the packet reaches whoever holds its destination (a NAT gateway un-translates it first). */
export function deliverLocally(ctx: TraceContext, vpcId: string, packet: Packet, hops: Hop[]): Step {
  const holder: Element | undefined = ctx.topology.elements.find((e) => e.address === packet.dst && ctx.model.subnets.get(e.subnetId)?.vpcId === vpcId);
  if (!holder) return { end: { kind: "dropped", reason: `nothing in ${ctx.model.vpcs.get(vpcId)?.name ?? vpcId} holds ${packet.dst}` }, packet };
  if (holder.kind === "nat") {
    const original = ctx.natState.get(`${holder.ownerId}|${packet.dst}|${packet.src}`);
    if (!original) {
      hops.push({ kind: "deliver", text: `${holder.name} ${packet.dst}`, az: holder.az });
      return { end: { kind: "dropped", reason: `${holder.name} has no translation for ${packet.src} -> ${packet.dst}: the flow did not leave through it`, entry: holder.name }, packet };
    }
    const back = { ...packet, dst: original };
    hops.push({ kind: "nat", text: `${holder.name}: destination ${packet.dst} -> ${original}`, entry: holder.name, az: holder.az, places: [elementPlace(ctx, holder)] });
    return { next: { subnetId: holder.subnetId, packet: back } };
  }
  hops.push({ kind: "deliver", text: `${holder.name} ${holder.address}`, az: holder.az, places: [elementPlace(ctx, holder)] });
  return { end: { kind: "arrived", at: holder.name }, packet };
}

function igwPlace(ctx: TraceContext, igw: { id: string; name: string; vpcId: string }): Place {
  return { id: igw.id, label: `IGW ${igw.name}`, vpc: ctx.model.vpcs.get(igw.vpcId)?.name };
}

export function elementPlace(ctx: { readonly model: NetworkModel }, e: Element): Place {
  const subnet = ctx.model.subnets.get(e.subnetId);
  return { id: `${e.kind}:${e.address}`, label: `${e.name}\n${e.address}`, vpc: subnet ? ctx.model.vpcs.get(subnet.vpcId)?.name : undefined, az: e.az };
}
