/**
 * The picture as plain data: every gateway, endpoint, load balancer node and instance, grouped by VPC
 * and AZ, and the hops of one case per flow as numbered, coloured edges (dashed on the way back).
 * Mermaid and Graphviz text are both written from it.
 */
import { caseLabel } from "../check/checks";
import { byFlow } from "../report/traceReport";
import { elementPlace } from "../trace/forwarding";
import { TracedGraph } from "../trace/traceGraph";
import { FlowCase, FlowKind, INTERNET_PLACE, Leg, Place } from "../trace/types";

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly color: string;
  readonly back: boolean;
}

export interface Diagram {
  readonly title: string;
  readonly nodes: ReadonlyMap<string, Place>;
  readonly edges: DiagramEdge[];
  /** One line per drawn case: its letter, its flow and its choices. */
  readonly legend: string[];
}

const STYLE: Record<FlowKind, { color: string; letter: string }> = {
  ingress: { color: "#d62728", letter: "I" },
  egress: { color: "#1f77b4", letter: "E" },
  "east-west": { color: "#2ca02c", letter: "W" },
};

/**
 * One case per flow kind, one packet per colour: the last case of the last flow of that kind, which
 * in the dev stack is the seed's walk through AZ 2c (steps 8 and 9).
 */
export function casesToDraw(traced: TracedGraph): FlowCase[] {
  const chosen = new Map<FlowKind, FlowCase>();
  for (const cases of byFlow(traced.cases).values()) chosen.set(cases[0].kind, cases[cases.length - 1]);
  return [...chosen.values()];
}

export function buildDiagram(traced: TracedGraph, title: string): Diagram {
  const nodes = new Map<string, Place>();
  const add = (p: Place) => { if (!nodes.has(p.id)) nodes.set(p.id, p); };
  const { model, topology } = traced;
  add(INTERNET_PLACE);
  for (const igw of model.internetGateways.values()) add({ id: igw.id, label: `IGW ${igw.name}`, vpc: model.vpcs.get(igw.vpcId)?.name });
  for (const e of model.endpoints.values()) {
    const az = model.subnets.get(e.subnetIds[0] ?? "")?.az;
    add({ id: e.id, label: `GWLB endpoint ${e.name}`, vpc: model.vpcs.get(e.vpcId)?.name, az });
  }
  for (const e of topology.elements) add(elementPlace(traced, e));
  for (const [id, tgw] of model.transit.gateways) add({ id, label: `TGW ${tgw.name}` });

  const edges: DiagramEdge[] = [];
  const legend: string[] = [];
  for (const c of casesToDraw(traced)) {
    const { color, letter } = STYLE[c.kind];
    legend.push(`${letter}: ${c.flow} [${caseLabel(c)}]${c.designedBlock ? " (blocked by design)" : ""}`);
    drawDirection(c.forward, `${letter}`, color, false);
    drawDirection(c.back, `${letter}'`, color, true);
  }

  function drawDirection(legs: readonly Leg[], prefix: string, color: string, back: boolean): void {
    let n = 0;
    for (const leg of legs) {
      const source = topology.elements.find((e) => e.address === leg.packet.src);
      let previous: string | undefined = source && leg.hops[0]?.places?.[0]?.id !== INTERNET_PLACE.id ? elementPlace(traced, source).id : undefined;
      // A route hop moves nothing by itself: the next edge drawn is labelled with the route's number.
      let decidedBy: number | undefined;
      for (const hop of leg.hops) {
        n++;
        if (!hop.places?.length) { decidedBy ??= n; continue; }
        for (const place of hop.places) {
          add(place);
          if (previous !== undefined && previous !== place.id) {
            edges.push({ from: previous, to: place.id, label: `${prefix}${decidedBy ?? n}`, color, back });
            decidedBy = undefined;
          }
          previous = place.id;
        }
        decidedBy = undefined;
      }
    }
  }
  legend.push("solid: the way there, dashed: the way back; I3 = hop 3 of that flow as npm start prints it");
  return { title, nodes, edges, legend };
}

/** Nodes grouped as VPC -> AZ ("" for none) -> places, in first-seen order. */
export function clusters(diagram: Diagram): Map<string, Map<string, Place[]>> {
  const out = new Map<string, Map<string, Place[]>>();
  for (const place of diagram.nodes.values()) {
    const vpc = place.vpc ?? "";
    const az = place.vpc ? place.az ?? "" : "";
    if (!out.has(vpc)) out.set(vpc, new Map());
    const byAz = out.get(vpc)!;
    byAz.set(az, [...(byAz.get(az) ?? []), place]);
  }
  return out;
}
