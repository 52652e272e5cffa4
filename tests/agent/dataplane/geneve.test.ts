// GENEVE and AWS option parsing on crafted bytes.
import { strict as assert } from "node:assert";
import { Drop } from "../../../appliance-agent/src/dataplane/drop-reasons";
import { AWS_OPTION_CLASS, GeneveHeader, formatId64, parseGeneve } from "../../../appliance-agent/src/dataplane/geneve";
import { buildInnerPacket, encapsulate } from "../../../appliance-agent/sim/packets";

const inner = buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1234, dstPort: 53, payload: 4 });

function parse(datagram: Buffer): { code: number; header: GeneveHeader } {
  const header = new GeneveHeader();
  return { code: parseGeneve(datagram, datagram.length, header), header };
}

describe("agent: GENEVE parsing", () => {
  it("reads the AWS options and the inner offset of a well-formed datagram", () => {
    const datagram = encapsulate(inner, { endpointId: 0x0123456789abcdefn, attachmentId: 0xfedcba9876543210n, flowCookie: 0xdeadbeef, vni: 0x123456 });
    const { code, header } = parse(datagram);
    assert.equal(code, Drop.None);
    assert.equal(header.innerOffset, 40);
    assert.equal(header.innerLength, inner.length);
    assert.equal(header.protocolType, 0x0800);
    assert.equal(header.vni, 0x123456);
    assert.equal(formatId64(header.endpointIdHigh, header.endpointIdLow), "0123456789abcdef");
    assert.equal(formatId64(header.attachmentIdHigh, header.attachmentIdLow), "fedcba9876543210");
    assert.equal(header.flowCookie, 0xdeadbeef);
  });

  it("drops every truncation of a valid datagram inside the GENEVE header with a header reason", () => {
    const datagram = encapsulate(inner);
    for (let length = 0; length < 40; length++) {
      const code = parseGeneve(datagram, length, new GeneveHeader());
      const expected = length < 8 ? Drop.GeneveTruncated : Drop.GeneveOptionsPastEnd;
      assert.equal(code, expected, `length ${length}`);
    }
    // From 40 bytes on the GENEVE header is complete; the inner packet is judged later.
    for (let length = 40; length <= datagram.length; length++) {
      assert.equal(parseGeneve(datagram, length, new GeneveHeader()), Drop.None, `length ${length}`);
    }
  });

  it("rejects versions 1 to 3", () => {
    for (const version of [1, 2, 3]) {
      const datagram = encapsulate(inner);
      datagram[0] = (version << 6) | (datagram[0] & 0x3f);
      assert.equal(parse(datagram).code, Drop.GeneveBadVersion);
    }
  });

  it("rejects an option length that runs past the datagram", () => {
    const datagram = encapsulate(inner).subarray(0, 30);
    assert.equal(parse(Buffer.from(datagram)).code, Drop.GeneveOptionsPastEnd);
    const big = encapsulate(inner);
    big[0] = 0x3f; // 252 bytes of options announced
    assert.equal(parse(big).code, Drop.GeneveOptionsPastEnd);
  });

  it("rejects an option whose own length runs past the options area", () => {
    const datagram = encapsulate(inner);
    datagram[8 + 3] = 0x1f; // endpoint option claims 124 bytes
    assert.equal(parse(datagram).code, Drop.GeneveOptionTruncated);
  });

  it("rejects AWS options of the wrong length", () => {
    const cases: Array<[number, number]> = [
      [1, 4],
      [2, 12],
      [3, 8],
    ];
    for (const [type, bytes] of cases) {
      const omit = type === 1 ? "endpoint" : type === 2 ? "attachment" : "cookie";
      const datagram = encapsulate(inner, { omitAwsOptions: [omit], extraOptions: [{ optionClass: AWS_OPTION_CLASS, type, data: Buffer.alloc(bytes) }] });
      assert.equal(parse(datagram).code, Drop.AwsOptionBadLength, `type ${type} with ${bytes} bytes`);
    }
  });

  it("rejects datagrams missing any AWS option", () => {
    for (const omit of ["endpoint", "attachment", "cookie"] as const) {
      assert.equal(parse(encapsulate(inner, { omitAwsOptions: [omit] })).code, Drop.AwsOptionMissing, omit);
    }
    assert.equal(parse(encapsulate(inner, { omitAwsOptions: ["endpoint", "attachment", "cookie"] })).code, Drop.AwsOptionMissing);
  });

  it("rejects a repeated AWS option", () => {
    const datagram = encapsulate(inner, { extraOptions: [{ optionClass: AWS_OPTION_CLASS, type: 3, data: Buffer.alloc(4) }] });
    assert.equal(parse(datagram).code, Drop.AwsOptionDuplicate);
  });

  it("skips unknown non-critical options of any class, including zero-length ones", () => {
    const datagram = encapsulate(inner, {
      extraOptions: [
        { optionClass: 0x0000, type: 0x01, data: Buffer.alloc(8, 0xaa) },
        { optionClass: 0xffff, type: 0x7f, data: Buffer.alloc(0) },
        { optionClass: AWS_OPTION_CLASS, type: 0x09, data: Buffer.alloc(4) },
      ],
      flowCookie: 7,
    });
    const { code, header } = parse(datagram);
    assert.equal(code, Drop.None);
    assert.equal(header.innerOffset, 40 + 12 + 4 + 8);
    assert.equal(header.flowCookie, 7);
  });

  it("drops unknown options with the critical bit, whatever the C flag says", () => {
    const datagram = encapsulate(inner, { extraOptions: [{ optionClass: 0x0103, type: 0x80 | 0x05, data: Buffer.alloc(4) }] });
    assert.equal(datagram[1] & 0x40, 0, "C flag clear");
    assert.equal(parse(datagram).code, Drop.GeneveUnknownCriticalOption);
    // The C flag alone (no critical option present) is not a reason to drop.
    const flagged = encapsulate(inner);
    flagged[1] |= 0x40;
    assert.equal(parse(flagged).code, Drop.None);
  });

  it("drops OAM packets and protocol types other than IPv4/IPv6", () => {
    const oam = encapsulate(inner);
    oam[1] |= 0x80;
    assert.equal(parse(oam).code, Drop.GeneveOamPacket);
    assert.equal(parse(encapsulate(inner, { protocolType: 0x6558 })).code, Drop.GeneveBadProtocolType);
  });

  it("accepts a jumbo datagram (8,500-byte inner packet) without truncation", () => {
    const jumbo = buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "tcp", totalLength: 8500 });
    const datagram = encapsulate(jumbo);
    assert.equal(datagram.length, 8540);
    const { code, header } = parse(datagram);
    assert.equal(code, Drop.None);
    assert.equal(header.innerLength, 8500);
  });
});
