// CloudWatch embedded metric format (EMF): every --emf-interval-seconds the key counters go as
// JSON documents, one per UDP datagram, to the CloudWatch agent's listener on this host
// (--emf-endpoint, loopback only: the agent never sends metrics off the machine). Counters are
// sent as deltas since the previous report, as CloudWatch sums them; gauges as they are.

import * as dgram from "node:dgram";
import { Counter, DataPlaneSnapshot } from "../dataplane/counters";
import { DROP_REASON_NAMES } from "../dataplane/drop-reasons";
import { logEvent } from "../shared/log";

export const EMF_NAMESPACE = "GWLB/Agent";

/** What one report reads: every worker's counters summed, and the control plane's health. */
export interface EmfTotals {
  packetsIn: number;
  packetsOut: number;
  /** By drop reason index (DROP_REASON_NAMES). */
  drops: number[];
  activeFlows: number;
  healthy: boolean;
}

export function emfTotals(snapshots: readonly DataPlaneSnapshot[], healthy: boolean): EmfTotals {
  const totals: EmfTotals = { packetsIn: 0, packetsOut: 0, drops: DROP_REASON_NAMES.map(() => 0), activeFlows: 0, healthy };
  for (const snapshot of snapshots) {
    totals.packetsIn += snapshot.counters[Counter.PacketsIn] ?? 0;
    totals.packetsOut += snapshot.counters[Counter.PacketsOut] ?? 0;
    snapshot.drops.forEach((value, i) => (totals.drops[i] += value));
    totals.activeFlows += snapshot.activeFlows;
  }
  return totals;
}

/**
 * The documents of one report: the packet counters and gauges, then one per drop reason that
 * dropped anything since `previous` (dimension Reason). `instanceId` "" means no dimension. A
 * `fleet` adds a second dimension set, Fleet alone, so one alarm covers every instance and reason.
 */
export function emfDocuments(current: EmfTotals, previous: EmfTotals, timestamp: number, instanceId: string, fleet = ""): string[] {
  const base = { ...(instanceId === "" ? {} : { InstanceId: instanceId }), ...(fleet === "" ? {} : { Fleet: fleet }) };
  const keys = instanceId === "" ? [] : ["InstanceId"];
  const document = (dimensions: string[], metrics: Array<[string, string, number]>, extra: Record<string, string> = {}): string =>
    JSON.stringify({
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [{
          Namespace: EMF_NAMESPACE,
          Dimensions: fleet === "" ? [dimensions] : [dimensions, ["Fleet"]],
          Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })),
        }],
      },
      ...base,
      ...extra,
      ...Object.fromEntries(metrics.map(([name, , value]) => [name, value])),
    });
  const out = [
    document(keys, [
      ["PacketsIn", "Count", current.packetsIn - previous.packetsIn],
      ["PacketsOut", "Count", current.packetsOut - previous.packetsOut],
      ["ActiveFlows", "Count", current.activeFlows],
      ["Healthy", "None", current.healthy ? 1 : 0],
    ]),
  ];
  for (let i = 1; i < DROP_REASON_NAMES.length; i++) {
    const delta = current.drops[i] - (previous.drops[i] ?? 0);
    if (delta > 0) out.push(document([...keys, "Reason"], [["Drops", "Count", delta]], { Reason: DROP_REASON_NAMES[i] }));
  }
  return out;
}

/** Sends a report every `intervalSeconds` to `endpoint` (host:port on loopback). */
export class EmfReporter {
  private readonly socket = dgram.createSocket("udp4");
  private readonly timer: NodeJS.Timeout;
  private previous: EmfTotals = { packetsIn: 0, packetsOut: 0, drops: DROP_REASON_NAMES.map(() => 0), activeFlows: 0, healthy: false };
  private readonly host: string;
  private readonly port: number;

  constructor(
    endpoint: string,
    intervalSeconds: number,
    private readonly instanceId: string,
    private readonly fleet: string,
    private readonly read: () => Promise<EmfTotals>,
  ) {
    const colon = endpoint.lastIndexOf(":");
    this.host = endpoint.slice(0, colon);
    this.port = Number(endpoint.slice(colon + 1));
    // A CloudWatch agent that is not (yet) listening answers with ICMP: not the agent's problem.
    this.socket.on("error", (error) => logEvent("warn", "EMF send failed", { error: error.message }));
    this.timer = setInterval(() => void this.report(), intervalSeconds * 1000);
    this.timer.unref();
  }

  async report(): Promise<void> {
    const current = await this.read();
    for (const text of emfDocuments(current, this.previous, Date.now(), this.instanceId, this.fleet)) this.socket.send(text, this.port, this.host);
    this.previous = current;
  }

  close(): void {
    clearInterval(this.timer);
    this.socket.close();
  }
}
