// Small system helpers for the benchmark: commands with time limits, machine facts, per-CPU
// busy time from /proc/stat, a process's resident memory, and child processes that are always
// ended when the benchmark ends (normally, on an error, or on Ctrl-C).

import { ChildProcess, execFileSync, spawn, SpawnOptions } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";

/** Runs a command synchronously (at most `timeoutMs`); returns stdout, throws with stderr on failure. */
export function run(command: string, args: readonly string[], timeoutMs = 20_000): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const detail = (e.stderr ?? "").trim() || e.message;
    throw new Error(`${command} ${args.join(" ")}: ${detail}`);
  }
}

/** Like run, but reports success instead of throwing. */
export function tryRun(command: string, args: readonly string[], timeoutMs = 20_000): boolean {
  try {
    run(command, args, timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** The path of an executable on PATH (or in the sbin directories root normally has), or null. */
export function which(name: string): string | null {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    if (dir !== "" && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** Every CPU, as a taskset list ("0-1"). */
export function allCpus(): string {
  return `0-${os.cpus().length - 1}`;
}

/**
 * Pins this process, every thread of it (V8's GC helpers and libuv's pool included), to one CPU,
 * so the harness's own work stays off the appliance's CPU. Returns false where taskset is missing.
 */
export function pinSelf(cpu: number): boolean {
  return which("taskset") !== null && tryRun("taskset", ["-a", "-p", "-c", String(cpu), String(process.pid)]);
}

export interface MachineFacts {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGiB: number;
  readonly loadAverage: readonly number[];
  readonly rmemMax: string;
  readonly netdevMaxBacklog: string;
  readonly date: string;
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "?";
  }
}

const NETDEV_MAX_BACKLOG = "/proc/sys/net/core/netdev_max_backlog";

/** Sets net.core.netdev_max_backlog; returns the value it replaced. */
export function setNetdevMaxBacklog(value: string): string {
  const previous = readFileSync(NETDEV_MAX_BACKLOG, "utf8").trim();
  writeFileSync(NETDEV_MAX_BACKLOG, value);
  return previous;
}

export function machineFacts(): MachineFacts {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "?",
    node: process.version,
    kernel: os.release(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    rmemMax: readTrimmed("/proc/sys/net/core/rmem_max"),
    netdevMaxBacklog: readTrimmed(NETDEV_MAX_BACKLOG),
    date: new Date().toISOString(),
  };
}

/**
 * Each CPU's idle time (idle + iowait, clock ticks of 1/100 s) from /proc/stat, and when it was
 * read. Only the idle column is trusted: with NO_HZ it is measured at each entry to and exit from
 * idle, while the busy columns are sampled by the tick, which an idle CPU stops, so they miss
 * most of the softirq work of a CPU that idles between bursts (gen.c says the same).
 */
export interface CpuSample {
  readonly idleTicks: number[];
  readonly atNs: bigint;
}

const TICKS_PER_SECOND = 100;

export function sampleCpus(): CpuSample {
  const idleTicks: number[] = [];
  for (const line of readTrimmed("/proc/stat").split("\n")) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const v = m[2].split(/\s+/).map(Number);
    // user nice system idle iowait ...
    idleTicks[Number(m[1])] = (v[3] ?? 0) + (v[4] ?? 0);
  }
  return { idleTicks, atNs: process.hrtime.bigint() };
}

/** Busy fraction per CPU between two samples: 1 - idle time / wall time. */
export function cpuBusy(before: CpuSample, after: CpuSample): number[] {
  const wallSeconds = Number(after.atNs - before.atNs) / 1e9;
  return after.idleTicks.map((idle, i) => {
    if (wallSeconds <= 0) return 0;
    const busy = 1 - (idle - (before.idleTicks[i] ?? idle)) / TICKS_PER_SECOND / wallSeconds;
    return Math.min(1, Math.max(0, busy));
  });
}

/** A /proc/net/softnet_stat text's second column (packets a full input backlog dropped; hex), one per CPU. */
export function softnetDrops(text: string): number[] {
  return text
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 1)
    .map((fields) => parseInt(fields[1], 16) || 0);
}

/** Packets dropped because a CPU's input backlog was full, by CPU. */
export function backlogDropsByCpu(): number[] {
  return softnetDrops(readTrimmed("/proc/net/softnet_stat"));
}

/** The Udp counters of a /proc/net/snmp text, by name (a header line of names, then one of values). */
export function udpCounters(snmp: string): Map<string, number> {
  const lines = snmp.split("\n").filter((line) => line.startsWith("Udp:"));
  if (lines.length < 2) return new Map();
  const values = lines[1].split(/\s+/);
  return new Map(lines[0].split(/\s+/).map((name, i) => [name, Number(values[i])]));
}

/** UDP receive-buffer overflows (Udp: RcvbufErrors) of a /proc/net/snmp text. */
export function udpReceiveBufferErrors(snmp: string): number {
  return udpCounters(snmp).get("RcvbufErrors") ?? NaN;
}

/** VmRSS of a process in bytes, or null when it is gone. */
export function residentBytes(pid: number): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readTrimmed(`/proc/${pid}/status`));
  return m === null ? null : Number(m[1]) * 1024;
}

/** Fields of /proc/<pid>/stat from the state on (fields[11] = utime, [12] stime, [13] cutime, [14] cstime), or null when it is gone. */
function statFields(pid: number): string[] | null {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  const close = stat.lastIndexOf(")");
  return close < 0 ? null : stat.slice(close + 2).split(" ");
}

/** User + system CPU seconds of a process so far, or null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  const fields = statFields(pid);
  return fields === null ? null : (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Like processCpuSeconds, plus the CPU of its children that have ended (its nft processes). */
export function processAndChildrenCpuSeconds(pid: number): number | null {
  const fields = statFields(pid);
  return fields === null ? null : (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/** The pids of a process's children that run its own executable (its cluster workers, not its nft processes). */
export function sameProgramChildren(pid: number): number[] {
  const exe = (p: number): string | null => {
    try {
      return readlinkSync(`/proc/${p}/exe`);
    } catch {
      return null;
    }
  };
  const own = exe(pid);
  const listed = readTrimmed(`/proc/${pid}/task/${pid}/children`);
  if (own === null || listed === "" || listed === "?") return [];
  return listed.split(" ").map(Number).filter((child) => exe(child) === own);
}

const children = new Set<ChildProcess>();

/** Spawns a child that is killed (by its pid) when the benchmark exits. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Kills every child still running (SIGKILL: used on the way out only). */
export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/** Runs a child to completion with a hard time limit; resolves with its stdout. */
export function runChild(command: string, args: readonly string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, { stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.slice(0, 4).join(" ")} ...: exit ${code ?? signal}: ${stderr.trim().slice(0, 500)}`));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
