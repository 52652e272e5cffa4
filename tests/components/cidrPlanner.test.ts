import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  Ipv4Cidr, blockSize, ipv4CidrContains, ipv4CidrsOverlap, findOverlaps, formatIpv4Cidr, hostAddress, lastAddress, nthSubnet, parseIpv4Cidr, tryParseIpv4Cidr,
} from "../../common/cidr";
import { isAwsReservedHost, usableAwsAddresses } from "../../components/lib/awsLimits";
import { azSuffix, checkAvailabilityZones, planSubnets } from "../../components/lib/layout";
import { ANYWHERE, planHubBaseRoutes, planHubRoutesToSpoke } from "../../components/lib/routes";
import { Problems } from "../../components/lib/validation";

const arbCidr = (minPrefix = 0, maxPrefix = 32): fc.Arbitrary<Ipv4Cidr> =>
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: minPrefix, max: maxPrefix })).map(([address, prefixLength]) => {
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    return { network: (address & mask) >>> 0, prefixLength };
  });

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

  it("knows AWS's reserved addresses", () => {
    const subnet = parseIpv4Cidr("10.10.21.0/24");
    assert.deepEqual([0, 1, 2, 3, 4, 254, 255].map((i) => isAwsReservedHost(subnet, i)), [true, true, true, true, false, false, true]);
    assert.equal(hostAddress(subnet, 256), undefined);
    assert.equal(usableAwsAddresses(parseIpv4Cidr("10.0.0.0/28")), 11);
    assert.equal(usableAwsAddresses(parseIpv4Cidr("10.0.0.0/24")), 251);
  });

  it("lists every overlapping pair once", () => {
    const items = ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "10.1.2.0/24"].map((t) => ({ t, cidr: parseIpv4Cidr(t) }));
    assert.deepEqual(findOverlaps(items).map(([a, b]) => `${a.t}~${b.t}`), ["10.0.0.0/8~10.1.0.0/16", "10.0.0.0/8~10.1.2.0/24", "10.1.0.0/16~10.1.2.0/24"]);
  });
});

