/**
 * Crossing the transit gateway: the source VPC's attachment, its associated route table, the route
 * (or blackhole), and the AZ the packet leaves by. With appliance mode on the destination attachment
 * the AZ is hashed once per flow and kept for both directions; without it the packet stays in its
 * AZ when the attachment has a subnet there, else AWS picks one (each direction on its own).
 */
import { Subnet } from "../model/network";
import { Chooser } from "./choices";
import type { TraceContext } from "./forwarding";
import { matchTgwRoute } from "./lookup";
import { Hop, Packet, Step } from "./types";


export function crossTransitGateway(
  ctx: TraceContext, transitGatewayId: string, fromVpcId: string, from: Subnet, packet: Packet, hops: Hop[], conversation: string, routeEntry: string,
): Step {
  const { transit, subnets } = ctx.model;
  const drop = (reason: string, entry?: string): Step => ({ end: { kind: "dropped", reason, ...(entry ? { entry } : {}) }, packet });
  const attachments = [...transit.attachments.values()];
  const into = attachments.find((a) => a.transitGatewayId === transitGatewayId && a.vpcId === fromVpcId);
  if (!into) return drop(`${ctx.model.vpcs.get(fromVpcId)?.name ?? fromVpcId} has no attachment to ${transitGatewayId}`, routeEntry);
  if (!into.subnetIds.some((id) => subnets.get(id)?.az === from.az)) return drop(`${into.name} has no subnet in ${from.az}, so ${from.name} cannot reach the transit gateway`, into.name);
  const tableId = transit.associations.get(into.id);
  const table = tableId ? transit.routeTables.get(tableId) : undefined;
  if (!table) return drop(`${into.name} is associated with no transit gateway route table`, into.name);
  const route = matchTgwRoute(table, packet.dst);
  if (!route) {
    hops.push({ kind: "tgw-route", text: `${table.name}: no route for ${packet.dst}`, entry: table.name });
    return drop(`${table.name} has no route for ${packet.dst}`, table.name);
  }
  if (route.blackhole) {
    hops.push({ kind: "tgw-route", text: `${table.name}: ${route.destination} -> blackhole`, entry: route.entry });
    return { end: { kind: "blackhole", destination: route.destination, entry: route.entry }, packet };
  }
  const out = route.attachmentId ? transit.attachments.get(route.attachmentId) : undefined;
  const tgwName = transit.gateways.get(transitGatewayId)?.name ?? transitGatewayId;
  hops.push({ kind: "tgw-route", text: `${table.name}: ${route.destination} -> ${out?.name ?? route.attachmentId}`, entry: route.entry, places: [{ id: transitGatewayId, label: `TGW ${tgwName}` }] });
  if (!out) return drop(`${route.entry} points at attachment ${route.attachmentId}, which the graph does not hold`, route.entry);
  const outAzs = out.subnetIds.map((id) => ({ id, az: subnets.get(id)?.az })).filter((x): x is { id: string; az: string } => x.az !== undefined);
  const pick = (choose: Chooser): { id: string; az: string; why: string } => {
    if (out.applianceMode) {
      const chosen = choose(`tgw|${out.id}|${conversation}`, `${out.name} AZ`, outAzs, (x) => x.az);
      return { ...chosen, why: "appliance mode: hashed once per flow, both directions" };
    }
    const same = outAzs.find((x) => x.az === from.az);
    if (same) return { ...same, why: "appliance mode off: stays in the source AZ" };
    const chosen = choose(`tgw|${out.id}|${conversation}|${packet.src}>${packet.dst}`, `${out.name} AZ`, outAzs, (x) => x.az);
    return { ...chosen, why: `no subnet in ${from.az}: AWS picks one` };
  };
  if (outAzs.length === 0) return drop(`${out.name} has no subnet`, out.name);
  const exit = pick(ctx.choose);
  const place = { id: `${out.id}@${exit.az}`, label: `${out.name}\n${exit.az}`, vpc: ctx.model.vpcs.get(out.vpcId)?.name, az: exit.az };
  hops.push({ kind: "tgw-attachment", text: `${out.name}: into ${exit.az} (${exit.why})`, entry: out.name, az: exit.az, places: [place] });
  return { next: { subnetId: exit.id, packet } };
}
