import * as assert from "node:assert/strict";
import fc from "fast-check";
import { ANYWHERE, planHubBaseRoutes, planHubRoutesToSpoke } from "../../../components/rules/routeRecipes";

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
