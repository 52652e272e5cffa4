// Endpoint banks of the fast path: one bank per GWLB endpoint, assigned once, announced to every
// worker after the kernel has the bank's map entries; endpoints past the last bank are refused.
import { strict as assert } from "node:assert";
import { FastPathBanks } from "../../../appliance-agent/src/control/fast-path-banks";
import { NO_BANK } from "../../../appliance-agent/src/dataplane/fast-path-elements";

const A = "00000000000000aa";
const B = "00000000000000bb";
const C = "00000000000000cc";

function desk(banks: number, fail: (commands: string) => boolean = () => false) {
  const applied: string[] = [];
  const announced: Array<[string, number]> = [];
  const release: Array<() => void> = [];
  const banksDesk = new FastPathBanks(
    banks,
    (commands) =>
      new Promise<void>((resolve, reject) => {
        applied.push(commands);
        release.push(() => (fail(commands) ? reject(new Error("nft said no")) : resolve()));
      }),
    (endpoint, bank) => announced.push([endpoint, bank]),
  );
  const settle = async (): Promise<void> => {
    for (const done of release.splice(0)) done();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { banksDesk, applied, announced, settle };
}

describe("agent: fast-path endpoint banks", () => {
  it("assigns banks in order, writes each once, and announces only after the kernel has it", async () => {
    const { banksDesk, applied, announced, settle } = desk(2);
    banksDesk.request(A);
    banksDesk.request(A); // a second worker asks while the first request is being applied
    assert.equal(applied.length, 1);
    assert.match(applied[0], /^add element netdev gwlb_agent in4 \{ 0x00000000000000aa : jump in4_0 \}; /);
    assert.deepEqual(announced, []);
    await settle();
    assert.deepEqual(announced, [[A, 0]]);
    banksDesk.request(B);
    await settle();
    banksDesk.request(A); // a respawned worker asks again: the known answer, nothing written
    assert.deepEqual(announced, [[A, 0], [B, 1], [A, 0]]);
    assert.equal(applied.length, 2);
    assert.equal(banksDesk.used, 2);
    assert.deepEqual([...banksDesk.assigned], [[A, 0], [B, 1]]);
  });

  it("refuses an endpoint once every bank is taken, and remembers it", async () => {
    const { banksDesk, applied, announced, settle } = desk(1);
    banksDesk.request(A);
    await settle();
    banksDesk.request(B);
    banksDesk.request(B);
    assert.deepEqual(announced, [[A, 0], [B, NO_BANK], [B, NO_BANK]]);
    assert.equal(banksDesk.refused, 1);
    assert.equal(applied.length, 1);
  });

  it("answers NO_BANK when nft fails, and does not reuse that bank", async () => {
    const { banksDesk, announced, settle } = desk(3, (commands) => commands.includes(B));
    banksDesk.request(B);
    await settle();
    banksDesk.request(C);
    await settle();
    assert.deepEqual(announced, [[B, NO_BANK], [C, 1]]);
  });

  it("ignores what is not 16 hex digits (it would go into an nft command)", () => {
    const { banksDesk, applied, announced } = desk(4);
    for (const bad of ["", "00aa", "00000000000000AA", "0000000000000aa; flush ruleset", "00000000000000aa0"]) banksDesk.request(bad);
    assert.deepEqual([applied, announced], [[], []]);
  });
});
