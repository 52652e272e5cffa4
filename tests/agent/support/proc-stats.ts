// CPU time and resident memory of a process, read from /proc (Linux): what the resource-bound
// tests compare between a steady load and a hostile one.
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU time of `pid`, in milliseconds (10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may contain spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** Resident set size of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Samples the RSS of `pid` every `everyMs` until stopped; reports the largest. */
export class RssSampler {
  max = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, everyMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.max;
  }

  private sample(): void {
    try {
      this.max = Math.max(this.max, rssBytes(this.pid));
    } catch {
      // the process is gone; the caller's liveness check reports it
    }
  }
}
