// Fragment verdicts: a later fragment gets the verdict its datagram's first fragment got.
import { strict as assert } from "node:assert";
import { Unclassified } from "../../../appliance-agent/src/dataplane/drop-reasons";
import { FragmentVerdict, FragmentVerdicts } from "../../../appliance-agent/src/dataplane/fragment-verdicts";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, GeneveHeader } from "../../../appliance-agent/src/dataplane/geneve";
import { InnerPacket, parseInnerPacket } from "../../../appliance-agent/src/dataplane/inner-packet";
import { buildIpv4, buildIpv6, buildUdp, ipv6FragmentHeader, ipv6OptionsHeader } from "../../../appliance-agent/sim/packets";

const geneve = new GeneveHeader();
geneve.endpointIdHigh = 1;
geneve.endpointIdLow = 2;

function parse(packet: Buffer, expected: number): InnerPacket {
  const p = new InnerPacket();
  const code = parseInnerPacket(packet, 0, packet.length, packet[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, p);
  assert.equal(code, expected);
  return p;
}

describe("agent: fragment verdicts", () => {
  it("matches IPv6 fragments by addresses and identification, whatever header follows the fragment header", () => {
    // RFC 8200 4.5: the fragmentable part may start with a destination options header. The
    // first fragment's 5-tuple is read past it (UDP), while every later fragment's fragment
    // header names that options header (60) as its next header.
    const src = "2001:db8::40";
    const dst = "2001:db8::41";
    const udp = buildUdp(src, dst, 40000, 53, Buffer.alloc(24, 7));
    const options = ipv6OptionsHeader(60, 8);
    const first = parse(
      buildIpv6({ src, dst, nextHeader: 17, payload: udp.subarray(0, 8), extensionHeaders: [ipv6FragmentHeader(0, true, 0xabcd), options] }),
      Unclassified.None,
    );
    const later = parse(
      buildIpv6({ src, dst, nextHeader: 60, payload: udp.subarray(8), extensionHeaders: [ipv6FragmentHeader(2, false, 0xabcd)] }),
      Unclassified.NonFirstFragment,
    );
    const fragments = new FragmentVerdicts(16);
    fragments.remember(geneve, first, false, 0);
    assert.equal(fragments.verdict(geneve, later), FragmentVerdict.Deny);
  });

  it("keeps IPv4 fragments of different protocols apart (RFC 791 keys on the protocol too)", () => {
    const src = "198.51.100.40";
    const dst = "10.0.0.40";
    const udp = buildUdp(src, dst, 40000, 53, Buffer.alloc(24, 7));
    const first = parse(buildIpv4({ src, dst, protocol: 17, id: 0x4242, payload: udp.subarray(0, 16), moreFragments: true }), Unclassified.None);
    const laterUdp = parse(buildIpv4({ src, dst, protocol: 17, id: 0x4242, payload: udp.subarray(16), fragmentOffset: 2 }), Unclassified.NonFirstFragment);
    const laterOther = parse(buildIpv4({ src, dst, protocol: 47, id: 0x4242, payload: udp.subarray(16), fragmentOffset: 2 }), Unclassified.NonFirstFragment);
    const fragments = new FragmentVerdicts(16);
    fragments.remember(geneve, first, true, 0);
    assert.equal(fragments.verdict(geneve, laterUdp), FragmentVerdict.Allow);
    assert.equal(fragments.verdict(geneve, laterOther), FragmentVerdict.Unknown);
  });
});
