// One measurement (a generator run with the appliance's CPU and where losses happened) and the
// search for the highest offered rate a target keeps up with.

import { Generator, GeneratorResult, invalidReturns, lossFraction } from "./generator";
import { BenchPath, inNamespace } from "./netns";
import { ReturnSink, withSunkReturns } from "./return-sink";
import { backlogDropsByCpu, run, udpReceiveBufferErrors } from "./sys";

/** A run "keeps up" when at most this fraction is lost and every return verifies. */
export const LOSS_OK = 0.001;
export const GENERATOR_CPU = 0;
export const APPLIANCE_CPU = 1;
export const PORT_BASE = 40000;
/** Below this busy fraction at its maximum, the appliance's CPU was not what stopped it. */
const APPLIANCE_SATURATED = 0.85;

export interface Measured {
  result: GeneratorResult;
  cpuGenerator: number;
  cpuAppliance: number;
  /** The target process's CPU use (cores) during the run, when it is a process. */
  agentCores: number | null;
  /** Appliance-CPU microseconds per delivered packet (busy fraction / delivered pps). */
  applianceUsPerPacket: number;
  /** Full per-CPU input backlogs (any namespace) and full UDP receive buffers in the appliance's namespace. */
  backlogDrops: number;
  /** Of the backlog drops, those of the appliance's CPU (where the bench steers the appliance's receive). */
  applianceBacklogDrops: number;
  receiveBufferDrops: number;
  /**
   * Returns the appliance's device sent (its tx packets) and those refused on the way back
   * (its tx drops: the receiving CPU's input backlog was full), when the path has a device.
   */
  returnsSent: number;
  returnsRefused: number;
}

export interface MaxRate {
  /** Delivered pps at the highest offered rate that kept up (<= 0.1% loss). */
  pps: number;
  peakPps: number;
  /** The target kept up with everything the generator could offer (or had CPU to spare): a lower bound. */
  generatorBound: boolean;
  best: Measured | null;
  /** The lowest rate that did not keep up, if the search tried one: where losses began. */
  onset: Measured | null;
  flood: Measured;
  probes: Array<{ rate: number; offered: number; delivered: number; loss: number }>;
}

export interface RunSpec {
  readonly templates: string;
  readonly sockets: number;
  readonly rate: number;
  readonly seconds: number;
  readonly once?: boolean;
  readonly drainMs?: number;
  /** Count returns in the kernel at the generator's side (return-sink.ts): a capacity run, sent with GSO. */
  readonly sink?: ReturnSink;
}

export class Measurer {
  readonly notes: string[] = [];

  constructor(
    readonly generator: Generator,
    private readonly cpuGenerator: number,
  ) {}

  private udpErrors(ns: string | null): number {
    try {
      return udpReceiveBufferErrors(ns === null ? run("cat", ["/proc/net/snmp"]) : run("ip", ["netns", "exec", ns, "cat", "/proc/net/snmp"]));
    } catch {
      return NaN;
    }
  }

  /** A device's [tx packets, tx dropped] in the appliance's namespace ([NaN, NaN] without one). */
  private deviceTx(to: BenchPath): [number, number] {
    if (to.applianceDev === undefined) return [NaN, NaN];
    const dir = `/sys/class/net/${to.applianceDev}/statistics`;
    const text = run(...inNamespace(to.applianceNs, "cat", [`${dir}/tx_packets`, `${dir}/tx_dropped`]));
    const [packets, dropped] = text.trim().split(/\s+/).map(Number);
    return [packets, dropped];
  }

  async measure(to: BenchPath, spec: RunSpec, pid: number | null, generator = this.generator): Promise<Measured> {
    const backlog0 = backlogDropsByCpu();
    const tx0 = this.deviceTx(to);
    const rcvbuf0 = this.udpErrors(to.applianceNs);
    const sunk0 = spec.sink?.dropped() ?? 0;
    const generated = await generator.run({
      path: to,
      templates: spec.templates,
      sockets: spec.sockets,
      rate: spec.rate,
      durationSeconds: spec.seconds,
      once: spec.once,
      drainMs: spec.drainMs,
      cpu: this.cpuGenerator,
      portBase: PORT_BASE,
      watchPid: pid ?? 0,
      gso: spec.sink !== undefined && generator.kind === "c",
    });
    const result = spec.sink === undefined ? generated : withSunkReturns(generated, spec.sink.dropped() - sunk0);
    if (invalidReturns(result) > 0) this.notes.push(`returns that failed verification (${to.appliance}:${to.port ?? 6081}, rate ${Math.round(spec.rate)}): ${JSON.stringify(result)}`);
    const cpuAppliance = result.cpuBusy[APPLIANCE_CPU] ?? 0;
    const backlog = backlogDropsByCpu().map((n, cpu) => n - (backlog0[cpu] ?? n));
    const tx = this.deviceTx(to);
    return {
      result,
      cpuGenerator: result.cpuBusy[GENERATOR_CPU] ?? 0,
      cpuAppliance,
      agentCores: pid !== null && result.watchCores >= 0 ? result.watchCores : null,
      applianceUsPerPacket: result.deliveredPps > 0 ? (cpuAppliance * 1e6) / result.deliveredPps : NaN,
      backlogDrops: backlog.reduce((sum, n) => sum + n, 0),
      applianceBacklogDrops: backlog[APPLIANCE_CPU] ?? 0,
      receiveBufferDrops: this.udpErrors(to.applianceNs) - rcvbuf0,
      returnsSent: tx[0] - tx0[0],
      returnsRefused: tx[1] - tx0[1],
    };
  }

