// The benchmark's runs beyond throughput: new flows per second (each flow a few packets) and
// memory per active flow, the agent's resident memory and the kernel's table together.

import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { AgentProcess } from "./agent-process";
import { lossFraction } from "./generator";
import { LOSS_OK, Measurer, searchRate } from "./search";
import { TargetContext, agentArgs, startAgent, stopAgent } from "./targets";
import { dataTemplates, newFlowTemplates, synTemplates, writeTemplates } from "./templates";
import { renderFlowSet } from "../src/control/fast-path-ruleset";
import { DataPlaneCounters } from "../src/dataplane/counters";
import { FastPath } from "../src/dataplane/fast-path";
import { FlowTable } from "../src/dataplane/flow-table";
import { inNamespace } from "./netns";
import { median, processAndChildrenCpuSeconds, residentBytes, run, sleep, tryRun } from "./sys";

export const PACKETS_PER_NEW_FLOW = 3;
export const NEW_FLOWS = 50_000;

export interface NewFlowsResult {
  offeredPps: number;
  offeredFlowsPerSecond: number;
  deliveredPps: number;
  decidedPerSecond: number;
  installedPerSecond: number;
  created: number;
  installed: number;
  lossFraction: number;
  usPerPacket: number;
  /** Where the loss happened: full input backlogs (any CPU) and the agent's full socket buffer. */
  backlogDrops: number;
  receiveBufferDrops: number;
}

/**
 * Kernel memory nftables set elements come from, system-wide, in bytes, from one read of
 * /proc/meminfo: unreclaimable slab (the elements) and per-CPU allocations (their counters).
 */
function kernelMemory(): { slab: number; perCpu: number } {
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const bytes = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(meminfo)?.[1] ?? NaN) * 1024;
  return { slab: bytes("SUnreclaim"), perCpu: bytes("Percpu") };
}

/** Those two together. */
export function kernelElementMemoryBytes(): number {
  const { slab, perCpu } = kernelMemory();
  return slab + perCpu;
}

/** An element's counter (struct nft_counter: bytes and packets, 64 bits each) on every possible CPU. */
function perCpuCounterBytes(): number {
  const possible = readFileSync("/sys/devices/system/cpu/possible", "utf8").trim();
  const cpus = possible.split(",").reduce((sum, range) => {
    const [first, last] = range.split("-").map(Number);
    return sum + (last === undefined ? 1 : last - first + 1);
  }, 0);
  return 16 * cpus;
}

/** Sum of the typed arrays an object owns. */
function typedArrayBytes(owner: object): number {
  return Object.values(owner).reduce((sum: number, value) => sum + (ArrayBuffer.isView(value) ? value.byteLength : 0), 0);
}

/**
 * The agent's own bytes per offloaded flow, summed from the typed arrays it allocates up front
 * (a flow-table slot and a fast-path slot): what a live flow occupies, garbage aside.
 */
export function agentStructureBytes(): { tableSlot: number; fastPathSlot: number } {
  const slots = 65_536;
  const table = new FlowTable({ maxFlows: slots, tcpIdleTimeoutMs: 1000, otherIdleTimeoutMs: 1000 });
  const fastPath = new FastPath(
    { nft: "nft", setSize: slots, banks: 1, pollMs: 1000, tcpIdleTimeoutSeconds: 1, otherIdleTimeoutSeconds: 1, timeoutRefresh: "poll" },
    table,
    new DataPlaneCounters(),
    () => undefined,
    () => undefined,
  );
  // The fast path's per-slot state, and the presence bytes it keeps in an object of their own.
  const fastPathBytes = typedArrayBytes(fastPath.flows) + typedArrayBytes(fastPath.flows.presence);
  return { tableSlot: typedArrayBytes(table) / slots, fastPathSlot: fastPathBytes / slots };
}

