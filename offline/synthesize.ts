/**
 * Runs the real Pulumi program (index.ts) under the recording mock runtime: the resources a
 * `pulumi preview` would create, without an AWS account or the Pulumi CLI.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Registration, installMocks, recorder, settle } from "./mockRuntime";
import { loadStackConfig } from "./stackConfig";

export const PROJECT_DIR = path.resolve(__dirname, "..");
const PROGRAM = path.join(PROJECT_DIR, "index.ts");

export interface Synthesis {
  readonly stack: string;
  readonly config: Readonly<Record<string, string>>;
  readonly registrations: readonly Registration[];
  readonly outputs: Readonly<Record<string, unknown>>;
}

/**
 * Synthesizes `stack` with its Pulumi.<stack>.yaml plus `overrides`. The program module is loaded
 * afresh each time, so one process can synthesize several configurations in turn.
 */
export async function synthesize(stack: string, overrides: Record<string, unknown> = {}): Promise<Synthesis> {
  const { values } = loadStackConfig(PROJECT_DIR, stack, overrides);
  installMocks(stack);
  pulumi.runtime.setAllConfig(values);
  recorder.reset();
  delete require.cache[require.resolve(PROGRAM)];
  const program = require(PROGRAM) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports
  await settle();
  const outputs = await new Promise<Record<string, unknown>>((resolve) => {
    pulumi.output(program).apply((resolved) => {
      resolve(resolved as Record<string, unknown>);
      return resolved;
    });
  });
  await settle();
  return { stack, config: values, registrations: [...recorder.registrations], outputs };
}

/** A component and the resources it (or a nested resource) owns, counted by type. */
export interface ComponentSummary {
  readonly type: string;
  readonly name: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
}

/** Groups every non-component resource under its nearest component ancestor, in registration order. */
export function summarize(registrations: readonly Registration[]): ComponentSummary[] {
  const byUrn = new Map(registrations.map((r) => [r.urn, r]));
  const isComponent = (r: Registration) => r.id === "" && r.type.includes(":") && !r.type.startsWith("pulumi:");
  const owner = (r: Registration): Registration | undefined => {
    let parent = byUrn.get(r.parentUrn);
    while (parent && !isComponent(parent)) parent = byUrn.get(parent.parentUrn);
    return parent;
  };
  const groups = new Map<string, { type: string; name: string; counts: Record<string, number> }>();
  for (const r of registrations) {
    if (isComponent(r)) {
      if (!groups.has(r.urn)) groups.set(r.urn, { type: r.type, name: r.name, counts: {} });
      continue;
    }
    const component = owner(r);
    const key = component?.urn ?? "(stack)";
    if (!groups.has(key)) groups.set(key, { type: component?.type ?? "pulumi:pulumi:Stack", name: component?.name ?? "(stack)", counts: {} });
    const counts = groups.get(key)!.counts;
    counts[r.type] = (counts[r.type] ?? 0) + 1;
  }
  return [...groups.values()].map((g) => {
    const counts = Object.fromEntries(Object.entries(g.counts).sort(([a], [b]) => a.localeCompare(b)));
    return { type: g.type, name: g.name, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  });
}
