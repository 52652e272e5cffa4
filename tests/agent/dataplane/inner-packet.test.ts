// Inner IPv4/IPv6 parsing down to the 5-tuple, on crafted bytes.
import { strict as assert } from "node:assert";
import { Unclassified } from "../../../appliance-agent/src/dataplane/drop-reasons";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "../../../appliance-agent/src/dataplane/geneve";
import { Fragment, Hint, InnerPacket, MAX_IPV6_EXTENSION_HEADERS, parseInnerPacket } from "../../../appliance-agent/src/dataplane/inner-packet";
import {
  TCP_ACK,
  TCP_SYN,
  buildInnerPacket,
  buildIpv4,
  buildIpv6,
  buildTcp,
  buildUdp,
  ipv6FragmentHeader,
  ipv6OptionsHeader,
} from "../../../appliance-agent/sim/packets";

function parse(packet: Buffer, type = packet[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4): { code: number; p: InnerPacket } {
  const p = new InnerPacket();
  return { code: parseInnerPacket(packet, 0, packet.length, type, p), p };
}

describe("agent: inner packet parsing", () => {
  it("reads an IPv4 TCP 5-tuple and marks a SYN as started by its source", () => {
    const { code, p } = parse(buildInnerPacket({ src: "192.0.2.1", dst: "10.10.21.100", protocol: "tcp", srcPort: 51000, dstPort: 443, tcpFlags: TCP_SYN }));
    assert.equal(code, Unclassified.None);
    assert.deepEqual([p.family, p.protocol, p.source[0], p.destination[0], p.sourcePort, p.destinationPort], [4, 6, 0xc0000201, 0x0a0a1564, 51000, 443]);
    assert.equal(p.hint, Hint.SourceInitiates);
    assert.equal(p.ipLength, 40);
  });

  it("marks a SYN-ACK as started by its destination", () => {
    const { p } = parse(buildInnerPacket({ src: "10.0.0.2", dst: "10.0.0.1", protocol: "tcp", tcpFlags: TCP_SYN | TCP_ACK }));
    assert.equal(p.hint, Hint.DestinationInitiates);
  });

  it("skips IPv4 options to find the transport header", () => {
    const options = Buffer.from([0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01]); // record route + NOP
    const packet = buildIpv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, payload: buildUdp("10.0.0.1", "10.0.0.2", 5353, 5354, Buffer.alloc(3)), options });
    assert.equal(packet[0] & 0x0f, 7);
    const { code, p } = parse(packet);
    assert.equal(code, Unclassified.None);
    assert.deepEqual([p.sourcePort, p.destinationPort], [5353, 5354]);
  });

  it("classifies a first IPv4 fragment and refuses a later one", () => {
    const segment = buildTcp("10.0.0.1", "10.0.0.2", 1000, 22, TCP_ACK, Buffer.alloc(16));
    const first = parse(buildIpv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 6, payload: segment, moreFragments: true }));
    assert.equal(first.code, Unclassified.None);
    assert.equal(first.p.fragment, Fragment.First);
    assert.deepEqual([first.p.sourcePort, first.p.destinationPort], [1000, 22]);
    const later = parse(buildIpv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 6, payload: Buffer.alloc(16), fragmentOffset: 5 }));
    assert.equal(later.code, Unclassified.NonFirstFragment);
    assert.equal(later.p.fragment, Fragment.NonFirst);
    assert.equal(later.p.protocol, 6);
    assert.equal(later.p.source[0], 0x0a000001);
  });

  it("refuses a first fragment that splits the TCP header (RFC 1858)", () => {
    const tiny = buildIpv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 6, payload: Buffer.alloc(8), moreFragments: true });
    assert.equal(parse(tiny).code, Unclassified.TransportTruncated);
  });

  it("reports bad IPv4 headers precisely", () => {
    const good = buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp" });
    const shortIhl = Buffer.from(good);
    shortIhl[0] = 0x44;
    assert.equal(parse(shortIhl).code, Unclassified.InnerBadHeader);
    const longTotal = Buffer.from(good);
    longTotal.writeUInt16BE(good.length + 1, 2);
    assert.equal(parse(longTotal).code, Unclassified.InnerTruncated);
    const tinyTotal = Buffer.from(good);
    tinyTotal.writeUInt16BE(19, 2);
    assert.equal(parse(tinyTotal).code, Unclassified.InnerBadHeader);
    assert.equal(parse(good, ETHERTYPE_IPV6).code, Unclassified.InnerVersionMismatch);
  });

  it("truncating an IPv4 or IPv6 UDP packet at every offset gives a reason, never a 5-tuple", () => {
    for (const src of ["10.0.0.1", "2001:db8::1"]) {
      const dst = src.includes(":") ? "2001:db8::2" : "10.0.0.2";
      const packet = buildInnerPacket({ src, dst, protocol: "udp", payload: 8 });
      const type = src.includes(":") ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
      for (let length = 0; length < packet.length; length++) {
        const code = parseInnerPacket(packet, 0, length, type, new InnerPacket());
        assert.equal(code, Unclassified.InnerTruncated, `${src} length ${length}`);
      }
      assert.equal(parseInnerPacket(packet, 0, packet.length, type, new InnerPacket()), Unclassified.None);
    }
  });

  it("walks IPv6 extension headers (hop-by-hop, routing, destination options, AH) to the transport", () => {
    const ah = Buffer.alloc(16);
    ah[1] = 2; // (2 + 2) * 4 = 16 bytes
    const packet = buildIpv6({
      src: "2001:db8::1",
      dst: "2001:db8::2",
      nextHeader: 17,
      payload: buildUdp("2001:db8::1", "2001:db8::2", 546, 547, Buffer.alloc(4)),
      extensionHeaders: [ipv6OptionsHeader(0, 8), ipv6OptionsHeader(43, 24), { type: 51, bytes: ah }, ipv6OptionsHeader(60, 16)],
    });
    const { code, p } = parse(packet);
    assert.equal(code, Unclassified.None);
    assert.deepEqual([p.family, p.protocol, p.sourcePort, p.destinationPort], [6, 17, 546, 547]);
    assert.deepEqual(Array.from(p.source), [0x20010db8, 0, 0, 1]);
  });

  it("handles IPv6 fragment headers: first fragment classified, later ones not", () => {
    const udp = buildUdp("2001:db8::1", "2001:db8::2", 4000, 53, Buffer.alloc(4));
    const first = parse(buildIpv6({ src: "2001:db8::1", dst: "2001:db8::2", nextHeader: 17, payload: udp, extensionHeaders: [ipv6FragmentHeader(0, true)] }));
    assert.equal(first.code, Unclassified.None);
    assert.equal(first.p.fragment, Fragment.First);
    assert.equal(first.p.destinationPort, 53);
    const later = parse(buildIpv6({ src: "2001:db8::1", dst: "2001:db8::2", nextHeader: 17, payload: Buffer.alloc(16), extensionHeaders: [ipv6FragmentHeader(3, false)] }));
    assert.equal(later.code, Unclassified.NonFirstFragment);
    assert.equal(later.p.protocol, 17);
  });

  it("gives up on more than the allowed number of IPv6 extension headers", () => {
    const headers = new Array(MAX_IPV6_EXTENSION_HEADERS + 1).fill(0).map(() => ipv6OptionsHeader(60, 8));
    const packet = buildIpv6({ src: "2001:db8::1", dst: "2001:db8::2", nextHeader: 59, payload: Buffer.alloc(0), extensionHeaders: headers });
    assert.equal(parse(packet).code, Unclassified.ExtensionHeaderLimit);
    const allowed = buildIpv6({ src: "2001:db8::1", dst: "2001:db8::2", nextHeader: 59, payload: Buffer.alloc(0), extensionHeaders: headers.slice(1) });
    assert.equal(parse(allowed).code, Unclassified.None);
  });

  it("rejects an IPv6 extension header whose length runs past the payload", () => {
    const packet = buildIpv6({ src: "2001:db8::1", dst: "2001:db8::2", nextHeader: 59, payload: Buffer.alloc(0), extensionHeaders: [ipv6OptionsHeader(0, 8)] });
    packet[41] = 3; // claims 32 bytes
    assert.equal(parse(packet).code, Unclassified.InnerTruncated);
  });

  it("uses the ICMP echo identifier as both ports and hints the direction", () => {
    const request = parse(buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "icmp", icmpType: 8, icmpId: 777 }));
    assert.deepEqual([request.code, request.p.protocol, request.p.sourcePort, request.p.destinationPort, request.p.hint], [0, 1, 777, 777, Hint.SourceInitiates]);
    const reply = parse(buildInnerPacket({ src: "2001:db8::2", dst: "2001:db8::1", protocol: "icmp", icmpType: 129, icmpId: 9 }));
    assert.deepEqual([reply.code, reply.p.protocol, reply.p.sourcePort, reply.p.hint], [0, 58, 9, Hint.DestinationInitiates]);
    const unreachable = parse(buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "icmp", icmpType: 3, icmpCode: 1 }));
    assert.deepEqual([unreachable.code, unreachable.p.sourcePort, unreachable.p.icmpType, unreachable.p.hint], [0, 0, 3, Hint.None]);
  });

  it("classifies protocols without ports (GRE) by addresses alone", () => {
    const { code, p } = parse(buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 47, payload: 8 }));
    assert.deepEqual([code, p.protocol, p.sourcePort, p.destinationPort], [0, 47, 0, 0]);
  });

  it("parses a jumbo 8,500-byte inner packet", () => {
    const { code, p } = parse(buildInnerPacket({ src: "2001:db8::1", dst: "2001:db8::2", protocol: "tcp", totalLength: 8500 }));
    assert.equal(code, Unclassified.None);
    assert.equal(p.ipLength, 8500);
  });
});
