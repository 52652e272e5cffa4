// Property tests: hostile input never throws and is always dropped with a reason; flow keys
// are symmetric.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseCidr, type Cidr } from "../../../common/cidr";
import { defaultSettings } from "../../../appliance-agent/src/control/settings";
import { loadDocument } from "../../../appliance-agent/src/control/load-document";
import { DROP_REASON_NAMES, Drop } from "../../../appliance-agent/src/dataplane/drop-reasons";
import { FlowTable } from "../../../appliance-agent/src/dataplane/flow-table";
import { FlowLogger } from "../../../appliance-agent/src/dataplane/flow-log";
import { Forwarder } from "../../../appliance-agent/src/dataplane/forwarder";
import { GeneveHeader } from "../../../appliance-agent/src/dataplane/geneve";
import { InnerPacket, parseInnerPacket } from "../../../appliance-agent/src/dataplane/inner-packet";
import { buildDatagram, buildInnerPacket } from "../../../appliance-agent/sim/packets";

function denyAllForwarder(): Forwarder {
  const settings = { ...defaultSettings(), listenAddress: "127.0.0.1", gwlbCidrs: [parseCidr("127.0.0.0/8") as Cidr], workers: 1, maxFlows: 1024 };
  const forwarder = new Forwarder({ settings, workerId: 0, bindMode: "exclusive", flowLogger: new FlowLogger(false, 0) });
  forwarder.setPolicy(loadDocument(JSON.stringify({ defaultAction: "deny", failMode: "closed", rules: [] }), "test").policy, 1);
  return forwarder;
}

describe("agent: properties", () => {
  let forwarder: Forwarder;
  before(() => {
    forwarder = denyAllForwarder();
  });
  after(() => forwarder.stop());

  it("random datagrams never throw and are dropped with a named reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        const code = forwarder.handle(Buffer.from(bytes), "127.0.0.1", 40000);
        return code !== Drop.None && code !== Drop.InternalError && code < DROP_REASON_NAMES.length;
      }),
      { numRuns: 3000 },
    );
  });

  it("mutated and truncated valid datagrams never throw and are dropped with a named reason", () => {
    const seeds = [
      buildDatagram({ inner: { src: "10.0.0.1", dst: "10.0.0.2", protocol: "tcp", payload: 20 } }).datagram,
      buildDatagram({ inner: { src: "2001:db8::1", dst: "2001:db8::2", protocol: "udp", payload: 20 } }).datagram,
      buildDatagram({ inner: { src: "10.0.0.1", dst: "10.0.0.2", protocol: "icmp" } }).datagram,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(),
        (seed, edits, cut) => {
          const datagram = Buffer.from(seed);
          for (const [at, value] of edits) datagram[at % datagram.length] = value;
          const truncated = datagram.subarray(0, cut % (datagram.length + 1));
          const code = forwarder.handle(truncated, "127.0.0.1", 40000);
          return code !== Drop.None && code !== Drop.InternalError;
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("random inner packets of either EtherType are parsed without throwing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(0x0800, 0x86dd), (bytes, type) => {
        const p = new InnerPacket();
        const code = parseInnerPacket(Buffer.from(bytes), 0, bytes.length, type, p);
        return Number.isInteger(code) && code >= 0 && code <= 6;
      }),
      { numRuns: 3000 },
    );
  });

  it("flow keys are symmetric: a->b and b->a give the same entry", () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
    const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(":"));
    const geneve = new GeneveHeader();
    const table = new FlowTable({ maxFlows: 100_000, tcpIdleTimeoutMs: 350_000, otherIdleTimeoutMs: 120_000 });
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(v4, v4), fc.tuple(v6, v6)),
        fc.constantFrom("tcp" as const, "udp" as const),
        fc.nat(65535),
        fc.nat(65535),
        fc.nat(),
        ([a, b], protocol, portA, portB, endpoint) => {
          geneve.endpointIdLow = endpoint;
          const parse = (src: string, dst: string, sp: number, dp: number): InnerPacket => {
            const bytes = buildInnerPacket({ src, dst, protocol, srcPort: sp, dstPort: dp });
            const p = new InnerPacket();
            assert.equal(parseInnerPacket(bytes, 0, bytes.length, bytes[0] >> 4 === 6 ? 0x86dd : 0x0800, p), 0);
            return p;
          };
          const forward = table.lookup(geneve, parse(a, b, portA, portB), 0);
          const reverse = table.lookup(geneve, parse(b, a, portB, portA), 0);
          return forward === reverse && !table.created;
        },
      ),
      { numRuns: 2000 },
    );
  });
});
