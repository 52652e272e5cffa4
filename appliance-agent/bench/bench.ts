// `npm run bench [-- options]`: the appliance agent's benchmark (a command, not a test).
//
// In one run, for each inner packet size and each GWLB source-port count, side by side under the
// same generator: the generator's own ceiling, the seed's kernel hairpin (iptables), the agent
// with the kernel fast path, the agent without it and a bare Node.js reflector: each one's
// maximum, loss and latency at half of it, what it delivers when offered twice it, and the
// appliance CPU per packet; then new flows per second and memory per active flow. Needs root
// (namespaces). See the README's Benchmark section.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NOFILE_LIMIT, buildBundle } from "./agent-process";
import { CpuIsolation } from "./cpu-isolation";
import { Generator, GeneratorKind, compileCHelper, lossFraction } from "./generator";
import { AGENT_PATH, BenchNetwork, BenchPath, REFLECTOR_PATH, SELF_PATH } from "./netns";
import { HELP, Options, parseOptions } from "./options";
import { report, BenchResult, CapacityRun, CapacitySummary, ConfigResult, LossOnset, NewFlowsRun, TargetRun } from "./report";
import { ReturnSink } from "./return-sink";
import { GENERATOR_CPU, APPLIANCE_CPU, Measured, Measurer } from "./search";
import { measureMemory, measureNewFlows, newFlowMax } from "./scenarios";
import { MachineFacts, killChildren, machineFacts, median, pinSelf, run, setNetdevMaxBacklog, tryRun, which } from "./sys";
import { TARGET_KINDS, TargetContext, TargetKind, startTarget } from "./targets";
import { dataTemplates, writeTemplates } from "./templates";
import { WorkersResult, measureWorkers } from "./workers";
import { NODE24_VERSION, node24Binary } from "../node24";

/** The rate at which the agent without the fast path and the reflector are compared: below either one's maximum here (39,000-120,000 pps in run 5). */
const SOCKET_PATHS_COMMON_PPS = 15_000;
/**
 * Runs at twice the maximum in each round, the round keeping the median one: on this host one 2-s
 * run's delivery differed from the next identical one's by up to a third (0.69x and 0.95x of the
 * max, back to back), more than the target's margin.
 */
