// The benchmark's printed report: one table per configuration (inner size x GWLB source
// ports), targets side by side, then new flows, memory and the verdicts against the issue's
// targets (a figure that is only a lower bound can prove a target met, never missed).

import { LOSS_OK, MaxRate, Measured } from "./search";
import { MachineFacts, median } from "./sys";
import { TARGET_KINDS, TARGET_LABELS, TargetKind } from "./targets";
import type { MemoryResult, NewFlowsResult } from "./scenarios";
import { PACKETS_PER_NEW_FLOW } from "./scenarios";
import { KEEP_ONE_IN } from "./return-sink";
import { WorkersResult, workersReport } from "./workers";

export interface TargetRun {
  max: MaxRate;
  half: Measured;
  /** The runs at twice the max (bench.ts, DOUBLE_RUNS); the round's figure is the median one. */
  doubles: Measured[];
  /** Of the packets offered during the search, the share the agent's socket received (NaN for non-agents). */
  agentShare: number;
  /**
   * At one rate common to the pair it is compared with: the kernel paths (hairpin, fast path) at
   * half the round's generator ceiling, the agent without the fast path and the reflector at a
   * fixed rate (bench.ts).
   */
  common: Measured;
  /** The same at half that rate: with `common`, the CPU each further packet costs. */
  commonHalf: Measured;
  /** The kernel paths' maximum with the returns counted at the generator's side (return-sink.ts). */
  capacity: CapacityRun | null;
}

/** A capacity search and a run at half its maximum (returns 1 in 16 verified, their latency measured). */
export interface CapacityRun {
  max: MaxRate;
  half: Measured;
}

/** The capacity runs of one kernel path, medians over rounds: the search, the flood and half of the maximum. */
export interface CapacityFigures {
  maxPps: number;
  maxRounds: number[];
  /** It took everything the generator could send, or the generator could not offer a rate asked for: a lower bound. */
  generatorBound: boolean;
  cpuAppliance: number;
  usPerPacket: number;
  /** The flood: the generator's send-only ceiling, what the path delivered and its CPU then. */
  floodOfferedPps: number;
  floodDeliveredPps: number;
  floodCpuAppliance: number;
  floodUsPerPacket: number;
  floodLossFraction: number;
  /** Returns the appliance sent under the flood that were refused on the way back (0 with their own receive ring). */
  floodReturnsRefused?: number;
  /** Each round's flood: delivered pps and CPU microseconds per delivered packet (absent in runs before it was kept). */
  floodRounds?: Array<{ deliveredPps: number; usPerPacket: number }>;
  /** At half the max: loss, and the latency of the verified returns (round trip and to arrival). */
  halfOfferedPps: number;
  halfLossFraction: number;
  halfP50Us: number;
  halfP99Us: number;
  halfArrivalP50Us: number;
  halfArrivalP99Us: number;
}

/**
 * Where a capacity search's losses began (the lowest rate it saw lose; medians over the rounds
 * that had one): the offered rate, loss and CPU busy there, the share of what was lost that the
 * appliance CPU's input backlog dropped, the generator's largest catch-up burst (datagrams sent
 * back to back) and what it left unsent after stalls of its own (gen.c's MAX_CATCH_UP).
 */
export interface LossOnset {
  onsetRounds: number;
  onsetOfferedPps: number;
  onsetLossFraction: number;
  onsetCpuAppliance: number;
  onsetBacklogShare: number;
  onsetGeneratorBurst: number;
  onsetGeneratorForgiven: number;
}

/** The capacity runs of one kernel path, medians over rounds. */
export type CapacitySummary = CapacityFigures & LossOnset;

export interface TargetSummary {
  maxPps: number;
  maxRounds: number[];
  generatorBound: boolean;
  usPerPacket: number;
  cpuAppliance: number;
  processCores: number;
  halfOfferedPps: number;
  halfLost: number;
  halfLossFraction: number;
  p50Us: number;
  p99Us: number;
  /** The same, to the return's arrival (kernel receive timestamp); -1 where not measured. */
  arrivalP50Us: number;
  arrivalP99Us: number;
  doubleOfferedPps: number;
  doubleDeliveredPps: number;
  /** Per round, each run's delivered pps at twice the max (absent in runs before it took several). */
  doubleRounds?: number[][];
  floodOfferedPps: number;
  floodDeliveredPps: number;
  agentShare: number;
  commonOfferedPps: number;
  commonUsPerPacket: number;
  commonLossFraction: number;
  /**
   * Appliance-CPU microseconds each further packet costs, between a quarter and a half of the
   * ceiling: the per-packet work without what a CPU that idles between packets pays per wake-up,
   * and without background work (the agent's counter polls), which both rates share.
   */
  commonMarginalUsPerPacket: number;
  probes: unknown;
  capacity: CapacitySummary | null;
}

