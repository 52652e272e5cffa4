/** The traces as people read them (numbered hops, like the seed's steps 8 and 9) and as data (--json). */
import { Failure, caseLabel } from "../check/checks";
import { TracedGraph } from "../trace/traceGraph";
import { FlowCase, Leg } from "../trace/types";

/** The numbered hops of one direction, one line each. */
export function hopLines(legs: readonly Leg[]): string[] {
  let n = 0;
  return legs.flatMap((leg) => leg.hops.map((hop) => `${String(++n).padStart(2)}. ${hop.text}`));
}

/** Cases grouped by flow, in trace order. */
export function byFlow(cases: readonly FlowCase[]): Map<string, FlowCase[]> {
  const groups = new Map<string, FlowCase[]>();
  for (const c of cases) groups.set(c.flow, [...(groups.get(c.flow) ?? []), c]);
  return groups;
}

/** One case per value of the flow's first choice (the ALB node, the hub AZ): the ones worth reading. */
export function representatives(cases: readonly FlowCase[]): FlowCase[] {
  const seen = new Set<string>();
  return cases.filter((c) => {
    const first = c.choices[0]?.value ?? "";
    if (seen.has(first)) return false;
    seen.add(first);
    return true;
  });
}

export function formatFailure(f: Failure): string {
  const where = f.hop > 0 ? `${f.direction} hop ${f.hop} (${f.hopText})` : f.direction;
  return `FAIL ${f.flow}${f.caseLabel ? ` [${f.caseLabel}]` : ""}\n     at ${where}\n     entry ${f.entry}: ${f.message}`;
}

export function formatTraces(traced: TracedGraph, allCases = false): string {
  const lines: string[] = [];
  for (const [flow, cases] of byFlow(traced.cases)) {
    const failing = new Set(traced.failures.filter((f) => f.flow === flow).map((f) => f.caseLabel));
    const dims = [...new Set(cases.flatMap((c) => c.choices.map((x) => x.label)))];
    lines.push(`${flow}: ${cases.length - failing.size}/${cases.length} cases pass${dims.length ? ` (every ${dims.join(", ")})` : ""}`);
    for (const c of allCases ? cases : representatives(cases)) {
      lines.push(`  case: ${caseLabel(c)}${failing.has(caseLabel(c)) ? "  <- FAILS" : ""}`);
      lines.push("    there:", ...hopLines(c.forward).map((l) => `      ${l}`));
      if (c.designedBlock) lines.push("    blocked by design (east-west block): nothing returns");
      else if (c.back.length > 0) lines.push("    back:", ...hopLines(c.back).map((l) => `      ${l}`));
    }
    lines.push("");
  }
  const shown = traced.failures.slice(0, 40);
  if (traced.failures.length === 0) lines.push(`All ${traced.cases.length} cases of ${byFlow(traced.cases).size} flows pass every check.`);
  else {
    lines.push(`${traced.failures.length} check failures in ${new Set(traced.failures.map((f) => f.flow)).size} flows:`);
    lines.push(...shown.map(formatFailure));
    if (traced.failures.length > shown.length) lines.push(`  ... and ${traced.failures.length - shown.length} more (--json lists them all)`);
  }
  return lines.join("\n");
}

/** Plain data: every case with its hops, and every failure. */
export function tracesAsData(traced: TracedGraph) {
  return {
    pass: traced.failures.length === 0,
    cases: traced.cases.map((c) => ({
      kind: c.kind,
      flow: c.flow,
      choices: c.choices,
      designedBlock: c.designedBlock,
      forward: c.forward.map((l) => ({ label: l.label, outcome: l.outcome, hops: l.hops.map((h) => ({ kind: h.kind, text: h.text, entry: h.entry, az: h.az })) })),
      back: c.back.map((l) => ({ label: l.label, outcome: l.outcome, hops: l.hops.map((h) => ({ kind: h.kind, text: h.text, entry: h.entry, az: h.az })) })),
    })),
    failures: traced.failures,
  };
}
