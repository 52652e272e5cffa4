// Health rule, command-line parsing and metric rendering, in process.
import { strict as assert } from "node:assert";
import { parseCommandLine, UsageError } from "../../appliance-agent/src/cli/options";
import { readFlagOverrides } from "../../appliance-agent/src/control/settings";
import { HEARTBEAT_STALE_MS, evaluateHealth } from "../../appliance-agent/src/control/health";
import { Drop } from "../../appliance-agent/src/dataplane/drop-reasons";
import { Counter, DataPlaneCounters, snapshotOf } from "../../appliance-agent/src/dataplane/counters";
import { renderMetrics } from "../../appliance-agent/src/control/metrics";

describe("agent: health rule", () => {
  const now = 1_000_000;
  const worker = { bound: true, lastHeartbeatMs: now, policyVersion: 3 };
  const base = { draining: false, policyVersion: 3, workersConfigured: 2, workers: [worker, worker], now };

  it("is healthy only when not draining, a policy is loaded and every worker is bound, policed and responsive", () => {
    assert.deepEqual(evaluateHealth(base), { healthy: true, reason: "ok" });
    assert.deepEqual(evaluateHealth({ ...base, draining: true }), { healthy: false, reason: "draining" });
    assert.deepEqual(evaluateHealth({ ...base, policyVersion: 0 }), { healthy: false, reason: "no policy loaded" });
    assert.deepEqual(evaluateHealth({ ...base, workers: [worker] }), { healthy: false, reason: "1 of 2 workers up" });
    assert.deepEqual(evaluateHealth({ ...base, workers: [worker, { ...worker, bound: false }] }), { healthy: false, reason: "worker 1 GENEVE socket not bound" });
    assert.deepEqual(evaluateHealth({ ...base, workers: [{ ...worker, policyVersion: 0 }, worker] }), { healthy: false, reason: "worker 0 has no policy" });
    const stale = { ...worker, lastHeartbeatMs: now - HEARTBEAT_STALE_MS - 1 };
    assert.deepEqual(evaluateHealth({ ...base, workers: [worker, stale] }), { healthy: false, reason: "worker 1 unresponsive" });
    // Exactly at the limit it is still healthy: no traffic is needed, only a turning loop.
    assert.equal(evaluateHealth({ ...base, workers: [worker, { ...worker, lastHeartbeatMs: now - HEARTBEAT_STALE_MS }] }).healthy, true);
  });
});

describe("agent: command line", () => {
  it("accepts --flag value and --flag=value, and merges repeated --gwlb-cidrs", () => {
    const parsed = parseCommandLine(["--config=/etc/a.json", "--gwlb-cidrs", "10.21.11.0/24", "--gwlb-cidrs=10.21.12.0/24", "--workers", "3"]);
    assert.equal(parsed.configFile, "/etc/a.json");
    const settings = readFlagOverrides(parsed.flags);
    assert.deepEqual(settings.gwlbCidrs!.map((c) => c.text), ["10.21.11.0/24", "10.21.12.0/24"]);
    assert.equal(settings.workers, 3);
  });

  it("rejects repeated single-valued flags and stray arguments", () => {
    assert.throws(() => parseCommandLine(["--config", "a", "--workers", "1", "--workers", "2"]), new UsageError("--workers given twice"));
    assert.throws(() => parseCommandLine(["--config", "a", "extra"]), new UsageError('unexpected argument "extra" (options start with --; see --help)'));
  });

  it("lists every problem of the flags at once", () => {
    const parsed = parseCommandLine(["--config", "a", "--listen-address", "::1", "--flow-logs", "maybe", "--socket-mode", "fast"]);
    assert.throws(() => readFlagOverrides(parsed.flags), {
      message:
        'command line is invalid:\n  - --listen-address: "::1" is not an IPv4 address (the GWLB\'s outer header is always IPv4)\n  - --flow-logs: "maybe" is not on/off\n  - --socket-mode: "fast" is not one of auto, reuseport, shared',
    });
  });
});

describe("agent: metrics text", () => {
  it("sums workers and renders labelled samples", () => {
    const a = new DataPlaneCounters();
    const b = new DataPlaneCounters();
    a.values[Counter.PacketsIn] = 5;
    b.values[Counter.PacketsIn] = 7;
    a.drops[Drop.PolicyDeny] = 2;
    a.countVerdict(true, 'odd"name');
    b.countVerdict(true, 'odd"name');
    b.countVerdict(false, "default");
    const gauges = { activeFlows: 3, returnSockets: 2, policyVersion: 1, bound: true };
    const text = renderMetrics([snapshotOf(a, gauges), snapshotOf(b, gauges)], {
      configVersion: 4,
      reloads: 3,
      reloadErrors: 1,
      draining: false,
      healthy: true,
      workersConfigured: 2,
      workersReady: 2,
      socketMode: "shared",
      kernel: { receiveDrops: 7, receiveQueueBytes: 4096, sockets: 1 },
    });
    const lines = text.split("\n");
    for (const expected of [
      "gwlb_agent_packets_in_total 12",
      'gwlb_agent_drops_total{reason="policy_deny"} 2',
      'gwlb_agent_verdicts_total{action="allow",rule="odd\\"name"} 2',
      'gwlb_agent_verdicts_total{action="deny",rule="default"} 1',
      "gwlb_agent_active_flows 6",
      "gwlb_agent_return_sockets 4",
      "gwlb_agent_config_version 4",
      "gwlb_agent_config_reload_errors_total 1",
      "gwlb_agent_socket_receive_drops_total 7",
      "gwlb_agent_socket_receive_queue_bytes 4096",
      "# TYPE gwlb_agent_active_flows gauge",
    ]) {
      assert.ok(lines.includes(expected), `missing ${expected}`);
    }
    assert.ok(text.endsWith("\n"));
  });
});