export interface ConfigResult {
  size: number;
  ports: number;
  flows: number;
  ceilingPps: number;
  targets: Partial<Record<TargetKind, TargetSummary>>;
}

/** One new-flows run: what it delivered, the maximum for new flows it was offered a multiple of, and that multiple. */
export type NewFlowsRun = NewFlowsResult & { maxPps: number; factor: number };

export interface BenchResult {
  machine: MachineFacts;
  options: { rounds: number; durationSeconds: number; quick: boolean };
  command: string;
  minutes: number;
  notes: string[];
  configs: ConfigResult[];
  /** The worker figures, one per GWLB port count (workers.ts). */
  workers: WorkersResult[];
  /** Per GWLB port count, per run. */
  newFlows: Record<string, Record<string, NewFlowsRun>>;
  memory: MemoryResult | null;
  /**
   * Where the returns' receive at the generator's side ran: "sending CPU" (unsteered, as now) or,
   * in runs before that was changed (no such field), CPU 0 by receive packet steering.
   */
  returnsReceivedOn?: "sending CPU";
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(x < 0.01 && x > 0 ? 3 : 1)}%` : "n/a");
const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : "n/a");

export function report(r: BenchResult): string {
  const out: string[] = [];
  const f = r.machine;
  out.push("", "appliance-agent benchmark", `command: ${r.command} (${r.options.quick ? "quick mode: " : ""}${r.options.rounds} round(s) of ${r.options.durationSeconds} s, medians; ${r.minutes.toFixed(1)} min)`);
  out.push(`machine: ${f.cpus} CPUs (${f.cpuModel}), ${f.memoryGiB} GiB, Node ${f.node}, Linux ${f.kernel}, load at start ${f.loadAverage.join(" ")}, rmem_max ${f.rmemMax}, netdev_max_backlog ${f.netdevMaxBacklog}`);
  const returns = r.returnsReceivedOn === undefined ? "the returns' receive steered to CPU 0" : "the returns' receive at the generator's side on the CPU that sent them (CPU 1)";
  out.push(`generator and this benchmark's own process pinned to CPU 0; every appliance's process and receive processing on CPU 1; ${returns}`);
  for (const note of r.notes) out.push(`note: ${note}`);
  const row = (label: string, cells: string[]): void => void out.push(`  ${label.padEnd(34)}${cells.map((c) => c.padStart(26)).join("")}`);
  for (const c of r.configs) {
    out.push("", `${c.size} B inner, ${fmt(c.ports)} GWLB source ports, ${fmt(c.flows)} long-lived flows; generator ceiling ${fmt(c.ceilingPps)} pps`);
    const kinds = TARGET_KINDS.filter((k) => c.targets[k] !== undefined);
    const t = (k: TargetKind): TargetSummary => c.targets[k]!;
    const hairpin = c.targets.hairpin;
    const floor = c.targets.floor;
    row("", kinds.map((k) => TARGET_LABELS[k]));
    row("max pps (<= 0.1% loss)", kinds.map((k) => `${t(k).generatorBound ? ">= " : ""}${fmt(t(k).maxPps)}`));
    row("  rounds", kinds.map((k) => t(k).maxRounds.map(fmt).join(", ")));
    row("  / generator ceiling", kinds.map((k) => ratio(t(k).maxPps / c.ceilingPps)));
    if (hairpin !== undefined) row("  / kernel hairpin", kinds.map((k) => ratio(t(k).maxPps / hairpin.maxPps)));
    if (floor !== undefined) row("  / bare reflector", kinds.map((k) => ratio(t(k).maxPps / floor.maxPps)));
    row("  share through the agent's socket", kinds.map((k) => (Number.isFinite(t(k).agentShare) ? pct(t(k).agentShare) : "-")));
    row("appliance CPU busy, us/packet", kinds.map((k) => `${pct(t(k).cpuAppliance)}, ${t(k).usPerPacket.toFixed(2)}`));
    if (hairpin !== undefined) row("  CPU per packet / hairpin's", kinds.map((k) => ratio(t(k).usPerPacket / hairpin.usPerPacket)));
    row("half rate: offered pps", kinds.map((k) => fmt(t(k).halfOfferedPps)));
    row("  lost (worst round)", kinds.map((k) => `${fmt(t(k).halfLost)} (${pct(t(k).halfLossFraction)})`));
    row("  p50 / p99 round trip, us", kinds.map((k) => `${t(k).p50Us} / ${t(k).p99Us}`));
    row("  p50 / p99 to arrival, us", kinds.map((k) => (t(k).arrivalP99Us >= 0 ? `${t(k).arrivalP50Us} / ${t(k).arrivalP99Us}` : "-")));
    row("2x max offered -> delivered", kinds.map((k) => `${fmt(t(k).doubleOfferedPps)} -> ${fmt(t(k).doubleDeliveredPps)}`));
    row("  delivered / max", kinds.map((k) => pct(t(k).doubleDeliveredPps / t(k).maxPps)));
    row("  rounds (each its runs' median)", kinds.map((k) => t(k).doubleRounds?.map((runs) => fmt(median(runs))).join(", ") ?? "-"));
    row("flood offered -> delivered", kinds.map((k) => `${fmt(t(k).floodOfferedPps)} -> ${fmt(t(k).floodDeliveredPps)}`));
    const shared = (k: TargetKind): boolean => Number.isFinite(t(k).commonOfferedPps);
    row("same rate (kernel: half the ceiling): pps", kinds.map((k) => (shared(k) ? fmt(t(k).commonOfferedPps) : "-")));
    row("  us/packet, loss", kinds.map((k) => (shared(k) ? `${t(k).commonUsPerPacket.toFixed(2)}, ${pct(t(k).commonLossFraction)}` : "-")));
    row("  us per further packet (half -> same)", kinds.map((k) => (shared(k) ? t(k).commonMarginalUsPerPacket.toFixed(2) : "-")));
    const cap = (k: TargetKind): CapacitySummary | null => t(k).capacity ?? null;
    const hairpinCap = hairpin?.capacity ?? null;
    if (kinds.some((k) => cap(k) !== null)) {
      const cells = (f: (x: CapacitySummary) => string): string[] => kinds.map((k) => (cap(k) === null ? "-" : f(cap(k)!)));
      out.push(`  capacity: sent with GSO, returns counted and dropped by nft at the generator's side, 1 in ${KEEP_ONE_IN} received and verified`);
      row("  max pps (<= 0.1% loss)", cells((x) => `${x.generatorBound ? ">= " : ""}${fmt(x.maxPps)}`));
      row("    rounds", cells((x) => x.maxRounds.map(fmt).join(", ")));
      if (hairpinCap !== null) row("    / kernel hairpin", cells((x) => ratio(x.maxPps / hairpinCap.maxPps)));
      row("  appliance CPU busy, us/packet", cells((x) => `${pct(x.cpuAppliance)}, ${x.usPerPacket.toFixed(2)}`));
      row("  half of it: offered pps, loss", cells((x) => `${fmt(x.halfOfferedPps)}, ${pct(x.halfLossFraction)}`));
      row("    p50 / p99 round trip, us", cells((x) => `${x.halfP50Us} / ${x.halfP99Us}`));
      row("    p50 / p99 to arrival, us", cells((x) => `${x.halfArrivalP50Us} / ${x.halfArrivalP99Us}`));
      const onset = (f: (x: CapacitySummary) => string): string[] => cells((x) => (x.onsetRounds > 0 ? f(x) : "-"));
      row("  where loss began: pps, loss, CPU", onset((x) => `${fmt(x.onsetOfferedPps)}, ${pct(x.onsetLossFraction)}, ${pct(x.onsetCpuAppliance)}`));
      row(`    in CPU 1's backlog; gen. burst, unsent`, onset((x) => `${pct(x.onsetBacklogShare)}; ${fmt(x.onsetGeneratorBurst)}, ${fmt(x.onsetGeneratorForgiven)}`));
      row("  flood offered -> delivered", cells((x) => `${fmt(x.floodOfferedPps)} -> ${fmt(x.floodDeliveredPps)}`));
      row("    delivered / max", cells((x) => pct(x.floodDeliveredPps / x.maxPps)));
      if (hairpinCap !== null) row("    delivered / hairpin's", cells((x) => ratio(x.floodDeliveredPps / hairpinCap.floodDeliveredPps)));
      row("    CPU busy, us per delivered packet", cells((x) => `${pct(x.floodCpuAppliance)}, ${x.floodUsPerPacket.toFixed(2)}`));
      row("      rounds, delivered pps", cells((x) => x.floodRounds?.map((f) => fmt(f.deliveredPps)).join(", ") ?? "-"));
      row("      rounds, us/packet", cells((x) => x.floodRounds?.map((f) => f.usPerPacket.toFixed(2)).join(", ") ?? "-"));
      row("    returns refused on the way back", cells((x) => (x.floodReturnsRefused === undefined ? "-" : fmt(x.floodReturnsRefused))));
    }
  }
  for (const w of r.workers) out.push(...workersReport(w));
  if (Object.keys(r.newFlows).length > 0) out.push("", `new flows (${PACKETS_PER_NEW_FLOW} packets each, 64 B), offered at 1x or 2x each one's own max for new flows; "limit" = --slow-path-max-pps at that max:`);
  for (const [ports, byRun] of Object.entries(r.newFlows)) {
    for (const [label, n] of Object.entries(byRun)) {
      const fast = label.startsWith("fast");
      out.push(
        `  ${fmt(Number(ports))} ports, ${label.padEnd(15)} ${fmt(n.offeredPps)} pps offered (${fmt(n.offeredFlowsPerSecond)} flows/s): ${fmt(n.decidedPerSecond)} decided/s` +
          `${fast ? `, ${fmt(n.installedPerSecond)} installed/s` : ""}, ${fmt(n.deliveredPps)} pps delivered (${pct(n.deliveredPps / n.maxPps)} of its max, ${fmt(n.maxPps)}), loss ${pct(n.lossFraction)} (backlog ${fmt(n.backlogDrops)}, socket ${fmt(n.receiveBufferDrops)}), ${n.usPerPacket.toFixed(2)} us/packet`,
      );
    }
  }
  const mem = r.memory;
  if (mem !== null) {
    out.push(
      "",
      `memory per offloaded flow: agent ${mem.agentStructureBytesPerFlow.toFixed(0)} (its flow-table and fast-path arrays) + kernel ${mem.kernelBytesPerElement.toFixed(0)} ` +
        `(one set element measured alone: slab ${mem.kernelSlabBytesPerElement.toFixed(0)} + per-CPU counter ${mem.kernelPerCpuBytesPerElement.toFixed(0)}) = ${mem.totalBytesPerFlow.toFixed(0)} bytes`,
      `  live run, ${fmt(mem.flows)} active flows (${fmt(mem.installed)} offloaded): agent RSS ${(mem.rssBaselineBytes / 2 ** 20).toFixed(1)} -> ${(mem.rssLoadedBytes / 2 ** 20).toFixed(1)} MiB = ${mem.agentBytesPerFlow.toFixed(0)} bytes per flow ` +
        `(garbage V8 has not returned included); kernel, system-wide: ${mem.kernelBytesPerFlow.toFixed(0)} bytes per flow`,
      `  counter polls at ${fmt(mem.installed)} offloaded flows: ${mem.pollMs.toFixed(0)} ms each (mean of ${mem.polls}, over as many whole cycles), the agent and its nft processes at ${(mem.pollAgentCores * 100).toFixed(1)}% of a core meanwhile (no traffic)`,
      `  new flows meanwhile, runs of 10 s at 1,000 SYNs/s until a poll ended in one: p50 / p99 / p99.9 / max round trip, lost`,
      ...mem.duringPoll.runs.map(
        (run, i) =>
          `    run ${i + 1}${run.pollEnded ? " (a poll ended)" : ""}: ${[run.p50Us, run.p99Us, run.p999Us].map(histogramValue).join(" / ")} / ${fmt(run.maxUs)} us, ${fmt(run.lost)} of ${fmt(run.sent)} lost`,
      ),
      `  per preallocated slot (fresh agents): agent ${mem.agentBytesPerTableSlot.toFixed(1)} resident bytes per flow-table slot (the fast path's state included), ${mem.agentBytesPerFastPathSlot.toFixed(1)} per --fast-path-max-flows slot (untouched pages are not resident); kernel ${mem.kernelBytesPerFastPathSlot.toFixed(1)} per --fast-path-max-flows slot (sets grow, nothing is preallocated)`,
    );
  }
  out.push("", "targets:");
  for (const line of verdicts(r)) out.push(`  ${line}`);
  return out.join("\n") + "\n";
}

