/**
 * Route plans for the hub (security) VPC as plain data, one entry per route.
 *
 * The components turn these into `aws.ec2.Route` resources and the tests and the flow tracer read
 * them back, so the recipes live in exactly one place. Every target sits in the same AZ as the
 * table it is written into: both directions of a flow must cross the same endpoint (symmetry).
 */
import { EastWestPolicy, EgressInspectionOrder } from "../args/centralEgress";

/** The hub's route tables: the IGW edge table and, per AZ, the public, endpoint and TGW-attachment tables. */
export type HubTable = "edge" | "public" | "gwlbe" | "tgw";
export type HubTarget = "igw" | "gwlbe" | "nat" | "tgw";

export interface HubRoute {
  readonly table: HubTable;
  /** The AZ of the table (for `edge`, the AZ of the target; the edge table itself is VPC-wide). */
  readonly az: string;
  readonly destination: string;
  readonly target: HubTarget;
}

export const ANYWHERE = "0.0.0.0/0";

/** Routes the hub needs before any spoke exists. */
export function planHubBaseRoutes(order: EgressInspectionOrder, publicSubnetCidrs: Readonly<Record<string, string>>): HubRoute[] {
  const routes: HubRoute[] = [];
  for (const [az, publicCidr] of Object.entries(publicSubnetCidrs)) {
    if (order === "nat-first") {
      // Returns to the NAT gateways and the ALBs re-enter through the endpoint of their AZ.
      routes.push({ table: "edge", az, destination: publicCidr, target: "gwlbe" });
      routes.push({ table: "public", az, destination: ANYWHERE, target: "gwlbe" });
      routes.push({ table: "gwlbe", az, destination: ANYWHERE, target: "igw" });
      routes.push({ table: "tgw", az, destination: ANYWHERE, target: "nat" });
    } else {
      // Spoke traffic is inspected on its way to the NAT gateway; NAT replies must not enter the endpoint.
      routes.push({ table: "public", az, destination: ANYWHERE, target: "igw" });
      routes.push({ table: "gwlbe", az, destination: ANYWHERE, target: "nat" });
      routes.push({ table: "tgw", az, destination: ANYWHERE, target: "gwlbe" });
    }
  }
  return routes;
}

/** Routes a spoke adds to the hub's per-AZ tables so that returns and east-west traffic reach it. */
export function planHubRoutesToSpoke(
  order: EgressInspectionOrder,
  eastWest: EastWestPolicy,
  availabilityZones: readonly string[],
  spokeCidr: string,
): HubRoute[] {
  const routes: HubRoute[] = [];
  for (const az of availabilityZones) {
    routes.push({ table: "public", az, destination: spokeCidr, target: order === "nat-first" ? "tgw" : "gwlbe" });
    routes.push({ table: "gwlbe", az, destination: spokeCidr, target: "tgw" });
    if (eastWest === "inspect") routes.push({ table: "tgw", az, destination: spokeCidr, target: "gwlbe" });
  }
  return routes;
}

/** A short, stable slug for a route's destination in resource names: "default" or "10-10-0-0-16". */
export function destinationSlug(destination: string): string {
  return destination === ANYWHERE ? "default" : destination.replace(/[./]/g, "-");
}