const DOUBLE_RUNS = 3;
/** Descriptors a process needs besides one socket per GWLB source port (stdio, listeners, pipes, epoll). */
const DESCRIPTOR_MARGIN = 100;
const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** A tool the benchmark needs (nft for the agent's fast path, ethtool for the capacity runs), installed when missing. */
function ensureTool(name: string, debianPackage: string, install: boolean, notes: string[]): void {
  if (which(name) !== null) return;
  if (!install || which("apt-get") === null) throw new Error(`${name} is not installed: apt-get install -y ${debianPackage}`);
  log(`${name} is missing; installing it: apt-get install -y ${debianPackage}`);
  if (!tryRun("apt-get", ["install", "-y", debianPackage], 300_000)) {
    tryRun("apt-get", ["update"], 300_000);
    run("apt-get", ["install", "-y", debianPackage], 300_000);
  }
  notes.push(`${debianPackage} was installed by this run (apt-get install -y ${debianPackage})`);
}

class Bench {
  private readonly scratch = mkdtempSync(path.join(os.tmpdir(), "gwlbbench-"));
  private readonly network = new BenchNetwork();
  private readonly notes: string[] = [];
  private m!: Measurer;
  private ctx!: TargetContext;
  private facts!: MachineFacts;
  /** The machine's netdev_max_backlog while --netdev-backlog holds another. */
  private savedBacklog: string | null = null;
  private readonly isolation = new CpuIsolation();

  constructor(private readonly o: Options) {}

  cleanup(): void {
    killChildren();
    this.isolation.restore();
    if (this.savedBacklog !== null) {
      setNetdevMaxBacklog(this.savedBacklog);
      this.savedBacklog = null;
    }
    this.network.destroy();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  async main(): Promise<void> {
    const started = Date.now();
    if (this.o.netdevBacklog !== null) this.savedBacklog = setNetdevMaxBacklog(String(this.o.netdevBacklog));
    this.facts = machineFacts();
    log(`machine: ${this.facts.cpus} CPUs, Node ${this.facts.node}, Linux ${this.facts.kernel}, load ${this.facts.loadAverage.join(" ")}`);
    if (this.facts.cpus < 2) throw new Error("needs 2 CPUs: one for the generator, one for the appliance");
    if (!pinSelf(GENERATOR_CPU)) this.notes.push("taskset is missing: the benchmark's own process is not pinned to the generator's CPU");
    if (this.o.isolateApplianceCpu) {
      const moved = this.isolation.isolate(APPLIANCE_CPU);
      this.notes.push(moved ?? `nothing could be moved off CPU ${APPLIANCE_CPU}: the machine's other tasks may run on the appliance's CPU`);
    } else this.notes.push(`--share-appliance-cpu: the machine's other tasks and interrupts may run on the appliance's CPU (${APPLIANCE_CPU})`);
    const built = compileCHelper(this.scratch);
    const kind: GeneratorKind = this.o.generator === "auto" ? (built.binary !== null ? "c" : "node") : this.o.generator;
    if (kind === "c" && built.binary === null) throw new Error(built.note);
    this.notes.push(kind === "c" ? built.note : "Node.js generator: far below the hairpin's rate; hairpin and fast-path figures are the generator's");
    this.m = new Measurer(new Generator(kind, built.binary), GENERATOR_CPU);

    ensureTool("nft", "nftables", this.o.install, this.notes);
    if (this.o.capacity) ensureTool("ethtool", "ethtool", this.o.install, this.notes);
    const status = this.network.create({ installIptables: this.o.install, cpus: this.facts.cpus });
    this.notes.push(...status.notes);
    if (!status.namespaces || !status.hairpin) throw new Error(`namespaces and the hairpin are required: ${status.notes.join("; ")}`);
    if (this.o.capacity && !(status.segmentsBeforeDevice && status.returnsOwnRing)) throw new Error(`capacity runs need UDP segmentation offload off on the generator's devices and the returns on a ring of their own (or --no-capacity): ${status.notes.join("; ")}`);

    log("building the agent bundle from the current sources");
    const { bundle, sha256 } = await buildBundle(this.scratch);
    const pinned = this.o.agentWorkers === 1;
    this.ctx = { bundle, dir: this.scratch, agentPath: AGENT_PATH, reflectorPath: REFLECTOR_PATH, workers: this.o.agentWorkers, cpus: pinned ? String(APPLIANCE_CPU) : null };

    // One return socket per GWLB source port in the agent and the reflector, one send socket per
    // port in the generator: a hard descriptor limit this process cannot raise caps the ports.
    const portCap = NOFILE_LIMIT - DESCRIPTOR_MARGIN;
    for (const [i, ports] of this.o.ports.entries()) {
      if (ports <= portCap) continue;
      this.notes.push(`${ports} GWLB source ports need more descriptors than the hard limit here (${NOFILE_LIMIT}, not raisable without CAP_SYS_RESOURCE): measured with ${portCap}`);
      this.o.ports[i] = portCap;
    }
    const configs: ConfigResult[] = [];
    if (this.o.throughput) for (const ports of this.o.ports) for (const size of this.o.sizes) configs.push(await this.measureConfig(size, ports));
    const workers = this.o.workers ? await this.measureWorkers() : [];
    const newFlows: Record<string, Record<string, NewFlowsRun>> = {};
    if (this.o.newFlows) {
      for (const ports of this.o.ports) {
        const slowLongLived = configs.find((c) => c.ports === ports && c.size === this.o.sizes[0])?.targets.slow?.maxPps ?? 20_000;
        // With the fast path on, each packet of a new flow also misses in the ingress chain and each
        // return is learned in the egress chain: each kind's maximum for new flows is its own.
        log(`new flows: each one's maximum, ${ports} ports, searched from the slow path's for long-lived flows (${Math.round(slowLongLived)} pps)`);
        const fastMax = (await newFlowMax(this.ctx, this.m, "fast", ports, slowLongLived, this.scratch)).pps;
        const slowMax = (await newFlowMax(this.ctx, this.m, "slow", ports, slowLongLived, this.scratch)).pps;
        const limit = ["--slow-path-max-pps", String(Math.round(fastMax))];
        // At each one's max, then a flood of new flows at twice it; with the fast path also with the kernel's limit at its max.
        const runs: Array<[string, "fast" | "slow", number, number, string[]]> = [
          ["fast", "fast", fastMax, 1, []],
          ["slow", "slow", slowMax, 1, []],
          ["fast 2x", "fast", fastMax, 2, []],
          ["fast 2x, limit", "fast", fastMax, 2, limit],
          ["slow 2x", "slow", slowMax, 2, []],
        ];
        newFlows[String(ports)] = {};
        for (const [label, k, max, factor, extra] of runs) {
          log(`new flows: ${label}, ${ports} ports, offered at ${factor}x its max (${Math.round(factor * max)} pps) ${extra.join(" ")}`);
          newFlows[String(ports)][label] = { ...(await measureNewFlows(this.ctx, this.m, k, ports, factor * max, this.scratch, extra)), maxPps: max, factor };
        }
      }
    }
    let memory = null;
    if (this.o.memory) {
      log(`memory: ${this.o.memoryFlows} active flows, agent with the fast path`);
      memory = await measureMemory(this.ctx, this.m, this.o.memoryFlows, this.o.ports[0], 20_000, this.scratch);
    }
    const result = {
      machine: this.facts,
      options: this.o,
      bundleSha256: sha256,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
      minutes: (Date.now() - started) / 60_000,
      notes: [...this.notes, ...this.m.notes],
      configs,
      workers,
      newFlows,
      memory,
      returnsReceivedOn: "sending CPU" as const,
    };
    process.stdout.write(report(result));
    if (this.o.json !== null) writeFileSync(this.o.json, JSON.stringify(result, null, 2) + "\n");
  }

  /** The worker figures on Node.js 24 (workers.ts), 64 B (the first size), each port count. */
  private async measureWorkers(): Promise<WorkersResult[]> {
    let node24: string;
    try {
      node24 = await node24Binary();
    } catch (error) {
      this.notes.push(`worker figures skipped: no Node.js ${NODE24_VERSION} from the npm registry (${(error as Error).message.split("\n")[0]})`);
      return [];
    }
    const results: WorkersResult[] = [];
    const size = this.o.sizes[0];
    for (const ports of this.o.ports) {
      const flows = Math.max(this.o.flows, ports);
      const templates = path.join(this.scratch, `workers-${size}-${ports}.bin`);
      writeTemplates(templates, dataTemplates({ innerLength: size, flows, sockets: ports }));
      results.push(await measureWorkers(this.ctx, this.m, node24, templates, size, ports, flows, this.o.rounds, this.o.durationSeconds, log));
    }
    return results;
  }

  /** One configuration: every target in every round (order alternating), medians. */
  private async measureConfig(size: number, ports: number): Promise<ConfigResult> {
    const flows = Math.max(this.o.flows, ports);
    const templates = path.join(this.scratch, `data-${size}-${ports}.bin`);
    writeTemplates(templates, dataTemplates({ innerLength: size, flows, sockets: ports }));
    const seconds = this.o.durationSeconds;
    const ceiling: number[] = [];
    const runs: Partial<Record<TargetKind, TargetRun[]>> = {};
    for (let round = 0; round < this.o.rounds; round++) {
      ceiling.push((await this.m.measure(SELF_PATH, { templates, sockets: ports, rate: 0, seconds }, null)).result.deliveredPps);
      // Alternate the order so that drift on a shared machine favours no one.
      const order = round % 2 === 0 ? TARGET_KINDS : [...TARGET_KINDS].reverse();
      for (const kind of order) {
        log(`${size} B, ${ports} ports, ${flows} flows, round ${round + 1}/${this.o.rounds}: ${kind}`);
        const target = await startTarget(this.ctx, kind);
        try {
          // Every flow seen once (flows decided and installed, return sockets bound, JIT warm).
          await this.m.measure(target.path, { templates, sockets: ports, rate: 10_000, seconds: Math.ceil(flows / 10_000) + 1, once: true, drainMs: 1000 }, target.pid);
          const agentIn0 = target.agent === null ? NaN : await target.agent.metric("gwlb_agent_packets_in_total");
          const max = await this.m.maxRate(target.path, templates, ports, seconds, target.pid);
          const agentIn = target.agent === null ? NaN : (await target.agent.metric("gwlb_agent_packets_in_total")) - agentIn0;
          const offered = max.probes.reduce((sum, p) => sum + p.offered * seconds, 0);
          const half = await this.m.measure(target.path, { templates, sockets: ports, rate: Math.max(100, max.pps / 2), seconds }, target.pid);
          // Twice the maximum; where the maximum is generator-bound, the generator cannot offer that, and floods instead.
          const doubles: Measured[] = [];
          for (let i = 0; i < DOUBLE_RUNS; i++) doubles.push(await this.m.measure(target.path, { templates, sockets: ports, rate: max.generatorBound ? 0 : 2 * max.pps, seconds }, target.pid));
          // Each pair compared also at one rate both can take, for their CPU per packet side by side
          // (a maximum carries every stall of the machine in its search): the two kernel paths at
          // half the round's ceiling, the agent without the fast path and the reflector at a fixed rate.
          const kernelPath = kind === "hairpin" || kind === "fast";
          const commonRate = kernelPath ? ceiling[round] / 2 : SOCKET_PATHS_COMMON_PPS;
          const common = await this.m.measure(target.path, { templates, sockets: ports, rate: commonRate, seconds }, target.pid);
          const commonHalf = await this.m.measure(target.path, { templates, sockets: ports, rate: commonRate / 2, seconds }, target.pid);
          const capacity = kernelPath && this.o.capacity ? await this.capacity(target.path, templates, ports, target.pid) : null;
          (runs[kind] ??= []).push({ max, half, doubles, agentShare: agentIn / offered, common, commonHalf, capacity });
        } finally {
          await target.stop();
        }
      }
    }
    const summaries: ConfigResult["targets"] = {};
    for (const kind of TARGET_KINDS) {
      const r = runs[kind];
      if (r === undefined) continue;
      summaries[kind] = {
        maxPps: median(r.map((x) => x.max.pps)),
        maxRounds: r.map((x) => Math.round(x.max.pps)),
        generatorBound: r.some((x) => x.max.generatorBound),
        usPerPacket: median(r.map((x) => x.max.best?.applianceUsPerPacket ?? NaN)),
        cpuAppliance: median(r.map((x) => x.max.best?.cpuAppliance ?? NaN)),
        processCores: median(r.map((x) => x.max.best?.agentCores ?? NaN)),
        halfOfferedPps: median(r.map((x) => x.half.result.sendPps)),
        halfLost: Math.max(...r.map((x) => x.half.result.lost)),
        halfLossFraction: median(r.map((x) => x.half.result.lost / Math.max(1, x.half.result.sent))),
        p50Us: median(r.map((x) => x.half.result.p50Us)),
        p99Us: median(r.map((x) => x.half.result.p99Us)),
        arrivalP50Us: median(r.map((x) => x.half.result.arrivalP50Us)),
        arrivalP99Us: median(r.map((x) => x.half.result.arrivalP99Us)),
        doubleOfferedPps: median(r.map((x) => medianRun(x.doubles).result.sendPps)),
        doubleDeliveredPps: median(r.map((x) => medianRun(x.doubles).result.deliveredPps)),
        doubleRounds: r.map((x) => x.doubles.map((d) => Math.round(d.result.deliveredPps))),
        floodOfferedPps: median(r.map((x) => x.max.flood.result.sendPps)),
        floodDeliveredPps: median(r.map((x) => x.max.flood.result.deliveredPps)),
        agentShare: median(r.map((x) => x.agentShare)),
        commonOfferedPps: median(r.map((x) => x.common.result.sendPps)),
        commonUsPerPacket: median(r.map((x) => x.common.applianceUsPerPacket)),
        commonLossFraction: median(r.map((x) => lossFraction(x.common.result))),
        commonMarginalUsPerPacket: median(r.map((x) => marginalUsPerPacket(x.commonHalf, x.common))),
        probes: r.map((x) => x.max.probes),
        capacity: r.every((x) => x.capacity !== null) ? capacitySummary(r.map((x) => x.capacity!)) : null,
      };
    }
    for (const [kind, t] of Object.entries(summaries)) {
      log(`${size} B, ${ports} ports: ${kind} max ${Math.round(t.maxPps)}${t.generatorBound ? " (generator-bound)" : ""}, ${t.usPerPacket.toFixed(2)} us/packet, half-rate p99 ${t.p99Us} us, through the agent ${(t.agentShare * 100).toFixed(2)}%, 2x -> ${Math.round(t.doubleDeliveredPps)}; probes ${JSON.stringify(t.probes)}`);
    }
    return { size, ports, flows, ceilingPps: median(ceiling), targets: summaries };
  }

  /** The maximum with the returns counted in the kernel at the generator's side (return-sink.ts), and latency at half of it. */
  private async capacity(at: BenchPath, templates: string, sockets: number, pid: number | null): Promise<CapacityRun> {
    const sink = new ReturnSink(at);
    sink.install();
    try {
      const seconds = this.o.durationSeconds;
      const max = await this.m.maxRate(at, templates, sockets, seconds, pid, sink);
      const half = await this.m.measure(at, { templates, sockets, rate: Math.max(100, max.pps / 2), seconds, sink }, pid);
      return { max, half };
    } finally {
      sink.remove();
    }
  }
}

function capacitySummary(capacityRuns: readonly CapacityRun[]): CapacitySummary {
  const runs = capacityRuns.map((x) => x.max);
  const half = capacityRuns.map((x) => x.half.result);
  return {
    halfOfferedPps: median(half.map((x) => x.sendPps)),
    halfLossFraction: median(half.map((x) => lossFraction(x))),
    halfP50Us: median(half.map((x) => x.p50Us)),
    halfP99Us: median(half.map((x) => x.p99Us)),
    halfArrivalP50Us: median(half.map((x) => x.arrivalP50Us)),
    halfArrivalP99Us: median(half.map((x) => x.arrivalP99Us)),
    maxPps: median(runs.map((x) => x.pps)),
    maxRounds: runs.map((x) => Math.round(x.pps)),
    generatorBound: runs.some((x) => x.generatorBound),
    cpuAppliance: median(runs.map((x) => x.best?.cpuAppliance ?? NaN)),
    usPerPacket: median(runs.map((x) => x.best?.applianceUsPerPacket ?? NaN)),
    floodOfferedPps: median(runs.map((x) => x.flood.result.sendPps)),
    floodDeliveredPps: median(runs.map((x) => x.flood.result.deliveredPps)),
    floodCpuAppliance: median(runs.map((x) => x.flood.cpuAppliance)),
    floodUsPerPacket: median(runs.map((x) => x.flood.applianceUsPerPacket)),
    floodLossFraction: median(runs.map((x) => lossFraction(x.flood.result))),
    floodReturnsRefused: Math.max(...runs.map((x) => x.flood.returnsRefused)),
    floodRounds: runs.map((x) => ({ deliveredPps: Math.round(x.flood.result.deliveredPps), usPerPacket: x.flood.applianceUsPerPacket })),
    ...lossOnset(runs.flatMap((x) => (x.onset === null ? [] : [x.onset]))),
  };
}

/** Where the capacity searches began to lose: medians over the rounds that lost somewhere. */
function lossOnset(onsets: readonly Measured[]): LossOnset {
  return {
    onsetRounds: onsets.length,
    onsetOfferedPps: median(onsets.map((m) => m.result.sendPps)),
    onsetLossFraction: median(onsets.map((m) => lossFraction(m.result))),
    onsetCpuAppliance: median(onsets.map((m) => m.cpuAppliance)),
    onsetBacklogShare: median(onsets.map((m) => m.applianceBacklogDrops / Math.max(1, m.result.lost))),
    onsetGeneratorBurst: median(onsets.map((m) => m.result.maxBehind)),
    onsetGeneratorForgiven: median(onsets.map((m) => m.result.forgiven)),
  };
}

/** Appliance-CPU microseconds per packet added between two runs of one target at different rates. */
function marginalUsPerPacket(low: Measured, high: Measured): number {
  const pps = high.result.deliveredPps - low.result.deliveredPps;
  return pps > 0 ? ((high.cpuAppliance - low.cpuAppliance) * 1e6) / pps : NaN;
}

/** The run that delivered the median (DOUBLE_RUNS is odd, so it is the report's median of the round's runs). */
function medianRun(runs: readonly Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.result.deliveredPps - b.result.deliveredPps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function mainCommand(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${HELP}`);
    return 2;
  }
  if (options.reportFrom !== null) {
    process.stdout.write(report(JSON.parse(readFileSync(options.reportFrom, "utf8")) as BenchResult));
    return 0;
  }
  const bench = new Bench(options);
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: cleaning up`);
    bench.cleanup();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", () => bench.cleanup());
  try {
    await bench.main();
    return 0;
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    bench.cleanup();
  }
}

void mainCommand().then((code) => process.exit(code));
