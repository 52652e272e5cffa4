// The worker figures: the agent on Node.js 24 (whose dgram has reusePort, so --workers above 1
// gets a socket per worker and the kernel spreads GWLB source ports over them) beside Node.js
// 20's one worker, on long-lived flows, in one run with the same generator. This machine has
// one core for the appliance, so two workers pinned there share it: the figure is what the
// split costs; two workers on both cores share the generator's core and show what a second
// core is worth here, not on an appliance with cores of its own.

import { Measured, MaxRate, Measurer } from "./search";
import { median, processCpuSeconds, sameProgramChildren } from "./sys";
import { TargetContext, startAgent, stopAgent } from "./targets";
import type { AgentProcess } from "./agent-process";
import { NODE24_VERSION } from "../node24";

export interface WorkerVariant {
  readonly label: string;
  /** "24" runs the bundle on the Node.js 24 binary, "20" on the benchmark's own Node.js. */
  readonly node: "20" | "24";
  readonly workers: number;
  /** taskset CPU list of the agent's processes. */
  readonly cpus: string;
  readonly kind: "fast" | "slow";
}

export const WORKER_VARIANTS: readonly WorkerVariant[] = [
  { label: "Node 20, 1 worker", node: "20", workers: 1, cpus: "1", kind: "slow" },
  { label: "Node 24, 1 worker", node: "24", workers: 1, cpus: "1", kind: "slow" },
  { label: "Node 24, 2 on CPU 1", node: "24", workers: 2, cpus: "1", kind: "slow" },
  { label: "Node 24, 2 on CPUs 0-1", node: "24", workers: 2, cpus: "0-1", kind: "slow" },
  { label: "Node 24, 2, fast path", node: "24", workers: 2, cpus: "1", kind: "fast" },
];

export interface WorkerRun {
  max: MaxRate;
  /** A run at the maximum found, with the agent's processes' CPU read around it. */
  atMax: Measured;
  /** CPU seconds of the primary and each worker over `atMax` (workers largest first). */
  primaryCpuSeconds: number;
  workerCpuSeconds: number[];
  socketMode: string;
  workers: number;
}

export interface WorkerSummary {
  label: string;
  maxPps: number;
  maxRounds: number[];
  generatorBound: boolean;
  cpuAppliance: number;
  /** CPU 1's busy time per delivered packet at the maximum (the generator's CPU 0 is not in it). */
  usPerPacket: number;
  /** The agent's processes' own CPU (user + system, primary and workers) per delivered packet. */
  processUsPerPacket: number;
  /** Each worker's share of the workers' CPU at the maximum, largest first (median per rank). */
  workerShares: number[];
  socketModes: string[];
}

export interface WorkersResult {
  size: number;
  ports: number;
  flows: number;
  variants: WorkerSummary[];
}

function agentCpu(agent: AgentProcess): { primary: number; workers: Map<number, number> } {
  const workers = new Map<number, number>();
  for (const pid of sameProgramChildren(agent.pid)) workers.set(pid, processCpuSeconds(pid) ?? NaN);
  return { primary: processCpuSeconds(agent.pid) ?? NaN, workers };
}

async function measureVariant(ctx: TargetContext, m: Measurer, variant: WorkerVariant, node24: string, templates: string, ports: number, flows: number, seconds: number): Promise<WorkerRun> {
  const agent = await startAgent({ ...ctx, node: variant.node === "24" ? node24 : undefined, workers: variant.workers, cpus: variant.cpus }, variant.kind);
  try {
    await m.measure(ctx.agentPath, { templates, sockets: ports, rate: 10_000, seconds: Math.ceil(flows / 10_000) + 1, once: true, drainMs: 1000 }, agent.pid);
    const max = await m.maxRate(ctx.agentPath, templates, ports, seconds, agent.pid);
    const before = agentCpu(agent);
    const atMax = await m.measure(ctx.agentPath, { templates, sockets: ports, rate: max.generatorBound ? 0 : max.pps, seconds }, agent.pid);
    const after = agentCpu(agent);
    const workerCpuSeconds = [...after.workers].map(([pid, cpu]) => cpu - (before.workers.get(pid) ?? NaN)).sort((a, b) => b - a);
    return {
      max,
      atMax,
      primaryCpuSeconds: after.primary - before.primary,
      workerCpuSeconds,
      socketMode: String(agent.started.socketMode ?? "?"),
      workers: Number(agent.started.workers ?? NaN),
    };
  } finally {
    await stopAgent(ctx, agent);
  }
}

