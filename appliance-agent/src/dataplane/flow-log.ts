// JSON-lines flow logs on stdout: one line when a flow starts (with its verdict) and one when
// it ends (with its counts). Lines are batched into writes under PIPE_BUF (4096 bytes) so the
// lines of several worker processes sharing stdout never interleave mid-line.

import { formatAddress } from "../../../common/cidr";
import { UNKNOWN_ATTACHMENT } from "./attachment-ids";
import { formatId64 } from "./geneve";
import { protocolName } from "../shared/ip-protocols";
import { KEY_ENDPOINT_HIGH, KEY_ENDPOINT_LOW, KEY_WORDS } from "./flow-key";
import { FLAG_ALLOW, FlowTable } from "./flow-table";
import { Counter, DataPlaneCounters } from "./counters";

const PIPE_BUF = 4096;
const FLUSH_INTERVAL_MS = 200;

/** The flow's latest attachment id as 16 hex digits, or "unknown" past the ids the table can tell apart. */
function attachmentText(table: FlowTable, slot: number): string {
  const index = table.attachment[slot];
  if (index === UNKNOWN_ATTACHMENT) return "unknown";
  return formatId64(table.attachments.high[index], table.attachments.low[index]);
}

/** The fields of one flow log line. */
export interface FlowLogRecord {
  event: "flow_start" | "flow_end" | "flow_verdict_change";
  time: string;
  worker: number;
  endpointId: string;
  attachmentId: string;
  protocol: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  verdict: "allow" | "deny";
  rule: string;
  packets: number;
  bytes: number;
  durationMs?: number;
  reason?: string;
}

export class FlowLogger {
  private pending = "";
  private timer: NodeJS.Timeout | null = null;
  /** Token bucket: lines per second and what is left of it; Infinity until `limit` is called. */
  private rate = Infinity;
  private tokens = Infinity;
  private refilledAt = 0;
  private counters: DataPlaneCounters | null = null;

  constructor(
    private readonly enabled: boolean,
    private readonly worker: number,
    private readonly write: (chunk: string) => void = (chunk) => {
      process.stdout.write(chunk);
    },
  ) {}

  /**
   * Bounds the lines written to `perSecond` (burst: one second's worth): a flood of new flows
   * at the table's cap would otherwise write a flow_end and a flow_start per packet. Lines over
   * the bound are counted in `counters` (FlowLogsSuppressed), not written.
   */
  limit(perSecond: number, counters: DataPlaneCounters): void {
    this.rate = perSecond;
    this.tokens = perSecond;
    this.counters = counters;
  }

  /** Takes one line's token at `now` (ms); false (and counted) when over the rate. */
  admit(now: number): boolean {
    if (!this.enabled) return false;
    if (this.tokens < 1) {
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.refilledAt) * this.rate) / 1000);
      this.refilledAt = now;
      if (this.tokens < 1) {
        if (this.counters !== null) this.counters.values[Counter.FlowLogsSuppressed]++;
        return false;
      }
    } else if (this.refilledAt === 0) {
      this.refilledAt = now;
    }
    this.tokens--;
    return true;
  }

  /** Logs an event for the flow in `slot`; `rule` is the label of the deciding rule. `admitted`: the caller already took the token. */
  log(event: FlowLogRecord["event"], table: FlowTable, slot: number, rule: string, now: number, reason?: string, admitted = false): void {
    if (!admitted && !this.admit(now)) return;
    const keys = table.keys;
    const base = slot * KEY_WORDS;
    const family = table.family(slot);
    const record: FlowLogRecord = {
      event,
      time: new Date(now).toISOString(),
      worker: this.worker,
      endpointId: formatId64(keys[base + KEY_ENDPOINT_HIGH], keys[base + KEY_ENDPOINT_LOW]),
      attachmentId: attachmentText(table, slot),
      protocol: protocolName(table.protocol(slot)),
      src: formatAddress(family, keys, table.initiatorAt(slot)),
      srcPort: table.initiatorPort(slot),
      dst: formatAddress(family, keys, table.responderAt(slot)),
      dstPort: table.responderPort(slot),
      verdict: (table.flags[slot] & FLAG_ALLOW) !== 0 ? "allow" : "deny",
      rule,
      packets: table.packets[slot],
      bytes: table.bytes[slot],
    };
    if (event === "flow_end") {
      record.durationMs = table.durationMs(slot);
      if (reason !== undefined) record.reason = reason;
    }
    this.append(JSON.stringify(record) + "\n");
  }

  /** Writes everything buffered now (used on shutdown). */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const chunk = this.pending;
    this.pending = "";
    try {
      this.write(chunk);
    } catch {
      // stdout closed (EPIPE): flow logs are best effort and must not stop forwarding.
    }
  }

  private append(line: string): void {
    if (this.pending.length + line.length > PIPE_BUF - 96) this.flush();
    this.pending += line;
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }
}
