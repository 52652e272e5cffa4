/** Turns a planned hub route (rules/routeRecipes.ts) into an `aws.ec2.Route` in the right table. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EgressInspectionOrder } from "../args/centralEgress";
import { HubRoute } from "../rules/routeRecipes";
import { AzGateways } from "./azGateways";
import { ByRoleAndAz } from "./subnets";
import { HubTransitGateway } from "./transitGateway";

/** Everything a hub route can be written into or point at. */
export interface HubRouteTargets {
  readonly egressInspectionOrder: EgressInspectionOrder;
  /** The IGW edge table; absent in inspect-first. */
  readonly ingressRouteTable?: aws.ec2.RouteTable;
  readonly routeTables: ByRoleAndAz<aws.ec2.RouteTable>;
  readonly internetGateway: aws.ec2.InternetGateway;
  readonly gateways: AzGateways;
  readonly tgw: HubTransitGateway;
}

/**
 * Writes one planned route. Targets always sit in the route's AZ; routes to a GWLB endpoint take the
 * endpoint as an input, so they are created only once it is available (AWS refuses them before),
 * and wait for its accepted connection where the hub accepts it.
 */
export function createHubRoute(route: HubRoute, resourceName: string, hub: HubRouteTargets, parent: pulumi.Resource): aws.ec2.Route {
  const table = route.table === "edge" ? hub.ingressRouteTable : hub.routeTables[route.table][route.az];
  if (!table) throw new Error(`hub ${route.table} route table for ${route.az} does not exist (egress order ${hub.egressInspectionOrder})`);
  const target: Partial<aws.ec2.RouteArgs> = {};
  const dependsOn: pulumi.Resource[] = [];
  switch (route.target) {
    case "igw": target.gatewayId = hub.internetGateway.id; break;
    case "gwlbe":
      target.vpcEndpointId = hub.gateways.endpoints[route.az].id;
      // An endpoint carries traffic only once its connection is accepted.
      if (hub.gateways.acceptances[route.az]) dependsOn.push(hub.gateways.acceptances[route.az]);
      break;
    case "nat": target.natGatewayId = hub.gateways.natGateways[route.az].id; break;
    case "tgw":
      target.transitGatewayId = hub.tgw.transitGateway.id;
      dependsOn.push(hub.tgw.hubAttachment); // a TGW route needs the VPC's attachment first
      break;
  }
  return new aws.ec2.Route(resourceName, { routeTableId: table.id, destinationCidrBlock: route.destination, ...target }, { parent, dependsOn });
}
