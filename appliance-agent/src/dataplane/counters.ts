// Counters kept by each data-plane worker in flat arrays (no per-packet allocation), and the
// JSON snapshot a worker reports of them. The control plane sums and renders them (control/metrics.ts).

import { DROP_REASON_NAMES, UNCLASSIFIED_REASON_NAMES } from "./drop-reasons";

/** Indexes into DataPlaneCounters.values. */
export const Counter = {
  PacketsIn: 0,
  BytesIn: 1,
  PacketsOut: 2,
  BytesOut: 3,
  FlowsCreated: 4,
  FlowsExpired: 5,
  FlowEvictions: 6,
  ReturnSocketsOpened: 7,
  ReturnSocketEvictions: 8,
  ReturnSendErrors: 9,
  UnclassifiedForwarded: 10,
  FragmentsMatched: 11,
  /** Packets and inner bytes of allowed flows the kernel fast path returned (read from its counters). */
  FastPathPackets: 12,
  FastPathBytes: 13,
  /** Packets of denied flows the kernel fast path dropped. */
  FastPathDropped: 14,
  FastPathInstalls: 15,
  FastPathRemovals: 16,
  /** Flows left on the slow path because the fast path was at its bound. */
  FastPathFull: 17,
  /** Failed nft transactions or polls. */
  FastPathErrors: 18,
  /** Flow log lines not written because the per-worker flow-log rate was exceeded. */
  FlowLogsSuppressed: 19,
  /** Counter polls of the fast path, and the wall time they took (seconds). */
  FastPathPolls: 20,
  FastPathPollSeconds: 21,
  /** Polls put off or stopped because the data path kept the event loop busy (poll-schedule.ts). */
  FastPathPollsDeferred: 22,
  /** Kernel elements whose idle timeouts a poll refreshed (with --fast-path-timeout-refresh poll). */
  FastPathTimeoutRefreshes: 23,
} as const;
const COUNTER_COUNT = 24;

/** One worker's counters. */
export class DataPlaneCounters {
  readonly values = new Float64Array(COUNTER_COUNT);
  readonly drops = new Float64Array(DROP_REASON_NAMES.length);
  readonly unclassified = new Float64Array(UNCLASSIFIED_REASON_NAMES.length);
  /**
   * Flow decisions of earlier policies per "action\0label"; folded in once per policy change,
   * so a verdict itself never builds a string (a flood of new flows decides one per packet).
   */
  readonly verdicts = new Map<string, number>();
  /** Decisions under the policy in force, by rule index + 1 (slot 0: the default action). */
  private byRule = new Float64Array(1);
  private keys: readonly string[] = [];

  /** Starts counting for a new policy: `labels` per rule, `allows(i)` its action (-1 = default). */
  setVerdictRules(labels: readonly string[], allows: (index: number) => boolean): void {
    this.foldVerdicts();
    this.byRule = new Float64Array(labels.length + 1);
    this.keys = [-1, ...labels.keys()].map((i) => (allows(i) ? "allow\u0000" : "deny\u0000") + (i < 0 ? "default" : labels[i]));
  }

  /** One flow decision by rule `index` (-1 = default action). */
  countVerdict(index: number): void {
    this.byRule[index + 1]++;
  }

  /** Every decision so far, per "action\0label" (old policies and the one in force). */
  verdictEntries(): Array<[string, number]> {
    const out = new Map(this.verdicts);
    this.byRule.forEach((count, i) => {
      if (count > 0) out.set(this.keys[i], (out.get(this.keys[i]) ?? 0) + count);
    });
    return [...out.entries()];
  }

  private foldVerdicts(): void {
    this.byRule.forEach((count, i) => {
      if (count > 0) this.verdicts.set(this.keys[i], (this.verdicts.get(this.keys[i]) ?? 0) + count);
    });
  }
}

/** What a worker reports about itself; plain JSON so it can cross the cluster IPC channel. */
export interface DataPlaneSnapshot {
  counters: number[];
  drops: number[];
  unclassified: number[];
  verdicts: Array<[string, number]>;
  activeFlows: number;
  returnSockets: number;
  /** Flows installed in the kernel fast path. */
  fastPathFlows: number;
  policyVersion: number;
  bound: boolean;
}

export function snapshotOf(
  counters: DataPlaneCounters,
  gauges: { activeFlows: number; returnSockets: number; fastPathFlows: number; policyVersion: number; bound: boolean },
): DataPlaneSnapshot {
  return {
    counters: Array.from(counters.values),
    drops: Array.from(counters.drops),
    unclassified: Array.from(counters.unclassified),
    verdicts: counters.verdictEntries(),
    ...gauges,
  };
}