/** Every variant in every round (order alternating between rounds), medians. `node24`: the binary of the "Node 24" variants. */
export async function measureWorkers(ctx: TargetContext, m: Measurer, node24: string, templates: string, size: number, ports: number, flows: number, rounds: number, seconds: number, log: (line: string) => void): Promise<WorkersResult> {
  const runs = new Map<string, WorkerRun[]>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? WORKER_VARIANTS : [...WORKER_VARIANTS].reverse();
    for (const variant of order) {
      log(`workers, ${size} B, ${ports} ports, round ${round + 1}/${rounds}: ${variant.label}`);
      const run = await measureVariant(ctx, m, variant, node24, templates, ports, flows, seconds);
      runs.set(variant.label, [...(runs.get(variant.label) ?? []), run]);
    }
  }
  const variants = WORKER_VARIANTS.map((variant): WorkerSummary => {
    const r = runs.get(variant.label) ?? [];
    const ranks = Math.max(0, ...r.map((x) => x.workerCpuSeconds.length));
    return {
      label: variant.label,
      maxPps: median(r.map((x) => x.max.pps)),
      maxRounds: r.map((x) => Math.round(x.max.pps)),
      generatorBound: r.some((x) => x.max.generatorBound),
      cpuAppliance: median(r.map((x) => x.atMax.cpuAppliance)),
      usPerPacket: median(r.map((x) => x.atMax.applianceUsPerPacket)),
      processUsPerPacket: median(r.map((x) => ((x.primaryCpuSeconds + sum(x.workerCpuSeconds)) * 1e6) / x.atMax.result.received)),
      workerShares: variant.workers === 1 ? [] : Array.from({ length: ranks }, (_, rank) => median(r.map((x) => x.workerCpuSeconds[rank] / sum(x.workerCpuSeconds)))),
      socketModes: [...new Set(r.map((x) => `${x.socketMode}, ${x.workers} worker(s)`))],
    };
  });
  return { size, ports, flows, variants };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");

/** The printed table of one workers configuration. */
export function workersReport(w: WorkersResult): string[] {
  const out: string[] = ["", `workers: Node.js ${NODE24_VERSION}, ${w.size} B inner, ${fmt(w.ports)} GWLB source ports, ${fmt(w.flows)} long-lived flows (slow path unless "fast path")`];
  const row = (label: string, cells: string[]): void => void out.push(`  ${label.padEnd(34)}${cells.map((c) => c.padStart(27)).join("")}`);
  const base = w.variants[0];
  row("", w.variants.map((v) => v.label));
  row("socket mode, workers started", w.variants.map((v) => v.socketModes.join(" / ")));
  row("max pps (<= 0.1% loss)", w.variants.map((v) => `${v.generatorBound ? ">= " : ""}${fmt(v.maxPps)}`));
  row("  rounds", w.variants.map((v) => v.maxRounds.map(fmt).join(", ")));
  row(`  / ${base.label}`, w.variants.map((v) => `${(v.maxPps / base.maxPps).toFixed(2)}x`));
  row("CPU 1 busy, us/packet at max", w.variants.map((v) => `${(v.cpuAppliance * 100).toFixed(1)}%, ${v.usPerPacket.toFixed(2)}`));
  row("agent processes' CPU, us/packet", w.variants.map((v) => v.processUsPerPacket.toFixed(2)));
  row("  workers' shares of it", w.variants.map((v) => (v.workerShares.length === 0 ? "-" : v.workerShares.map((s) => `${(s * 100).toFixed(0)}%`).join(" / "))));
  return out;
}
