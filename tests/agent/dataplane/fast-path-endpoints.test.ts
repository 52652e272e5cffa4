// A worker's endpoint banks: each endpoint asked for once, the flows decided meanwhile handed back
// with the answer, the bank's endpoint kept for reading listings, refusals and bad answers.
import { strict as assert } from "node:assert";
import { EndpointBanks } from "../../../appliance-agent/src/dataplane/fast-path-endpoints";

const A = "0123456789abcdef";
const B = "00000000000000bb";
/** The words of A and B as a flow key holds them. */
const WORDS: Record<string, [number, number]> = { [A]: [0x01234567, 0x89abcdef], [B]: [0, 0xbb] };

function bankFor(banks: EndpointBanks, endpoint: string, slot: number): number {
  return banks.bankFor(WORDS[endpoint][0], WORDS[endpoint][1], slot);
}

describe("agent: a worker's fast-path endpoint banks", () => {
  it("asks for an endpoint once, holds its flows until the answer, then gives its bank", () => {
    const asked: string[] = [];
    const banks = new EndpointBanks(4, (endpoint) => asked.push(endpoint));
    assert.equal(bankFor(banks, A, 7), -2);
    assert.equal(bankFor(banks, A, 9), -2);
    assert.equal(bankFor(banks, A, 7), -2);
    assert.deepEqual(asked, [A]);
    assert.deepEqual(banks.answer(A, 2), [7, 9, 7]);
    assert.equal(bankFor(banks, A, 11), 2);
    assert.deepEqual([banks.high[2], banks.low[2], banks.used], [0x01234567, 0x89abcdef, [2]]);
    assert.deepEqual(banks.answer(A, 2), []);
    assert.deepEqual(banks.used, [2]);
  });

  it("keeps a refused endpoint's flows on the slow path without asking again", () => {
    const asked: string[] = [];
    const banks = new EndpointBanks(1, (endpoint) => asked.push(endpoint));
    bankFor(banks, B, 1);
    assert.deepEqual(banks.answer(B, -1), []);
    assert.equal(bankFor(banks, B, 2), -1);
    assert.deepEqual([asked, banks.used], [[B], []]);
  });

  it("ignores answers it cannot use: a bank past its count, not an integer, a malformed endpoint", () => {
    const banks = new EndpointBanks(2, () => undefined);
    bankFor(banks, A, 3);
    for (const [endpoint, bank] of [[A, 2], [A, 0.5], [A, -3], ["0123", 0], [A.toUpperCase(), 0]] as Array<[string, number]>) {
      assert.deepEqual(banks.answer(endpoint, bank), [], `${endpoint} ${bank}`);
    }
    assert.equal(bankFor(banks, A, 4), -2);
    assert.deepEqual(banks.answer(A, 1), [3, 4]);
  });
});
