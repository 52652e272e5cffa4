// Running the load generators: the C helper (gen.c, compiled here with the machine's gcc) or
// the Node.js one (gen-node.ts). Both take the same options and print the same JSON.

import * as path from "node:path";
import { BenchPath, assertBenchAddress, inNamespace } from "./netns";
import { run, runChild, which } from "./sys";

export type GeneratorKind = "c" | "node";

export interface GeneratorResult {
  /** Busy fraction of each CPU over the send window: 1 - idle time (/proc/stat, NO_HZ) / wall time. */
  readonly cpuBusy: number[];
  /** CPU use (cores) of the --watch-pid process over the send window; -1 when none. */
  readonly watchCores: number;
  readonly sent: number;
  /** Unique returns that verified (sender, port, length, bytes). */
  readonly received: number;
  /** Of those, the ones received before sending stopped. */
  readonly rxInWindow: number;
  readonly sendSeconds: number;
  /** Offered load. */
  readonly sendPps: number;
  /** Verified returns per second during the send window. */
  readonly deliveredPps: number;
  /** sent - received, after the drain period. */
  readonly lost: number;
  readonly duplicates: number;
  readonly badFrom: number;
  readonly badPort: number;
  readonly badLength: number;
  readonly badBytes: number;
  readonly badStamp: number;
  readonly sendErrors: number;
  /** Send system calls made (one per datagram, per sendmmsg batch or per GSO send). */
  readonly sendCalls: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
  /**
   * Latency to the return's arrival: its send stamp to the kernel's receive timestamp
   * (SO_TIMESTAMPNS), i.e. without the time the return then waited for the generator's one
   * thread, busy sending, to receive it. -1 where not measured (the Node.js generator).
   */
  readonly arrivalP50Us: number;
  readonly arrivalP99Us: number;
  /** Returns with a kernel timestamp. */
  readonly arrivals: number;
  /**
   * Pacing, to tell the generator's bursts from the path's stalls: the most datagrams that were
   * due at once (at a set rate, what it then sent back to back to catch up). -1 where not
   * measured (the Node.js generator).
   */
  readonly maxBehind: number;
  /** Datagrams a paced run did not send because it fell more than gen.c's MAX_CATCH_UP behind (its own CPU stalled); -1 where not measured. */
  readonly forgiven: number;
}

export interface GeneratorRun {
  readonly path: BenchPath;
  readonly templates: string;
  readonly sockets: number;
  /** Offered datagrams per second; 0 = as fast as the generator can. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Send every template once (then stop) instead of cycling for the duration. */
  readonly once?: boolean;
  readonly drainMs?: number;
  /** CPU to pin the generator to, or -1. */
  readonly cpu: number;
  /** First source port (fixed ports keep the agent's return sockets across runs); 0 = ephemeral. */
  readonly portBase?: number;
  /** A process whose CPU use over the send window is reported (the agent, the reflector). */
  readonly watchPid?: number;
  /** Send each socket's batch as one UDP_SEGMENT send (gen.c --gso; the C generator only). */
  readonly gso?: boolean;
}

const BENCH_DIR = __dirname;
/** Datagrams per GSO send: the most the kernel cuts one send into on every kernel (UDP_MAX_SEGMENTS). */
const GSO_BATCH = 64;

/** Compiles gen.c into `dir`; returns the binary's path, or null with the reason. */
export function compileCHelper(dir: string): { binary: string | null; note: string } {
  const gcc = which("gcc") ?? which("cc");
  if (gcc === null) return { binary: null, note: "no gcc/cc on this machine: using the Node.js generator (a much lower ceiling)" };
  const binary = path.join(dir, "gwlbbench-gen");
  try {
    run(gcc, ["-O2", "-Wall", "-o", binary, path.join(BENCH_DIR, "gen.c")], 120_000);
    return { binary, note: `C generator built with ${gcc} -O2` };
  } catch (error) {
    return { binary: null, note: `gen.c did not compile (${(error as Error).message.slice(0, 200)}): using the Node.js generator` };
  }
}

export class Generator {
  constructor(
    readonly kind: GeneratorKind,
    private readonly cBinary: string | null,
  ) {
    if (kind === "c" && cBinary === null) throw new Error("C generator requested but not built");
  }

  async run(spec: GeneratorRun): Promise<GeneratorResult> {
    assertBenchAddress(spec.path.appliance);
    assertBenchAddress(spec.path.gwlb);
    const args = [
      "--templates", spec.templates,
      "--src", spec.path.gwlb,
      "--dst", spec.path.appliance,
      "--dport", String(spec.path.port ?? 6081),
      "--listen", spec.path.gwlb,
      "--expect-from", spec.path.appliance,
      "--sockets", String(spec.sockets),
      "--rate", String(Math.round(spec.rate)),
      "--duration", String(spec.durationSeconds),
      "--drain-ms", String(spec.drainMs ?? 500),
      "--cpu", String(spec.cpu),
      "--port-base", String(spec.portBase ?? 0),
      "--watch-pid", String(spec.watchPid ?? 0),
    ];
    if (spec.once === true) args.push("--once");
    if (spec.gso === true) {
      if (this.kind !== "c") throw new Error("--gso needs the C generator");
      args.push("--gso", "--batch", String(GSO_BATCH));
    }
    let command: string;
    let commandArgs: string[];
    if (this.kind === "c") {
      [command, commandArgs] = inNamespace(spec.path.generatorNs, this.cBinary!, args);
    } else {
      const register = require.resolve("ts-node/register/transpile-only");
      const node = [process.execPath, "-r", register, path.join(BENCH_DIR, "gen-node.ts"), ...args];
      const pinned = spec.cpu >= 0 && which("taskset") !== null ? ["taskset", "-c", String(spec.cpu), ...node] : node;
      [command, commandArgs] = inNamespace(spec.path.generatorNs, pinned[0], pinned.slice(1));
    }
    const limitMs = (spec.durationSeconds + 30) * 1000;
    const stdout = await runChild(command, commandArgs, limitMs, { ...process.env, TS_NODE_PROJECT: path.join(BENCH_DIR, "..", "..", "tsconfig.json") });
    const line = stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(line) as GeneratorResult;
  }
}

/** Loss as a fraction of what was sent. */
export function lossFraction(result: GeneratorResult): number {
  return result.sent === 0 ? 0 : result.lost / result.sent;
}

/** Returns that failed verification (they would be bugs in the target, or in the benchmark). */
export function invalidReturns(result: GeneratorResult): number {
  return result.duplicates + result.badFrom + result.badPort + result.badLength + result.badBytes + result.badStamp;
}
