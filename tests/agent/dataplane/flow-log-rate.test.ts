// The flow-log bound: a token bucket per worker, one second's worth of burst; lines over it are
// counted, not written, so a flood of new flows cannot turn into a flood of stdout.
import { strict as assert } from "node:assert";
import { Counter, DataPlaneCounters } from "../../../appliance-agent/src/dataplane/counters";
import { FlowLogger } from "../../../appliance-agent/src/dataplane/flow-log";

describe("agent: flow-log rate", () => {
  it("admits a burst of `rate` lines, then `rate` per second, and counts the rest", () => {
    const counters = new DataPlaneCounters();
    const logger = new FlowLogger(true, 0, () => undefined);
    logger.limit(10, counters);
    const t0 = 1_000_000;
    let admitted = 0;
    for (let i = 0; i < 25; i++) if (logger.admit(t0)) admitted++;
    assert.equal(admitted, 10);
    assert.equal(counters.values[Counter.FlowLogsSuppressed], 15);
    // 300 ms later: 3 tokens.
    admitted = 0;
    for (let i = 0; i < 10; i++) if (logger.admit(t0 + 300)) admitted++;
    assert.equal(admitted, 3);
    assert.equal(counters.values[Counter.FlowLogsSuppressed], 22);
    // A long quiet spell refills to the burst, not beyond it.
    admitted = 0;
    for (let i = 0; i < 30; i++) if (logger.admit(t0 + 60_000)) admitted++;
    assert.equal(admitted, 10);
    assert.equal(counters.values[Counter.FlowLogsSuppressed], 42);
  });

  it("counts nothing when flow logs are off", () => {
    const counters = new DataPlaneCounters();
    const logger = new FlowLogger(false, 0, () => undefined);
    logger.limit(1, counters);
    for (let i = 0; i < 5; i++) assert.equal(logger.admit(1000), false);
    assert.equal(counters.values[Counter.FlowLogsSuppressed], 0);
  });
});
