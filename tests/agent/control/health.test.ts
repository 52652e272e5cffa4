// The health rule, in process.
import { strict as assert } from "node:assert";
import { HEARTBEAT_STALE_MS, evaluateHealth } from "../../../appliance-agent/src/control/health";

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
