/**
 * The public entry point for other Pulumi projects: the four components, their argument types, the
 * pure validators (to check a configuration before building it), the route recipes and the
 * constants the fleet shares with the appliance agent.
 */

// ---- the components ----
export { InspectionVpc, INSPECTION_VPC_TYPE } from "./inspectionVpc/inspectionVpc";
export { GwlbApplianceFleet, GWLB_APPLIANCE_FLEET_TYPE } from "./gwlbApplianceFleet/gwlbApplianceFleet";
export { CentralEgress, CENTRAL_EGRESS_TYPE } from "./centralEgress/centralEgress";
export { AppSpoke, AppSpokeArgs, APP_SPOKE_TYPE } from "./appSpoke/appSpoke";
export { spokeVpcFromAwsx, AwsxVpcOutputs } from "./appSpoke/adoptVpc";

// ---- their arguments ----
export * from "./args/common";
export * from "./args/inspectionVpc";
export * from "./args/gwlbApplianceFleet";
export * from "./args/centralEgress";
export * from "./args/appSpoke";

/** The fleet's policy input is the agent's own document. */
export type { PolicyDocument, PolicyRule, PolicyEndpoint } from "../appliance-agent/src/policy/document";

// ---- pure rules: validate a configuration before building it ----
export { Problems, describeValue } from "./rules/problems";
export { validateInspectionVpcArgs } from "./rules/inspectionVpc";
export { validateGwlbApplianceFleetArgs, checkFleetName, checkNetworkOutputs, MAX_FLEET_NAME_LENGTH } from "./rules/gwlbApplianceFleet";
export { DEFAULT_INSTANCE_TYPES } from "./rules/applianceFleetSize";
export { validateCentralEgressArgs } from "./rules/centralEgress";
export { validateAppSpokeArgs } from "./rules/appSpoke";
export { HubRoute, HubTable, HubTarget, planHubBaseRoutes, planHubRoutesToSpoke } from "./rules/routeRecipes";
export { azSuffix } from "./rules/availabilityZones";
export {
  GENEVE_TARGETS_PER_AZ, GWLB_ADDRESSES_PER_SUBNET, GWLB_HEALTH_CHECK_MATCHER, LOG_RETENTION_DAYS, instanceTypeArchitecture,
} from "./rules/awsLimits";

// ---- what the builders put on the instances ----
export { APPLIANCE_INTERFACE_ENDPOINT_SERVICES, endpointAddressesPerSubnet } from "./rules/inspectionVpc";
export { APPLIANCE_SYSCTLS, applianceUserData } from "./gwlbApplianceFleet/userData";
export { principalSlug } from "./gwlbApplianceFleet/endpointService";
export { amazonLinuxImageId } from "./shared/launchSettings";

// ---- the contract with the appliance agent ----
export { FLEET_TAG_KEY, GENEVE_PORT, HEALTH_PATH, HEALTH_PORT, METRICS_PORT } from "../common/contract";
