// The Prometheus text exposition (version 0.0.4) of /metrics: every worker's counters summed,
// plus what only the control plane knows (policy reloads, drain, worker readiness, kernel drops).

import { Counter, DataPlaneSnapshot } from "../dataplane/counters";
import { DROP_REASON_NAMES, UNCLASSIFIED_REASON_NAMES } from "../dataplane/drop-reasons";
import type { KernelSocketStats } from "./kernel-socket-stats";

/** Values only the control plane (primary process) knows. */
export interface ControlPlaneValues {
  configVersion: number;
  reloads: number;
  reloadErrors: number;
  draining: boolean;
  healthy: boolean;
  workersConfigured: number;
  workersReady: number;
  socketMode: string;
  /** Kernel counters of the GENEVE socket(s); null where they cannot be read. */
  kernel: KernelSocketStats | null;
  /** Fast-path endpoint banks in use and endpoints refused one; null when the fast path is off. */
  fastPathBanks: { used: number; refused: number } | null;
}

function sum(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + from[i];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Renders the Prometheus text format (version 0.0.4) from every worker's snapshot. */
export function renderMetrics(snapshots: readonly DataPlaneSnapshot[], control: ControlPlaneValues): string {
  const counters: number[] = [];
  const drops: number[] = [];
  const unclassified: number[] = [];
  const verdicts = new Map<string, number>();
  let activeFlows = 0;
  let returnSockets = 0;
  let fastPathFlows = 0;
  for (const snapshot of snapshots) {
    sum(counters, snapshot.counters);
    sum(drops, snapshot.drops);
    sum(unclassified, snapshot.unclassified);
    for (const [key, value] of snapshot.verdicts) verdicts.set(key, (verdicts.get(key) ?? 0) + value);
    activeFlows += snapshot.activeFlows;
    returnSockets += snapshot.returnSockets;
    fastPathFlows += snapshot.fastPathFlows;
  }
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>): void => {
    lines.push(`# HELP gwlb_agent_${name} ${help}`, `# TYPE gwlb_agent_${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`gwlb_agent_${name}${labels} ${value}`);
  };
  const counter = (index: number): number => counters[index] ?? 0;
  metric("packets_in_total", "counter", "GENEVE datagrams received, including dropped ones.", [["", counter(Counter.PacketsIn)]]);
  metric("bytes_in_total", "counter", "Bytes of GENEVE datagrams received (UDP payload).", [["", counter(Counter.BytesIn)]]);
  metric("packets_out_total", "counter", "GENEVE datagrams returned to the GWLB.", [["", counter(Counter.PacketsOut)]]);
  metric("bytes_out_total", "counter", "Bytes of GENEVE datagrams returned (UDP payload).", [["", counter(Counter.BytesOut)]]);
  metric(
    "drops_total",
    "counter",
    "Datagrams not returned, by reason.",
    DROP_REASON_NAMES.slice(1).map((reason, i) => [`{reason="${reason}"}`, drops[i + 1] ?? 0]),
  );
  metric(
    "unclassified_packets_total",
    "counter",
    "Well-formed GENEVE datagrams whose inner packet had no usable 5-tuple (forwarded if fail-open, dropped if fail-closed).",
    UNCLASSIFIED_REASON_NAMES.slice(1).map((reason, i) => [`{reason="${reason}"}`, unclassified[i + 1] ?? 0]),
  );
  metric("unclassified_forwarded_total", "counter", "Unclassifiable packets forwarded under fail-open.", [["", counter(Counter.UnclassifiedForwarded)]]);
  metric("fragments_matched_total", "counter", "Later fragments given the verdict of their datagram's first fragment.", [["", counter(Counter.FragmentsMatched)]]);
  metric("active_flows", "gauge", "Entries in the flow tables (summed over workers).", [["", activeFlows]]);
  metric("flows_created_total", "counter", "Flow table entries created.", [["", counter(Counter.FlowsCreated)]]);
  metric("flows_expired_total", "counter", "Flow table entries removed after their idle timeout.", [["", counter(Counter.FlowsExpired)]]);
  metric("flow_evictions_total", "counter", "Flow table entries evicted because the table was full.", [["", counter(Counter.FlowEvictions)]]);
  metric(
    "verdicts_total",
    "counter",
    "Flow decisions by action and matching rule (rule=\"default\" for the default action).",
    [...verdicts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => {
        const [action, rule] = key.split("\u0000");
        return [`{action="${action}",rule="${escapeLabel(rule)}"}`, value];
      }),
  );
  metric("flow_logs_suppressed_total", "counter", "Flow log lines not written because the worker's --flow-log-rate was exceeded.", [["", counter(Counter.FlowLogsSuppressed)]]);
  metric("return_sockets", "gauge", "Open return sockets (one per GWLB address and source port, per worker).", [["", returnSockets]]);
  metric("return_sockets_opened_total", "counter", "Return sockets opened.", [["", counter(Counter.ReturnSocketsOpened)]]);
  metric("return_socket_evictions_total", "counter", "Return sockets closed to stay under the bound.", [["", counter(Counter.ReturnSocketEvictions)]]);
  metric("return_send_errors_total", "counter", "Errors reported by return sockets.", [["", counter(Counter.ReturnSendErrors)]]);
  metric("fast_path_flows", "gauge", "Flows installed in the kernel fast path (one set element each).", [["", fastPathFlows]]);
  metric("fast_path_packets_total", "counter", "Packets of allowed flows the kernel fast path returned (from its per-flow counters; not in packets_in_total).", [["", counter(Counter.FastPathPackets)]]);
  metric("fast_path_bytes_total", "counter", "Inner IP bytes of those packets.", [["", counter(Counter.FastPathBytes)]]);
  metric("fast_path_dropped_packets_total", "counter", "Packets of denied flows the kernel fast path dropped.", [["", counter(Counter.FastPathDropped)]]);
  metric("fast_path_installs_total", "counter", "Flows installed or moved between verdict sets.", [["", counter(Counter.FastPathInstalls)]]);
  metric("fast_path_removals_total", "counter", "Flows taken out of the kernel (ended).", [["", counter(Counter.FastPathRemovals)]]);
  metric("fast_path_full_total", "counter", "Flows kept on the slow path because the fast path was at --fast-path-max-flows.", [["", counter(Counter.FastPathFull)]]);
  metric("fast_path_polls_total", "counter", "Reads of the kernel's per-flow counters.", [["", counter(Counter.FastPathPolls)]]);
  metric("fast_path_poll_seconds_total", "counter", "Wall time those reads took (a poll waits at least 20 times its own length before the next).", [["", counter(Counter.FastPathPollSeconds)]]);
  metric("fast_path_polls_deferred_total", "counter", "Reads put off or stopped because the data path kept the agent busy (at most 10 in a row).", [["", counter(Counter.FastPathPollsDeferred)]]);
  metric("fast_path_timeout_refreshes_total", "counter", "Kernel elements whose idle timeout a counter read refreshed (timeouts kept by the agent's polls, not per packet).", [["", counter(Counter.FastPathTimeoutRefreshes)]]);
  metric("fast_path_errors_total", "counter", "Failed nft transactions or counter reads.", [["", counter(Counter.FastPathErrors)]]);
  if (control.fastPathBanks !== null) {
    metric("fast_path_endpoints", "gauge", "GWLB endpoints with a bank of fast-path sets.", [["", control.fastPathBanks.used]]);
    metric("fast_path_endpoints_refused_total", "counter", "GWLB endpoints refused a bank (all --fast-path-endpoints taken): their flows stay on the slow path.", [["", control.fastPathBanks.refused]]);
  }
  metric("config_version", "gauge", "Version of the policy in force; increases on every accepted change.", [["", control.configVersion]]);
  metric("config_reloads_total", "counter", "Policy documents accepted after the first.", [["", control.reloads]]);
  metric("config_reload_errors_total", "counter", "Policy documents rejected or unreadable; the last good one stayed in force.", [["", control.reloadErrors]]);
  metric("draining", "gauge", "1 after SIGTERM until exit.", [["", control.draining ? 1 : 0]]);
  metric("healthy", "gauge", "1 when the health endpoint answers 200.", [["", control.healthy ? 1 : 0]]);
  metric("workers", "gauge", "Data-plane workers configured.", [["", control.workersConfigured]]);
  metric("workers_ready", "gauge", "Data-plane workers bound and responsive.", [["", control.workersReady]]);
  if (control.kernel !== null) {
    metric("socket_receive_drops_total", "counter", "GENEVE datagrams the kernel dropped because the socket's receive buffer was full (never seen by the agent; from ss, or /proc/net/udp without it).", [["", control.kernel.receiveDrops]]);
    metric("socket_receive_queue_bytes", "gauge", "Bytes waiting in the GENEVE socket's receive buffer.", [["", control.kernel.receiveQueueBytes]]);
  }
  metric("info", "gauge", "Static information.", [[`{socket_mode="${escapeLabel(control.socketMode)}"}`, 1]]);
  return lines.join("\n") + "\n";
}
