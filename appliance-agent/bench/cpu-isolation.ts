// Keeps the appliance's CPU for the appliance while a benchmark runs, as an appliance has its
// cores to itself. On the machine of these figures the sandbox's own daemons (its init's tokio
// workers at nice -10, kdamond) may run on either CPU; on CPU 1 they took ksoftirqd's turn for
// 20-390 ms at a time (a sched_switch trace), and the input backlog overflowed with CPU 1 only
// 66-75% busy. Every task that may also run elsewhere, the unbound workqueues and the device
// interrupts are confined to the other CPUs for the run; `restore` puts every one back.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tryRun } from "./sys";

/** "0-2,5" -> [0, 1, 2, 5]. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [from, to] = part.split("-").map(Number);
    if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) throw new Error(`cpu-isolation: bad CPU list ${JSON.stringify(text)}`);
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** [0, 1, 2, 5] -> "0-2,5". */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(",");
}

/** A CPU set as the hexadecimal mask of /sys/devices/virtual/workqueue/cpumask. */
export function cpuMask(cpus: readonly number[]): string {
  let mask = 0n;
  for (const cpu of cpus) mask |= 1n << BigInt(cpu);
  return mask.toString(16);
}

/** A hexadecimal CPU mask ("d", or "ffffffff,ffffffff" on larger machines) -> its CPUs. */
export function parseCpuMask(text: string): number[] {
  const bits = BigInt(`0x${text.trim().replace(/,/g, "")}`).toString(2);
  return [...bits].reverse().flatMap((bit, cpu) => (bit === "1" ? [cpu] : []));
}

export interface Placement {
  /** A thread id, or an interrupt number. */
  readonly id: number;
  readonly name: string;
  readonly allowed: string;
}

export interface Move extends Placement {
  readonly to: string;
}

/**
 * What to move off `cpu`: each placement allowed on it and on some other CPU, to the others.
 * One allowed only there (a per-CPU kernel thread such as ksoftirqd/1, or a process pinned to
 * it on purpose) stays.
 */
export function planMoves(placements: readonly Placement[], cpu: number): Move[] {
  const moves: Move[] = [];
  for (const p of placements) {
    const allowed = parseCpuList(p.allowed);
    if (!allowed.includes(cpu)) continue;
    const others = allowed.filter((c) => c !== cpu);
    if (others.length > 0) moves.push({ ...p, to: formatCpuList(others) });
  }
  return moves;
}

/** Every thread of every process, with the CPUs it may run on (`Cpus_allowed_list`). */
export function threadPlacements(procRoot = "/proc"): Placement[] {
  const out: Placement[] = [];
  for (const pid of readdirSync(procRoot).filter((name) => /^\d+$/.test(name))) {
    let tids: string[];
    try {
      tids = readdirSync(`${procRoot}/${pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tids) {
      try {
        const status = readFileSync(`${procRoot}/${pid}/task/${tid}/status`, "utf8");
        const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
        const name = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? "?";
        if (allowed !== undefined) out.push({ id: Number(tid), name, allowed });
      } catch {
        // exited meanwhile
      }
    }
  }
  return out;
}

/** Device interrupts and the CPUs each may be delivered to. */
function interruptPlacements(): Placement[] {
  const out: Placement[] = [];
  let irqs: string[];
  try {
    irqs = readdirSync("/proc/irq").filter((name) => /^\d+$/.test(name));
  } catch {
    return out;
  }
  for (const irq of irqs) {
    try {
      out.push({ id: Number(irq), name: `irq ${irq}`, allowed: readFileSync(`/proc/irq/${irq}/smp_affinity_list`, "utf8").trim() });
    } catch {
      // no affinity file for this one
    }
  }
  return out;
}

function writeIfPossible(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false; // a managed interrupt, or no such file
  }
}

const WORKQUEUE_MASK = "/sys/devices/virtual/workqueue/cpumask";

/** One kind of placement: how to list them and how to set one's CPUs (false: not permitted). */
interface PlacementKind {
  readonly list: () => Placement[];
  readonly set: (placement: Placement, cpus: string) => boolean;
  /** How the summary names those moved. */
  readonly summarize: (moves: readonly Move[]) => string;
}

/** "node x6, bash x4, ...": the six most frequent names of what was moved. */
function mostFrequentNames(moves: readonly Move[]): string {
  const byName = new Map<string, number>();
  for (const move of moves) byName.set(move.name, (byName.get(move.name) ?? 0) + 1);
  const named = [...byName].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 6).map(([name, n]) => (n > 1 ? `${name} x${n}` : name));
  return `${named.join(", ")}${byName.size > named.length ? ", ..." : ""}`;
}

const KINDS: readonly PlacementKind[] = [
  {
    list: () => threadPlacements(),
    set: (thread, cpus) => tryRun("taskset", ["-p", "-c", cpus, String(thread.id)], 5_000),
    summarize: (moves) => `${moves.length} threads (${mostFrequentNames(moves)})`,
  },
  {
    list: interruptPlacements,
    set: (irq, cpus) => writeIfPossible(`/proc/irq/${irq.id}/smp_affinity_list`, cpus),
    summarize: (moves) => `${moves.length} device interrupts`,
  },
  {
    list: () => {
      try {
        return [{ id: 0, name: "unbound workqueues", allowed: formatCpuList(parseCpuMask(readFileSync(WORKQUEUE_MASK, "utf8"))) }];
      } catch {
        return []; // no unbound workqueue mask on this kernel
      }
    },
    set: (_, cpus) => writeIfPossible(WORKQUEUE_MASK, cpuMask(parseCpuList(cpus))),
    summarize: () => "the unbound workqueues",
  },
];

export class CpuIsolation {
  private moved: { readonly kind: PlacementKind; readonly moves: Move[] }[] = [];

  /**
   * Moves what may run elsewhere off `cpu` and says what it moved (null: nothing to move, or
   * not permitted). Threads started later by a moved process inherit its placement.
   */
  isolate(cpu: number): string | null {
    this.restore(); // a second call must not record the first one's placements as the machine's
    for (const kind of KINDS) {
      const moves = planMoves(kind.list(), cpu).filter((move) => kind.set(move, move.to));
      if (moves.length > 0) this.moved.push({ kind, moves });
    }
    if (this.moved.length === 0) return null;
    return `CPU ${cpu} kept for the appliance: ${this.moved.map(({ kind, moves }) => kind.summarize(moves)).join(", ")} moved off it for the run (restored after)`;
  }

  /** Puts back every placement `isolate` changed; threads that have exited are skipped. Idempotent. */
  restore(): void {
    for (const { kind, moves } of this.moved) for (const move of moves) kind.set(move, move.allowed);
    this.moved = [];
  }
}
