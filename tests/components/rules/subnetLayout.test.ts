import * as assert from "node:assert/strict";
import fc from "fast-check";
import { findOverlaps, ipv4CidrContains, parseIpv4Cidr } from "../../../common/cidr";
import { Problems } from "../../../components/rules/problems";
import { planSubnets } from "../../../components/rules/subnetLayout";
import { arbCidr } from "../../support/arbitraries";

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
});
