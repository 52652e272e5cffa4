/** Reading a resource's properties: inputs first, outputs when the input is absent (real exports carry both). */
import { GraphResource, Properties, ResourceGraph } from "./resourceGraph";

export function str(p: Properties, key: string): string | undefined {
  const v = p[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function strs(p: Properties, key: string): string[] {
  const v = p[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x !== "") : [];
}

/** An input, or the output of the same name (exports of real stacks carry both). */
export function prop(r: GraphResource, key: string): unknown {
  return r.inputs[key] ?? r.outputs[key];
}

export function propStr(r: GraphResource, key: string): string | undefined {
  return str(r.inputs, key) ?? str(r.outputs, key);
}

export function propStrs(r: GraphResource, key: string): string[] {
  const fromInputs = strs(r.inputs, key);
  return fromInputs.length > 0 ? fromInputs : strs(r.outputs, key);
}

export function ofType(graph: ResourceGraph, type: string): GraphResource[] {
  return graph.resources.filter((r) => r.type === type);
}

