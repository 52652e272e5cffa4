// Metric rendering from worker snapshots, in process.
import { strict as assert } from "node:assert";
import { renderMetrics } from "../../../appliance-agent/src/control/metrics";
import { Counter, DataPlaneCounters, snapshotOf } from "../../../appliance-agent/src/dataplane/counters";
import { Drop } from "../../../appliance-agent/src/dataplane/drop-reasons";

describe("agent: metrics text", () => {
  it("sums workers and renders labelled samples", () => {
    const a = new DataPlaneCounters();
    const b = new DataPlaneCounters();
    a.values[Counter.PacketsIn] = 5;
    b.values[Counter.PacketsIn] = 7;
    a.drops[Drop.PolicyDeny] = 2;
    // Rule 0 allows, the default denies; counts are by rule index, labelled at snapshot time.
    for (const counters of [a, b]) counters.setVerdictRules(['odd"name', "other"], (index) => index === 0);
    a.countVerdict(0);
    b.countVerdict(0);
    b.countVerdict(-1);
    a.values[Counter.FlowLogsSuppressed] = 9;
    const gauges = { activeFlows: 3, returnSockets: 2, fastPathFlows: 0, policyVersion: 1, bound: true };
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
      fastPathBanks: { used: 3, refused: 1 },
    });
    const lines = text.split("\n");
    for (const expected of [
      "gwlb_agent_packets_in_total 12",
      'gwlb_agent_drops_total{reason="policy_deny"} 2',
      'gwlb_agent_verdicts_total{action="allow",rule="odd\\"name"} 2',
      'gwlb_agent_verdicts_total{action="deny",rule="default"} 1',
      "gwlb_agent_active_flows 6",
      "gwlb_agent_fast_path_endpoints 3",
      "gwlb_agent_fast_path_endpoints_refused_total 1",
      "gwlb_agent_flow_logs_suppressed_total 9",
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
    // A rule that decided nothing has no sample.
    assert.equal(lines.filter((line) => line.startsWith("gwlb_agent_verdicts_total{")).length, 2);
  });

  it("keeps the counts of an earlier policy after a change, by label", () => {
    const counters = new DataPlaneCounters();
    counters.setVerdictRules(["web"], () => true);
    counters.countVerdict(0);
    counters.countVerdict(0);
    counters.setVerdictRules(["web", "db"], (index) => index >= 0);
    counters.countVerdict(0);
    counters.countVerdict(1);
    counters.countVerdict(-1);
    assert.deepEqual(new Map(counters.verdictEntries()), new Map([["allow\u0000web", 3], ["allow\u0000db", 1], ["deny\u0000default", 1]]));
  });
});