/**
 * Kernel bytes per element of the agent's IPv4 TCP allow set, measured alone in the agent's
 * namespace: `elements` elements added to a scratch table in one transaction, the system-wide
 * slab and per-CPU deltas read, the table deleted; the median of `rounds` for each. The per-CPU
 * allocator reuses the chunks an earlier round (or the live run) freed, so its line often does
 * not move: the per-CPU part is at least the counter's own size on every possible CPU. The
 * live-flow run's own system-wide delta is reported beside it, but other kernel activity moves that one.
 */
export async function measureKernelElementBytes(ns: string | null, scratch: string, elements = 50_000, rounds = 5): Promise<{ slab: number; perCpu: number }> {
  const table = "gwlbbench_memory";
  const file = path.join(scratch, "memory-elements.nft");
  const lines = [`table netdev ${table} {`, `  ${renderFlowSet(0, 0, elements * 2)}`, "}"];
  const batch: string[] = [];
  for (let i = 0; i < elements; i++) batch.push(`0x${(0x0a000000 + i).toString(16)} . 0xcb007101 . 0x01bb . 0x9c40 timeout 300s`);
  lines.push(`add element netdev ${table} a4t_0 { ${batch.join(", ")} }`);
  writeFileSync(file, lines.join("\n") + "\n");
  const slab: number[] = [];
  const perCpu: number[] = [];
  const nft = (...args: string[]): string[] => inNamespace(ns, "nft", args).flat();
  for (let round = 0; round < rounds; round++) {
    const [deleteCommand, ...deleteArgs] = nft("delete", "table", "netdev", table);
    tryRun(deleteCommand, deleteArgs);
    await sleep(500);
    const before = kernelMemory();
    const [command, ...args] = nft("-f", file);
    run(command, args, 120_000);
    await sleep(500);
    const after = kernelMemory();
    slab.push((after.slab - before.slab) / elements);
    perCpu.push((after.perCpu - before.perCpu) / elements);
    tryRun(deleteCommand, deleteArgs);
  }
  return { slab: median(slab), perCpu: Math.max(median(perCpu), perCpuCounterBytes()) };
}

/** Poll cycles (a poll and the wait after it) the polling cost is measured over. */
const POLL_CYCLES = 2;

/** Waits (bounded) until the agent has polled its kernel counters `count` times in all. */
async function waitForPolls(agent: AgentProcess, count: number, limitMs: number): Promise<void> {
  for (let waited = 0; waited < limitMs; waited += 500) {
    if ((await agent.metric("gwlb_agent_fast_path_polls_total")) >= count) return;
    await sleep(500);
  }
}

/** Runs of PROBE_SECONDS of new flows (one SYN each) at PROBE_RATE, until one of them saw a poll end; at most PROBE_RUNS. */
const PROBE_RATE = 1000;
const PROBE_SECONDS = 10;
const PROBE_RUNS = 12;

/** One probe run: its round trips, and whether a poll ended during it. */
export interface ProbeRun {
  sent: number;
  lost: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  pollEnded: boolean;
}

/** How new flows fared while the agent polled a full table, run by run. */
export interface DuringPollResult {
  runs: ProbeRun[];
}

/**
 * New flows answered by the slow path while the agent polls a full table's counters: a poll that
 * held the event loop would show here as the worst round trips. Starts right after a poll ended
 * (the next is 20x its length away), so the runs cover a whole poll.
 */
async function probeDuringPoll(agent: AgentProcess, m: Measurer, ctx: TargetContext, firstClient: number, sockets: number, scratch: string): Promise<DuringPollResult> {
  const file = path.join(scratch, "memory-probe.bin");
  const polls0 = await agent.metric("gwlb_agent_fast_path_polls_total");
  const runs: ProbeRun[] = [];
  const count = PROBE_RATE * PROBE_SECONDS;
  let polls = polls0;
  while (runs.length < PROBE_RUNS && polls === polls0) {
    writeTemplates(file, synTemplates(count, sockets, firstClient + runs.length * count));
    const { result } = await m.measure(ctx.agentPath, { templates: file, sockets, rate: PROBE_RATE, seconds: PROBE_SECONDS + 2, once: true, drainMs: 1000 }, agent.pid);
    polls = await agent.metric("gwlb_agent_fast_path_polls_total");
    const { sent, lost, p50Us, p99Us, p999Us, maxUs } = result;
    runs.push({ sent, lost, p50Us, p99Us, p999Us, maxUs, pollEnded: polls !== polls0 });
  }
  return { runs };
}

