// Flow table: symmetric keys, endpoint separation, initiator choice, idle timeouts, eviction.
import { strict as assert } from "node:assert";
import { GeneveHeader } from "../../../appliance-agent/src/dataplane/geneve";
import { FLAG_INITIATOR_IS_A, FlowEnd, FlowTable } from "../../../appliance-agent/src/dataplane/flow-table";
import { InnerPacket, parseInnerPacket } from "../../../appliance-agent/src/dataplane/inner-packet";
import { InnerPacketSpec, TCP_ACK, TCP_SYN, buildInnerPacket } from "../../../appliance-agent/sim/packets";

const geneve = new GeneveHeader();
geneve.endpointIdHigh = 1;
geneve.endpointIdLow = 2;

function packet(spec: InnerPacketSpec): InnerPacket {
  const bytes = buildInnerPacket(spec);
  const p = new InnerPacket();
  const code = parseInnerPacket(bytes, 0, bytes.length, bytes[0] >> 4 === 6 ? 0x86dd : 0x0800, p);
  assert.equal(code, 0);
  return p;
}

function table(maxFlows = 16, tcpSeconds = 350, otherSeconds = 120): FlowTable {
  return new FlowTable({ maxFlows, tcpIdleTimeoutMs: tcpSeconds * 1000, otherIdleTimeoutMs: otherSeconds * 1000, hashSeed: 42 });
}

describe("agent: flow table", () => {
  it("maps both directions of a flow to one entry", () => {
    const t = table();
    const forward = t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "tcp", srcPort: 40000, dstPort: 443, tcpFlags: TCP_SYN }), 1000);
    assert.equal(t.created, true);
    const reverse = t.lookup(geneve, packet({ src: "10.0.0.2", dst: "10.0.0.1", protocol: "tcp", srcPort: 443, dstPort: 40000, tcpFlags: TCP_SYN | TCP_ACK }), 1001);
    assert.equal(t.created, false);
    assert.equal(reverse, forward);
    assert.equal(t.size, 1);
  });

  it("keeps flows of different endpoints, protocols and ports apart", () => {
    const t = table();
    const base: InnerPacketSpec = { src: "2001:db8::1", dst: "2001:db8::2", protocol: "udp", srcPort: 5000, dstPort: 53 };
    const a = t.lookup(geneve, packet(base), 0);
    const other = new GeneveHeader();
    other.endpointIdHigh = 1;
    other.endpointIdLow = 3;
    const b = t.lookup(other, packet(base), 0);
    const c = t.lookup(geneve, packet({ ...base, protocol: "tcp" }), 0);
    const d = t.lookup(geneve, packet({ ...base, srcPort: 5001 }), 0);
    assert.equal(new Set([a, b, c, d]).size, 4);
    assert.equal(t.size, 4);
  });

  it("takes the initiator from SYN, SYN-ACK, well-known ports, or else the first packet", () => {
    const t = table();
    const cases: Array<[InnerPacketSpec, string]> = [
      [{ src: "10.0.0.9", dst: "10.0.0.1", protocol: "tcp", srcPort: 1000, dstPort: 2000, tcpFlags: TCP_SYN }, "10.0.0.9"],
      [{ src: "10.0.0.9", dst: "10.0.0.1", protocol: "tcp", srcPort: 1001, dstPort: 2000, tcpFlags: TCP_SYN | TCP_ACK }, "10.0.0.1"],
      [{ src: "10.0.0.9", dst: "10.0.0.1", protocol: "udp", srcPort: 53, dstPort: 40000 }, "10.0.0.1"],
      [{ src: "10.0.0.9", dst: "10.0.0.1", protocol: "udp", srcPort: 40001, dstPort: 53 }, "10.0.0.9"],
      [{ src: "10.0.0.9", dst: "10.0.0.1", protocol: "udp", srcPort: 30000, dstPort: 40000 }, "10.0.0.9"],
    ];
    for (const [spec, initiator] of cases) {
      const slot = t.lookup(geneve, packet(spec), 0);
      const aIsLower = true; // 10.0.0.1 < 10.0.0.9, so address A is 10.0.0.1
      const initiatorIsA = (t.flags[slot] & FLAG_INITIATOR_IS_A) !== 0;
      assert.equal(initiatorIsA === aIsLower ? "10.0.0.1" : "10.0.0.9", initiator, JSON.stringify(spec));
    }
  });

  it("expires UDP after 120 s and TCP after 350 s of idleness, reporting each end once", () => {
    const t = table();
    const ended: Array<[number, number]> = [];
    t.onEnd = (slot, reason) => ended.push([slot, reason]);
    const udp = t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp" }), 0);
    const tcp = t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "tcp" }), 0);
    assert.equal(t.expire(119_999), 0);
    assert.equal(t.expire(120_000), 1);
    assert.deepEqual(ended, [[udp, FlowEnd.Idle]]);
    t.lookup(geneve, packet({ src: "10.0.0.2", dst: "10.0.0.1", protocol: "tcp", srcPort: 80, dstPort: 40000 }), 100_000);
    assert.equal(t.expire(449_999), 0);
    assert.equal(t.expire(450_000), 1);
    assert.deepEqual(ended, [
      [udp, FlowEnd.Idle],
      [tcp, FlowEnd.Idle],
    ]);
    assert.equal(t.size, 0);
    assert.equal(t.expirations, 2);
  });

  it("honours a configured TCP idle timeout", () => {
    const t = table(16, 60);
    t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "tcp" }), 0);
    assert.equal(t.expire(59_999), 0);
    assert.equal(t.expire(60_000), 1);
  });

  it("evicts the entry nearest its idle deadline when full, and never exceeds the cap", () => {
    const t = table(3);
    const ended: Array<[number, number]> = [];
    t.onEnd = (slot, reason) => ended.push([slot, reason]);
    const tcpOld = t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "tcp", srcPort: 1 }), 0); // deadline 350 s
    const udpOld = t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 2 }), 10_000); // deadline 130 s
    t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 3 }), 20_000);
    t.lookup(geneve, packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 4 }), 30_000);
    assert.deepEqual(ended, [[udpOld, FlowEnd.Evicted]]);
    assert.equal(t.size, 3);
    assert.equal(t.evictions, 1);
    // The TCP entry survives: its deadline is later than every UDP one.
    assert.equal(t.lookup(geneve, packet({ src: "10.0.0.2", dst: "10.0.0.1", protocol: "tcp", dstPort: 1, srcPort: 80 }), 31_000), tcpOld);
    assert.equal(t.created, false);
  });

  it("keeps lookups correct through heavy churn at the cap", () => {
    const t = table(64);
    for (let i = 0; i < 5000; i++) {
      t.lookup(geneve, packet({ src: "10.1.0.1", dst: "10.2.0.1", protocol: "udp", srcPort: 1024 + i, dstPort: 53 }), i);
      assert.ok(t.size <= 64);
    }
    assert.equal(t.size, 64);
    assert.equal(t.evictions, 5000 - 64);
    // The 64 most recent flows are all still there.
    for (let i = 5000 - 64; i < 5000; i++) {
      t.lookup(geneve, packet({ src: "10.2.0.1", dst: "10.1.0.1", protocol: "udp", srcPort: 53, dstPort: 1024 + i }), 6000);
      assert.equal(t.created, false, `flow ${i}`);
    }
    let ends = 0;
    t.onEnd = () => ends++;
    t.clear();
    assert.equal(ends, 64);
    assert.equal(t.size, 0);
  });
});