/**
 * The fast path against the hairpin with the returns counted in the kernel: a maximum that is
 * not generator-bound is a real one. Where both took everything the generator sent, the flood
 * (both CPU-bound if either is) decides by what each delivered.
 */
function capacityVerdict(fast: CapacitySummary, hairpin: CapacitySummary): string {
  const x = fast.maxPps / hairpin.maxPps;
  const label = `capacity, returns counted by nft: fast path ${ratio(x)} the hairpin's pps (target >= 1.0x)`;
  // Saturated (CPU 1 busy throughout), what each delivered under the flood is its capacity; the
  // lossless maximum also carries every stall of CPU 1 in its search.
  const flood = fast.floodDeliveredPps / hairpin.floodDeliveredPps;
  const byFlood = hairpin.floodLossFraction <= LOSS_OK ? "the hairpin took all of the flood" : `under the flood ${ratio(flood)}: ${flood >= 1 ? "met" : "MISSED"} by the flood`;
  let byMax: string;
  if (!hairpin.generatorBound) byMax = `${x >= 1 ? "met" : "MISSED"} by max${fast.generatorBound ? " (the fast path's a lower bound)" : ""}`;
  else if (!fast.generatorBound) byMax = `${x >= 1 ? "inconclusive" : "MISSED"} by max (the hairpin's a lower bound)`;
  else byMax = "both maxima lower bounds";
  return `${label}: ${byMax}; ${byFlood}`;
}

