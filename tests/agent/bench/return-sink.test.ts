// A capacity run's result: the sink's kernel-counted drops are delivered returns too.
import { strict as assert } from "node:assert";
import type { GeneratorResult } from "../../../appliance-agent/bench/generator";
import { withSunkReturns } from "../../../appliance-agent/bench/return-sink";

const BASE = {
  cpuBusy: [1, 0.9], watchCores: -1, sendSeconds: 2, sendPps: 500_000, duplicates: 0, badFrom: 0, badPort: 0, badLength: 0, badBytes: 0, badStamp: 0,
  sendErrors: 0, sendCalls: 20_000, p50Us: 40, p90Us: 60, p99Us: 200, p999Us: 400, maxUs: 900, arrivalP50Us: 20, arrivalP99Us: 100, arrivals: 1000, maxBehind: 45, forgiven: 0,
};

describe("bench: return sink results", () => {
  it("counts the sink's drops as received and delivered, and loss as what neither saw", () => {
    const generated: GeneratorResult = { ...BASE, sent: 1_000_000, received: 40_000, rxInWindow: 39_000, deliveredPps: 19_500, lost: 960_000 };
    const merged = withSunkReturns(generated, 600_000);
    assert.deepEqual(
      { received: merged.received, rxInWindow: merged.rxInWindow, lost: merged.lost, deliveredPps: merged.deliveredPps, p99Us: merged.p99Us },
      { received: 640_000, rxInWindow: 639_000, lost: 360_000, deliveredPps: 319_500, p99Us: 200 },
    );
  });

  it("never reports more delivered than sent (returns counted in the drain)", () => {
    const generated: GeneratorResult = { ...BASE, sent: 1000, received: 63, rxInWindow: 63, deliveredPps: 31.5, lost: 937 };
    const merged = withSunkReturns(generated, 940);
    assert.deepEqual({ received: merged.received, lost: merged.lost, deliveredPps: merged.deliveredPps }, { received: 1003, lost: 0, deliveredPps: 500 });
  });
});
