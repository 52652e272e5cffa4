/**
 * The public entry point for other Pulumi projects: the four components, their argument types, the
 * pure validators (to check a configuration before building it) and the route recipes.
 */
export * from "./inspectionVpc";
export * from "./gwlbApplianceFleet";
export * from "./centralEgress";
export * from "./appSpoke";
export { spokeVpcFromAwsx, AwsxVpcOutputs } from "./adoptVpc";
export {
  EGRESS_INSPECTION_ORDERS, EgressInspectionOrder, EAST_WEST_POLICIES, EastWestPolicy, HubRoute, HubTable, HubTarget,
  planHubBaseRoutes, planHubRoutesToSpoke,
} from "./lib/routes";
export { Problems } from "./lib/validation";
export { azSuffix } from "./lib/layout";
