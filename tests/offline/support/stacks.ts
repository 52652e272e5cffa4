// Stacks for the tracer tests: synthesized from the real program, and broken on purpose by editing
// the resource graph the way a hand-edited deployment would be (found by type and inputs, not names).
import { GraphResource, ResourceGraph, graphFromRecords } from "../../../offline/model/resourceGraph";
import { synthesize } from "../../../offline/synthesize";

export const THREE_AZS = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"];
export const TWO_SPOKES = [
  { name: "app01", cidrBlock: "10.10.0.0/16", workload: true, publicIngress: true },
  { name: "app02", cidrBlock: "10.11.0.0/16", workload: true },
];

export const ROUTE = "aws:ec2/route:Route";
export const TGW_ROUTE = "aws:ec2transitgateway/route:Route";
export const TGW_ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment";

export async function synthesizedGraph(overrides: Record<string, unknown> = {}): Promise<ResourceGraph> {
  const s = await synthesize("dev", overrides);
  return graphFromRecords(s.registrations);
}

/** The one resource of `type` whose inputs include `inputs`; throws naming the candidates otherwise. */
export function find(graph: ResourceGraph, type: string, inputs: Record<string, unknown>, where = (_: GraphResource) => true): GraphResource {
  const hits = graph.resources.filter((r) => r.type === type && where(r) && Object.entries(inputs).every(([k, v]) => JSON.stringify(r.inputs[k]) === JSON.stringify(v)));
  if (hits.length !== 1) throw new Error(`expected one ${type} with ${JSON.stringify(inputs)}, found ${hits.length}: ${hits.map((h) => h.name).join(", ")}`);
  return hits[0];
}

export function idOf(graph: ResourceGraph, type: string, name: string): string {
  const hit = graph.resources.find((r) => r.type === type && r.name === name);
  if (!hit) throw new Error(`no ${type} named ${name}`);
  return hit.id;
}

export function without(graph: ResourceGraph, ...gone: GraphResource[]): ResourceGraph {
  return { resources: graph.resources.filter((r) => !gone.includes(r)) };
}

export function withInputs(graph: ResourceGraph, target: GraphResource, inputs: Record<string, unknown>): ResourceGraph {
  return { resources: graph.resources.map((r) => (r === target ? { ...r, inputs: { ...r.inputs, ...inputs } } : r)) };
}