describe("subnet layout", () => {
  const AZS = ["ap-northeast-2a", "ap-northeast-2c"];

  it("reproduces the seed's addresses on the /24 grid", () => {
    const p = new Problems();
    const plan = planSubnets(p, parseIpv4Cidr("10.20.0.0/16"), AZS, [
      { role: "public", path: "public" }, { role: "gwlbe", path: "gwlbe" }, { role: "tgw", path: "tgw" }, { role: "private", path: "private" },
    ]);
    assert.deepEqual(p.list, []);
    assert.deepEqual(plan, {
      public: { "ap-northeast-2a": "10.20.11.0/24", "ap-northeast-2c": "10.20.13.0/24" },
      gwlbe: { "ap-northeast-2a": "10.20.31.0/28", "ap-northeast-2c": "10.20.33.0/28" },
      tgw: { "ap-northeast-2a": "10.20.41.0/28", "ap-northeast-2c": "10.20.43.0/28" },
      private: { "ap-northeast-2a": "10.20.21.0/24", "ap-northeast-2c": "10.20.23.0/24" },
    });
  });

  it("never moves an AZ's subnet when AZs are added, removed or reordered", () => {
    const letters = ["a", "b", "c", "d", "e", "f"];
    const plan = (azs: string[]) => planSubnets(new Problems(), parseIpv4Cidr("10.20.0.0/16"), azs, [{ role: "public", path: "p" }, { role: "tgw", path: "t" }])!;
    const everyAz = plan(letters.map((l) => `ap-northeast-2${l}`));
    fc.assert(fc.property(fc.shuffledSubarray(letters, { minLength: 1 }), (subset) => {
      const azs = subset.map((l) => `ap-northeast-2${l}`);
      const some = plan(azs);
      for (const role of ["public", "tgw"] as const) for (const az of azs) assert.equal(some[role][az], everyAz[role][az]);
    }));
  });

  it("plans disjoint subnets inside the VPC for any VPC that fits, or says why not", () => {
    const azNames = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"];
    fc.assert(fc.property(arbCidr(16, 28), fc.integer({ min: 1, max: 6 }), (vpc, azCount) => {
      const p = new Problems();
      const azs = azNames.slice(0, azCount);
      const plan = planSubnets(p, vpc, azs, [{ role: "public", path: "public" }, { role: "gwlbe", path: "gwlbe" }, { role: "tgw", path: "tgw" }]);
      if (!plan) {
        assert.ok(p.list.length > 0);
        for (const problem of p.list) assert.match(problem.reason, /does not fit in .* use a larger VPC CIDR or list the subnets explicitly$/);
        return;
      }
      const all = Object.values(plan).flatMap((byAz) => Object.values(byAz)).map(parseIpv4Cidr);
      assert.equal(all.length, 3 * azCount);
      for (const s of all) {
        assert.ok(ipv4CidrContains(vpc, s));
        assert.ok(s.prefixLength <= 28);
      }
      assert.deepEqual(findOverlaps(all.map((cidr) => ({ cidr }))), []);
    }));
  });

  it("reports explicit subnets of the wrong count, size or place, and overlaps", () => {
    const p = new Problems();
    planSubnets(p, parseIpv4Cidr("10.20.0.0/16"), AZS, [
      { role: "public", path: "subnetCidrs.public", explicit: ["10.20.0.0/24"] },
      { role: "gwlbe", path: "subnetCidrs.gwlbe", explicit: ["10.20.0.0/29", "10.30.0.0/28"] },
      { role: "tgw", path: "subnetCidrs.tgw", explicit: ["10.20.5.0/28", "10.20.5.0/28"] },
    ]);
    assert.deepEqual(p.list, [
      { propertyPath: "subnetCidrs.public", reason: "must list one CIDR per availability zone (2), got an array of 1" },
      { propertyPath: "subnetCidrs.gwlbe[0]", reason: "a subnet must be from /16 to /28, got /29" },
      { propertyPath: "subnetCidrs.gwlbe[1]", reason: "10.30.0.0/28 is outside the VPC 10.20.0.0/16" },
      { propertyPath: "subnetCidrs.tgw[1]", reason: "the tgw subnet of ap-northeast-2c (10.20.5.0/28) overlaps the tgw subnet of ap-northeast-2a (10.20.5.0/28)" },
    ]);
  });

  it("checks AZ names and derives the seed's short names", () => {
    assert.deepEqual(["ap-northeast-2a", "us-east-1f", "us-gov-west-1a"].map(azSuffix), ["2a", "1f", "1a"]);
    const p = new Problems();
    assert.equal(checkAvailabilityZones(p, "azs", ["ap-northeast-2a", "apne2-az1", "us-east-2a"]), undefined);
    assert.deepEqual(p.list, [
      { propertyPath: "azs[1]", reason: 'must be an availability zone name such as "ap-northeast-2a" (letters a-i), got "apne2-az1"' },
      { propertyPath: "azs[2]", reason: '"us-east-2a" and "ap-northeast-2a" share the short name "2a"' },
    ]);
  });
});

describe("hub route plans", () => {
  const publicCidrs = { "ap-northeast-2a": "10.20.11.0/24", "ap-northeast-2c": "10.20.12.0/24" };

  it("keeps every target in the table's AZ, in both orders, for any spoke set", () => {
    fc.assert(fc.property(
      fc.constantFrom("nat-first" as const, "inspect-first" as const),
      fc.constantFrom("inspect" as const, "block" as const),
      fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 5 }),
      (order, eastWest, octets) => {
        const routes = [
          ...planHubBaseRoutes(order, publicCidrs),
          ...octets.flatMap((o) => planHubRoutesToSpoke(order, eastWest, Object.keys(publicCidrs), `10.${o}.0.0/16`)),
        ];
        for (const r of routes) assert.ok(Object.keys(publicCidrs).includes(r.az));
        // Exactly one default route per per-AZ table, and none in the edge table.
        for (const az of Object.keys(publicCidrs)) {
          for (const table of ["public", "gwlbe", "tgw"] as const) {
            assert.equal(routes.filter((r) => r.table === table && r.az === az && r.destination === ANYWHERE).length, 1);
          }
        }
        assert.equal(routes.filter((r) => r.table === "edge" && r.destination === ANYWHERE).length, 0);
        // No destination is written twice into one table.
        const keys = routes.map((r) => `${r.table}/${r.table === "edge" ? "" : r.az}/${r.destination}`);
        assert.equal(new Set(keys).size, keys.length);
        // Inspected east-west sends each spoke to the endpoint from the TGW subnets; blocked does not.
        assert.equal(routes.filter((r) => r.table === "tgw" && r.destination !== ANYWHERE).length, eastWest === "inspect" ? 2 * octets.length : 0);
      },
    ));
  });
});
