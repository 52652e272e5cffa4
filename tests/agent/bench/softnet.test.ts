// The input-backlog drops the benchmark attributes to each CPU, read from /proc/net/softnet_stat.
import { strict as assert } from "node:assert";
import { softnetDrops } from "../../../appliance-agent/bench/sys";

describe("bench: softnet_stat drops", () => {
  it("reads the second hex column of each CPU's row", () => {
    const text = [
      "22a439f9 000082d4 00000035 00000000 00000000 00000000 00000000 00000000 00000000 053fec52 00000000 00000000 00000000 00000000 00000000",
      "231ae25c 062d7134 0000016e 00000000 00000000 00000000 00000000 00000000 00000000 05b9ad86 00000000 00000000 00000001 00000000 00000000",
      "",
    ].join("\n");
    assert.deepEqual(softnetDrops(text), [33492, 103641396]);
  });

  it("gives no CPUs for an empty file", () => {
    assert.deepEqual(softnetDrops(""), []);
  });
});