  keepsUp(m: Measured): boolean {
    return lossFraction(m.result) <= LOSS_OK && invalidReturns(m.result) === 0;
  }

  /**
   * A flood first (if nothing is lost there, the generator was the limit), then a 1.5x climb
   * from what the flood delivered (or a 0.7x descent) and a geometric bisection to within 2%
   * (a ratio of two maxima, such as the slow path's to the reflector's, is then good to a few %).
   */
  async maxRate(to: BenchPath, templates: string, sockets: number, seconds: number, pid: number | null, sink?: ReturnSink): Promise<MaxRate> {
    const flood = await this.measure(to, { templates, sockets, rate: 0, seconds, sink }, pid);
    const probes: MaxRate["probes"] = [{ rate: 0, offered: flood.result.sendPps, delivered: flood.result.deliveredPps, loss: lossFraction(flood.result) }];
    if (this.keepsUp(flood)) return { pps: flood.result.deliveredPps, peakPps: flood.result.deliveredPps, generatorBound: true, best: flood, onset: null, flood, probes };
    let best: Measured | null = null;
    let onset: Measured | null = null;
    const keepsUp = async (rate: number): Promise<boolean> => {
      const m = await this.measure(to, { templates, sockets, rate, seconds, sink }, pid);
      probes.push({ rate: Math.round(rate), offered: m.result.sendPps, delivered: m.result.deliveredPps, loss: lossFraction(m.result) });
      if (!this.keepsUp(m)) {
        if (onset === null || m.result.sendPps < onset.result.sendPps) onset = m;
        return false;
      }
      if (best === null || m.result.deliveredPps > best.result.deliveredPps) best = m;
      return true;
    };
    const pass = await searchRate(Math.max(1000, flood.result.deliveredPps), keepsUp, { climb: 1.5, climbs: 12, ceiling: flood.result.sendPps, descend: 0.7, descents: 10, floor: 1000, within: 1.02, bisections: 6 });
    const found = best as Measured | null;
    // The generator was the limit if it could not offer the rate asked for, or if the
    // appliance's CPU still had headroom where losses began (the generator also receives).
    // With a sink the generator receives 1 in 16 and sends several times the path's rate, so
    // losses with CPU to spare are the path's own (bursts overflowing its input backlog).
    const headroom = sink === undefined && found !== null && found.cpuAppliance < APPLIANCE_SATURATED;
    const short = found !== null && (found.result.sendPps < 0.97 * pass || headroom);
    return { pps: found === null ? 0 : found.result.deliveredPps, peakPps: Math.max(...probes.map((p) => p.delivered)), generatorBound: short, best: found, onset, flood, probes };
  }
}

/** How searchRate moves from its first rate. */
export interface SearchSteps {
  /** Up by `climb` (at most `climbs` times) while rates keep up and stay below `ceiling`, which also counts as failing. */
  readonly climb: number;
  readonly climbs: number;
  readonly ceiling: number;
  /** Or down by `descend` (at most `descents` times, while above `floor`) until one keeps up. */
  readonly descend: number;
  readonly descents: number;
  readonly floor: number;
  /** Then a geometric bisection (at most `bisections` probes) until the lowest failing rate is within `within` of the highest passing one. */
  readonly within: number;
  readonly bisections: number;
}

/** The highest rate `keepsUp` passed, searched from `start` (0 when none did). */
export async function searchRate(start: number, keepsUp: (rate: number) => Promise<boolean>, steps: SearchSteps): Promise<number> {
  let pass = 0;
  let fail = steps.ceiling;
  const probe = async (rate: number): Promise<boolean> => {
    const ok = await keepsUp(rate);
    if (ok) pass = Math.max(pass, rate);
    else fail = Math.min(fail, rate);
    return ok;
  };
  let rate = start;
  if (await probe(rate)) {
    for (let i = 0; i < steps.climbs && rate * steps.climb < steps.ceiling; i++) {
      rate *= steps.climb;
      if (!(await probe(rate))) break;
    }
  } else {
    for (let i = 0; i < steps.descents && rate > steps.floor; i++) {
      rate *= steps.descend;
      if (await probe(rate)) break;
    }
  }
  for (let i = 0; i < steps.bisections && pass > 0 && fail / pass > steps.within; i++) await probe(Math.sqrt(pass * fail));
  return pass;
}
