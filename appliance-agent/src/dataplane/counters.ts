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
} as const;
const COUNTER_COUNT = 19;

/** One worker's counters. */
export class DataPlaneCounters {
  readonly values = new Float64Array(COUNTER_COUNT);
  readonly drops = new Float64Array(DROP_REASON_NAMES.length);
  readonly unclassified = new Float64Array(UNCLASSIFIED_REASON_NAMES.length);
  /** Flow decisions per (action, rule label); touched once per new flow, never per packet. */
  readonly verdicts = new Map<string, number>();

  countVerdict(allow: boolean, rule: string): void {
    const key = (allow ? "allow\u0000" : "deny\u0000") + rule;
    this.verdicts.set(key, (this.verdicts.get(key) ?? 0) + 1);
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
    verdicts: [...counters.verdicts.entries()],
    ...gauges,
  };
}
