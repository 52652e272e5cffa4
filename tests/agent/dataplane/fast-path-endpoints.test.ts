// A worker's endpoint banks: each endpoint asked for once, the flows decided meanwhile handed back
// with the answer, the bank's endpoint kept for reading listings, refusals and bad answers.
import { strict as assert } from "node:assert";
import { EndpointBanks } from "../../../appliance-agent/src/dataplane/fast-path-endpoints";

const A = "0123456789abcdef";
const B = "00000000000000bb";

describe("agent: a worker's fast-path endpoint banks", () => {
  it("asks for an endpoint once, holds its flows until the answer, then gives its bank", () => {
    const asked: string[] = [];
    const banks = new EndpointBanks(4, (endpoint) => asked.push(endpoint));
    assert.equal(banks.bankFor(A, 7), -2);
    assert.equal(banks.bankFor(A, 9), -2);
    assert.equal(banks.bankFor(A, 7), -2);
    assert.deepEqual(asked, [A]);
    assert.deepEqual(banks.answer(A, 2), [7, 9, 7]);
    assert.equal(banks.bankFor(A, 11), 2);
    assert.deepEqual([banks.high[2], banks.low[2], banks.used], [0x01234567, 0x89abcdef, [2]]);
    assert.deepEqual(banks.answer(A, 2), []);
    assert.deepEqual(banks.used, [2]);
  });

  it("keeps a refused endpoint's flows on the slow path without asking again", () => {
    const asked: string[] = [];
    const banks = new EndpointBanks(1, (endpoint) => asked.push(endpoint));
    banks.bankFor(B, 1);
    assert.deepEqual(banks.answer(B, -1), []);
    assert.equal(banks.bankFor(B, 2), -1);
    assert.deepEqual([asked, banks.used], [[B], []]);
  });

  it("ignores answers it cannot use: a bank past its count, not an integer, a malformed endpoint", () => {
    const banks = new EndpointBanks(2, () => undefined);
    banks.bankFor(A, 3);
    for (const [endpoint, bank] of [[A, 2], [A, 0.5], [A, -3], ["0123", 0], [A.toUpperCase(), 0]] as Array<[string, number]>) {
      assert.deepEqual(banks.answer(endpoint, bank), [], `${endpoint} ${bank}`);
    }
    assert.equal(banks.bankFor(A, 4), -2);
    assert.deepEqual(banks.answer(A, 1), [3, 4]);
  });
});
