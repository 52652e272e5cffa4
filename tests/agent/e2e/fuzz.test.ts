// A short bounded run of the fuzz command (npm run agent:fuzz) against the built bundle: 20,000
// hostile datagrams; every batch is followed by the liveness, health, probe and RSS checks.
import { strict as assert } from "node:assert";
import { runFuzz } from "../../../appliance-agent/sim/fuzz";

describe("agent e2e: fuzz, a bounded run (bundle)", function () {
  this.timeout(120_000);

  it("survives 20,000 hostile datagrams: alive, healthy, the probe returned byte for byte, RSS bounded", async () => {
    const report = await runFuzz({ count: 20_000, seed: 20261201, batch: 1000 });
    console.log(`      fuzz: ${JSON.stringify(report)}`);
    assert.equal(report.sent, 20_000);
    assert.equal(report.batches, 20);
    // Every datagram, and the probes before the last batch's metrics read, read by the agent or counted by the kernel.
    assert.equal(report.packetsIn + report.kernelDrops, 20_019);
    assert.equal(report.drops.internal_error, undefined);
    const dropped = Object.values(report.drops).reduce((a, b) => a + b, 0);
    // Each datagram the agent read was returned or dropped with a reason (the probe of the last batch came after the read).
    assert.equal(report.packetsOut + dropped, report.packetsIn);
    assert.ok(dropped > 5_000, `only ${dropped} dropped`);
    assert.ok(report.rssMaxMiB <= 2 * report.rssFirstMiB);
  });
});