/** Waits (bounded) until a gauge stops moving; returns its last value. */
async function settled(agent: AgentProcess, metric: string, limitMs: number): Promise<number> {
  let last = await agent.metric(metric);
  for (let waited = 0; waited < limitMs; waited += 500) {
    await sleep(500);
    const now = await agent.metric(metric);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/**
 * A fresh agent, its return sockets opened by the long-lived flows, then NEW_FLOWS new flows of
 * PACKETS_PER_NEW_FLOW packets each, offered at `rate` packets per second (every packet of a
 * new flow goes to the agent: it arrives before the flow is installed).
 */
export async function measureNewFlows(ctx: TargetContext, m: Measurer, kind: "fast" | "slow", sockets: number, rate: number, scratch: string, extraArgs: readonly string[] = []): Promise<NewFlowsResult> {
  const warm = path.join(scratch, `warm-${sockets}.bin`);
  writeTemplates(warm, dataTemplates({ innerLength: 64, flows: sockets, sockets }));
  const fresh = path.join(scratch, `new-${sockets}.bin`);
  // About 4 s of sending at `rate`, at most NEW_FLOWS flows.
  const flows = Math.max(100, Math.min(NEW_FLOWS, Math.round((rate * 4) / PACKETS_PER_NEW_FLOW)));
  writeTemplates(fresh, newFlowTemplates(flows, PACKETS_PER_NEW_FLOW, sockets));
  const agent = await startAgent(ctx, kind, extraArgs);
  try {
    await m.measure(ctx.agentPath, { templates: warm, sockets, rate: 10_000, seconds: Math.ceil(sockets / 10_000) + 1, once: true, drainMs: 1000 }, agent.pid);
    const created0 = await agent.metric("gwlb_agent_flows_created_total");
    const installed0 = await agent.metric("gwlb_agent_fast_path_flows");
    const total = flows * PACKETS_PER_NEW_FLOW;
    const run = await m.measure(ctx.agentPath, { templates: fresh, sockets, rate, seconds: Math.ceil(total / rate) + 2, once: true, drainMs: 1000 }, agent.pid);
    const created = (await agent.metric("gwlb_agent_flows_created_total")) - created0;
    const installed = kind === "fast" ? (await settled(agent, "gwlb_agent_fast_path_flows", 5000)) - installed0 : 0;
    const seconds = run.result.sendSeconds;
    return {
      offeredPps: run.result.sendPps,
      offeredFlowsPerSecond: run.result.sendPps / PACKETS_PER_NEW_FLOW,
      deliveredPps: run.result.deliveredPps,
      decidedPerSecond: created / seconds,
      installedPerSecond: installed / seconds,
      created,
      installed,
      lossFraction: lossFraction(run.result),
      usPerPacket: run.applianceUsPerPacket,
      backlogDrops: run.backlogDrops,
      receiveBufferDrops: run.receiveBufferDrops,
    };
  } finally {
    await stopAgent(ctx, agent);
  }
}

/**
 * The highest rate of new flows (as pps, PACKETS_PER_NEW_FLOW packets a flow) an agent of `kind`
 * keeps up with (loss <= LOSS_OK): from `start`, up by 1.25x while runs keep up or down by 0.8x
 * until one does, then a geometric bisection to within 5%. Each probe is a fresh agent with
 * flows it has never seen.
 */
export async function newFlowMax(ctx: TargetContext, m: Measurer, kind: "fast" | "slow", sockets: number, start: number, scratch: string): Promise<{ pps: number; probes: Array<{ rate: number; loss: number }> }> {
  const probes: Array<{ rate: number; loss: number }> = [];
  const keepsUp = async (rate: number): Promise<boolean> => {
    const r = await measureNewFlows(ctx, m, kind, sockets, rate, scratch);
    probes.push({ rate: Math.round(rate), loss: r.lossFraction });
    return r.lossFraction <= LOSS_OK;
  };
  const pass = await searchRate(start, keepsUp, { climb: 1.25, climbs: 8, ceiling: Infinity, descend: 0.8, descents: 8, floor: 0, within: 1.05, bisections: 4 });
  // Never 0, which the generator takes as "as fast as it can": then the lowest rate tried.
  return { pps: pass > 0 ? pass : Math.min(...probes.map((p) => p.rate)), probes };
}

export interface MemoryResult {
  flows: number;
  installed: number;
  /** Per live flow in the live run: the agent's RSS delta and the kernel's system-wide delta. */
  agentBytesPerFlow: number;
  kernelBytesPerFlow: number;
  /** The agent's arrays per offloaded flow (a flow-table and a fast-path slot). */
  agentStructureBytesPerFlow: number;
  /** Kernel bytes per set element measured alone (slab + per-CPU); a flow is one. */
  kernelBytesPerElement: number;
  kernelSlabBytesPerElement: number;
  kernelPerCpuBytesPerElement: number;
  /** agentStructureBytesPerFlow + kernelBytesPerElement. */
  totalBytesPerFlow: number;
  /** Counter polls watched at this table size, their mean wall time, and the CPU (cores) of the agent and its nft processes meanwhile, no traffic. */
  polls: number;
  pollMs: number;
  pollAgentCores: number;
  /** New flows through the slow path meanwhile. */
  duringPoll: DuringPollResult;
  rssBaselineBytes: number;
  rssLoadedBytes: number;
  /** From three fresh agents: resident bytes per flow-table slot and per fast-path slot, and kernel bytes per fast-path slot. */
  agentBytesPerTableSlot: number;
  agentBytesPerFastPathSlot: number;
  kernelBytesPerFastPathSlot: number;
}

/** Resident bytes of a fresh agent right after start with the given table sizes, and the kernel's unreclaimable slab then. */
async function startFootprint(ctx: TargetContext, maxFlows: number, fastPathSlots: number): Promise<{ rss: number; kernel: number }> {
  const kernel0 = kernelElementMemoryBytes();
  const agent = await AgentProcess.start({
    bundle: ctx.bundle,
    dir: ctx.dir,
    path: ctx.agentPath,
    workers: 1,
    cpus: ctx.cpus,
    extraArgs: ["--fast-path", "nft", "--max-flows", String(maxFlows), "--fast-path-max-flows", String(fastPathSlots)],
  });
  try {
    await sleep(1500);
    return { rss: residentBytes(agent.pid)!, kernel: kernelElementMemoryBytes() - kernel0 };
  } finally {
    await stopAgent(ctx, agent);
  }
}

/**
 * A fresh agent with the fast path (1 worker), warmed up on 256 flows; then `flows` distinct TCP
 * SYNs, each a flow decided and offloaded. Agent bytes per flow = RSS delta / flows created;
 * kernel bytes per flow = unreclaimable slab delta / flows installed (system-wide, so other
 * kernel activity in the window counts too).
 */
export async function measureMemory(ctx: TargetContext, m: Measurer, flows: number, sockets: number, rate: number, scratch: string): Promise<MemoryResult> {
  const warm = path.join(scratch, "memory-warm.bin");
  writeTemplates(warm, dataTemplates({ innerLength: 64, flows: 256, sockets }));
  const syns = path.join(scratch, "memory-syn.bin");
  writeTemplates(syns, synTemplates(flows, sockets));
  const agent = await AgentProcess.start({ bundle: ctx.bundle, dir: ctx.dir, path: ctx.agentPath, workers: 1, cpus: ctx.cpus, extraArgs: agentArgs("fast") });
  let result: Omit<
    MemoryResult,
    "agentBytesPerTableSlot" | "agentBytesPerFastPathSlot" | "kernelBytesPerFastPathSlot" | "agentStructureBytesPerFlow" | "kernelBytesPerElement" | "kernelSlabBytesPerElement" | "kernelPerCpuBytesPerElement" | "totalBytesPerFlow"
  >;
  try {
    await m.measure(ctx.agentPath, { templates: warm, sockets, rate: 5000, seconds: 3 }, agent.pid);
    await sleep(1000);
    const active0 = await agent.metric("gwlb_agent_active_flows");
    const installed0 = await agent.metric("gwlb_agent_fast_path_flows");
    const rss0 = residentBytes(agent.pid)!;
    const kernel0 = kernelElementMemoryBytes();
    await m.measure(ctx.agentPath, { templates: syns, sockets, rate, seconds: Math.ceil(flows / rate) + 5, once: true, drainMs: 1000 }, agent.pid);
    const installed = (await settled(agent, "gwlb_agent_fast_path_flows", 10_000)) - installed0;
    await sleep(2000);
    // The counter polls at this table size (the agent spaces them by 20x their length), over whole
    // cycles: from the end of one poll to the end of the POLL_CYCLES-th after it. A window that
    // began just before a poll would count one poll more than it has cycles.
    await waitForPolls(agent, (await agent.metric("gwlb_agent_fast_path_polls_total")) + 1, 180_000);
    const polls0 = await agent.metric("gwlb_agent_fast_path_polls_total");
    const pollSeconds0 = await agent.metric("gwlb_agent_fast_path_poll_seconds_total");
    const cpu0 = processAndChildrenCpuSeconds(agent.pid)!;
    const pollWindow = Date.now();
    await waitForPolls(agent, polls0 + POLL_CYCLES, POLL_CYCLES * 180_000);
    const polls = (await agent.metric("gwlb_agent_fast_path_polls_total")) - polls0;
    const pollMs = (((await agent.metric("gwlb_agent_fast_path_poll_seconds_total")) - pollSeconds0) * 1000) / Math.max(1, polls);
    const pollAgentCores = (processAndChildrenCpuSeconds(agent.pid)! - cpu0) / ((Date.now() - pollWindow) / 1000);
    const created = (await agent.metric("gwlb_agent_active_flows")) - active0;
    const rss1 = residentBytes(agent.pid)!;
    const kernel1 = kernelElementMemoryBytes();
    const agentPer = (rss1 - rss0) / created;
    const kernelPer = (kernel1 - kernel0) / Math.max(1, installed);
    const duringPoll = await probeDuringPoll(agent, m, ctx, flows, sockets, scratch);
    result = { flows: created, installed, agentBytesPerFlow: agentPer, kernelBytesPerFlow: kernelPer, rssBaselineBytes: rss0, rssLoadedBytes: rss1, polls, pollMs, pollAgentCores, duringPoll };
  } finally {
    await stopAgent(ctx, agent);
  }
  const base = await startFootprint(ctx, 100_000, 65_536);
  const bigTable = await startFootprint(ctx, 500_000, 65_536);
  const bigFast = await startFootprint(ctx, 100_000, 262_144);
  const structures = agentStructureBytes();
  const agentStructureBytesPerFlow = structures.tableSlot + structures.fastPathSlot;
  const element = await measureKernelElementBytes(ctx.agentPath.applianceNs, scratch);
  const kernelBytesPerElement = element.slab + element.perCpu;
  return {
    ...result,
    agentStructureBytesPerFlow,
    kernelBytesPerElement,
    kernelSlabBytesPerElement: element.slab,
    kernelPerCpuBytesPerElement: element.perCpu,
    totalBytesPerFlow: agentStructureBytesPerFlow + kernelBytesPerElement,
    agentBytesPerTableSlot: (bigTable.rss - base.rss) / 400_000,
    agentBytesPerFastPathSlot: (bigFast.rss - base.rss) / (262_144 - 65_536),
    kernelBytesPerFastPathSlot: (bigFast.kernel - base.kernel) / (262_144 - 65_536),
  };
}