/** The slow path's target: this share of the bare reflector's pps. */
const SLOW_PATH_OF_REFLECTOR = 0.95;

/** The generator's histogram has 1 us buckets up to 100 ms, then one overflow bucket (gen.c). */
const HISTOGRAM_TOP_US = 100_000;

/** A percentile read from that histogram. */
function histogramValue(us: number): string {
  return us >= HISTOGRAM_TOP_US ? `>= ${fmt(HISTOGRAM_TOP_US)}` : fmt(us);
}

function verdicts(r: BenchResult): string[] {
  const lines: string[] = [];
  const met = (ok: boolean): string => (ok ? "met" : "MISSED");
  for (const c of r.configs) {
    const name = `${c.size} B, ${c.ports} ports`;
    const fast = c.targets.fast;
    const slow = c.targets.slow;
    const hairpin = c.targets.hairpin;
    const floor = c.targets.floor;
    if (fast !== undefined && hairpin !== undefined) {
      const x = fast.maxPps / hairpin.maxPps;
      // Both lower bounds: the ratio proves nothing either way unless the fast path's is the only bound.
      // When the generator bounds both, the CPU each spends per packet at one common rate decides:
      // with less CPU per packet, the fast path's CPU-bound maximum is the higher one.
      const cpu = fast.commonUsPerPacket / hairpin.commonUsPerPacket;
      const marginal = fast.commonMarginalUsPerPacket / hairpin.commonMarginalUsPerPacket;
      const further = Number.isFinite(marginal) ? `; per further packet ${ratio(marginal)}` : "";
      const byCpu = Number.isFinite(cpu) ? `${cpu <= 1 ? "met" : "MISSED"} by CPU per packet at a common rate (${ratio(cpu)} the hairpin's${further})` : "inconclusive";
      const verdict = x >= 1 && !hairpin.generatorBound ? "met" : hairpin.generatorBound && fast.generatorBound ? `both generator-bound: ${byCpu}` : x >= 1 ? "met (both at the generator's limit)" : "MISSED";
      lines.push(`${name}: fast path ${ratio(x)} the hairpin's pps (target >= 1.0x): ${verdict}`);
      if (fast.capacity !== null && hairpin.capacity !== null) lines.push(`${name}: ${capacityVerdict(fast.capacity, hairpin.capacity)}`);
      // The round trip ends when the generator's one thread, busy sending, gets round to the
      // return; the arrival stamp is the kernel's, as the return reaches the generator's side.
      const arrival = fast.arrivalP99Us >= 0 ? `, ${fast.arrivalP99Us} us to arrival: ${met(fast.arrivalP99Us < 1000)} to arrival` : "";
      lines.push(`${name}: fast path p99 at half rate (target < 1000 us): ${fast.p99Us} us round trip: ${met(fast.p99Us < 1000)} round trip${arrival}`);
      const cap = fast.capacity;
      if (cap !== null) lines.push(`${name}: fast path p99 at half its capacity, the generator receiving 1 in ${KEEP_ONE_IN} (target < 1000 us): ${cap.halfP99Us} us round trip, ${cap.halfArrivalP99Us} us to arrival: ${met(cap.halfP99Us < 1000)}`);
    }
    if (slow !== undefined && floor !== undefined) {
      // A share of the reflector's pps is at most its inverse in CPU per packet, both CPU-bound on one core.
      const byMax = slow.maxPps / floor.maxPps;
      const cpu = slow.commonUsPerPacket / floor.commonUsPerPacket;
      const cpuLimit = 1 / SLOW_PATH_OF_REFLECTOR;
      const atRate = Number.isFinite(cpu) ? `; at one rate (${fmt(slow.commonOfferedPps)} pps) ${ratio(cpu)} the reflector's CPU per packet (target <= ${ratio(cpuLimit)}): ${met(cpu <= cpuLimit)} by CPU per packet` : "";
      lines.push(`${name}: slow path ${ratio(byMax)} the bare reflector (target >= ${ratio(SLOW_PATH_OF_REFLECTOR)}): ${met(byMax >= SLOW_PATH_OF_REFLECTOR)} by max${atRate}`);
    }
    for (const [label, t] of [["fast path", fast], ["slow path", slow]] as const) {
      if (t === undefined || t.generatorBound) continue;
      const x = t.doubleDeliveredPps / t.maxPps;
      lines.push(`${name}: ${label} offered 2x its max delivers ${pct(x)} of it (target >= 80%): ${met(x >= 0.8)}`);
    }
    const few = r.configs.find((o) => o.size === c.size && o.ports < c.ports);
    if (few !== undefined) {
      for (const kind of ["fast", "slow"] as const) {
        const a = c.targets[kind];
        const b = few.targets[kind];
        if (a === undefined || b === undefined) continue;
        const x = a.maxPps / b.maxPps;
        const label = `${name}: ${TARGET_LABELS[kind]} at ${c.ports} ports ${ratio(x)} of ${few.ports} ports (target >= 0.8x)`;
        if (a.capacity && b.capacity) {
          const cx = a.capacity.maxPps / b.capacity.maxPps;
          const flood = a.capacity.floodDeliveredPps / b.capacity.floodDeliveredPps;
          const bound = a.capacity.generatorBound || b.capacity.generatorBound ? " (a lower bound among them)" : "";
          lines.push(`${name}: ${TARGET_LABELS[kind]}, capacity, at ${c.ports} ports ${ratio(cx)} of ${few.ports} ports${bound}, flood delivered ${ratio(flood)} (target >= 0.8x): ${met(cx >= 0.8)} by max, ${met(flood >= 0.8)} by the flood`);
        }
        if (!a.generatorBound || !b.generatorBound) {
          lines.push(`${label}: ${met(x >= 0.8)}${a.generatorBound || b.generatorBound ? " (one figure generator-bound)" : ""}`);
          continue;
        }
        // The generator itself is slower with more ports; bound by it at both counts, the figure
        // that speaks for the agent is how much of each count's own ceiling it delivered.
        const share = a.maxPps / c.ceilingPps / (b.maxPps / few.ceilingPps);
        lines.push(
          `${label}: both generator-bound: ${pct(a.maxPps / c.ceilingPps)} of the generator's ceiling at ${c.ports} ports, ${pct(b.maxPps / few.ceilingPps)} at ${few.ports} (${ratio(share)}): ${met(share >= 0.8)} by share of the ceiling`,
        );
      }
    }
  }
  for (const [ports, byRun] of Object.entries(r.newFlows)) {
    for (const [label, n] of Object.entries(byRun)) {
      if (n.factor !== 2) continue;
      const x = n.deliveredPps / n.maxPps;
      lines.push(`new flows, ${ports} ports, ${label}: ${pct(x)} of its max delivered when offered twice it (target >= 80%): ${met(x >= 0.8)}`);
    }
  }
  const mem = r.memory;
  if (mem !== null) lines.push(`memory: ${mem.totalBytesPerFlow.toFixed(0)} bytes per active flow, agent and kernel (target < 300): ${met(mem.totalBytesPerFlow < 300)}`);
  return lines;
}
