import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  Ipv4Cidr, blockSize, findOverlaps, formatIpv4Cidr, ipv4CidrContains, ipv4CidrsOverlap, lastAddress, nthSubnet, parseIpv4Cidr, tryParseIpv4Cidr,
} from "../../common/cidr";
import { arbCidr } from "../support/arbitraries";

describe("CIDR arithmetic", () => {
  it("parses and rejects CIDR text with exact messages", () => {
    const table: Array<[string, Ipv4Cidr | string]> = [
      ["10.20.0.0/16", { network: 0x0a140000, prefixLength: 16 }],
      ["0.0.0.0/0", { network: 0, prefixLength: 0 }],
      ["255.255.255.255/32", { network: 0xffffffff, prefixLength: 32 }],
      ["10.20.0.1/16", '"10.20.0.1/16" has host bits set; the network is 10.20.0.0/16'],
      ["10.256.0.0/16", '"10.256.0.0/16" has an octet above 255'],
      ["10.0.0.0/33", '"10.0.0.0/33" has a prefix length above 32'],
      ["10.0.0/16", '"10.0.0/16" is not an IPv4 CIDR block such as 10.0.0.0/16'],
      ["10.0.0.0", '"10.0.0.0" is not an IPv4 CIDR block such as 10.0.0.0/16'],
      [" 10.0.0.0/16", '" 10.0.0.0/16" is not an IPv4 CIDR block such as 10.0.0.0/16'],
    ];
    for (const [text, expected] of table) assert.deepEqual(tryParseIpv4Cidr(text), expected, text);
  });

  it("round-trips every block through text", () => {
    fc.assert(fc.property(arbCidr(), (cidr) => {
      assert.deepEqual(parseIpv4Cidr(formatIpv4Cidr(cidr)), cidr);
    }));
  });

  it("agrees with a brute-force overlap and containment test", () => {
    fc.assert(fc.property(arbCidr(20), arbCidr(20), (a, b) => {
      const bruteOverlap = Math.max(a.network, b.network) <= Math.min(lastAddress(a), lastAddress(b));
      assert.equal(ipv4CidrsOverlap(a, b), bruteOverlap);
      assert.equal(ipv4CidrsOverlap(a, b), ipv4CidrsOverlap(b, a));
      assert.equal(ipv4CidrContains(a, b), a.network <= b.network && lastAddress(b) <= lastAddress(a));
    }));
  });

  it("carves aligned, disjoint, contained subnets in order", () => {
    fc.assert(fc.property(arbCidr(8, 28), fc.integer({ min: 0, max: 4 }), fc.nat(20), (parent, extraBits, index) => {
      const prefix = Math.min(parent.prefixLength + extraBits, 32);
      const a = nthSubnet(parent, prefix, index);
      const b = nthSubnet(parent, prefix, index + 1);
      const count = 2 ** (prefix - parent.prefixLength);
      if (index >= count) return assert.equal(a, undefined);
      assert.ok(a);
      assert.ok(ipv4CidrContains(parent, a));
      assert.equal(a.network % blockSize(a), 0);
      if (index + 1 < count) {
        assert.ok(b);
        assert.equal(ipv4CidrsOverlap(a, b), false);
        assert.equal(b.network, lastAddress(a) + 1);
      } else {
        assert.equal(b, undefined);
      }
    }));
    assert.equal(formatIpv4Cidr(nthSubnet(parseIpv4Cidr("10.20.0.0/16"), 24, 11)!), "10.20.11.0/24");
    assert.equal(nthSubnet(parseIpv4Cidr("10.20.0.0/16"), 15, 0), undefined);
  });

  it("lists every overlapping pair once", () => {
    const items = ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "10.1.2.0/24"].map((t) => ({ t, cidr: parseIpv4Cidr(t) }));
    assert.deepEqual(findOverlaps(items).map(([a, b]) => `${a.t}~${b.t}`), ["10.0.0.0/8~10.1.0.0/16", "10.0.0.0/8~10.1.2.0/24", "10.1.0.0/16~10.1.2.0/24"]);
  });
});
