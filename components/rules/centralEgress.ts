/** `CentralEgress`'s validator: pure and synchronous, run before the hub creates any child. */
import { formatIpv4Cidr } from "../../common/cidr";
import {
  CentralEgressArgs, EAST_WEST_POLICIES, EGRESS_INSPECTION_ORDERS, HUB_SUBNET_ROLES, InspectionServiceRef, ValidatedCentralEgressArgs,
} from "../args/centralEgress";
import { checkAvailabilityZoneIds, checkAvailabilityZones, checkAzSubset } from "./availabilityZones";
import { isPrivateAsn } from "./awsLimits";
import { Problems } from "./problems";
import { checkVpcCidr, planSubnets } from "./subnetLayout";

/** The first private ASN, as AWS's own default. */
export const DEFAULT_AMAZON_SIDE_ASN = 64512;

export function validateCentralEgressArgs(args: CentralEgressArgs, problems: Problems): ValidatedCentralEgressArgs | undefined {
  const vpc = checkVpcCidr(problems, "cidrBlock", args?.cidrBlock);
  const azs = checkAvailabilityZones(problems, "availabilityZones", args?.availabilityZones);
  const order = problems.oneOf("egressInspectionOrder", args?.egressInspectionOrder ?? "nat-first", EGRESS_INSPECTION_ORDERS);
  const eastWest = problems.oneOf("eastWest", args?.eastWest ?? "block", EAST_WEST_POLICIES);
  const applianceMode = problems.boolean("applianceMode", args?.applianceMode ?? true);
  const asn = args?.amazonSideAsn ?? DEFAULT_AMAZON_SIDE_ASN;
  if (!Number.isInteger(asn) || !isPrivateAsn(asn)) {
    problems.add("amazonSideAsn", `must be a private ASN (64512-65534 or 4200000000-4294967294), got ${asn}`);
  }
  const inspection = args?.inspection;
  if (!inspection || inspection.endpointServiceName === undefined) {
    problems.add("inspection", "must name the GWLB endpoint service (for example a GwlbApplianceFleet)");
  } else {
    checkServiceAzs(problems, azs, args.availabilityZoneIds, inspection);
    if (applianceMode && inspection.stickiness !== "5-tuple") {
      problems.add("inspection.stickiness", `"${inspection.stickiness}" stickiness does not work with transit gateway appliance mode, which the hub attachment uses; use "5-tuple"`);
    }
  }
  const acceptanceRequired = problems.optionalBoolean("inspection.acceptanceRequired", inspection?.acceptanceRequired, false);
  const endpointAcceptance = !acceptanceRequired ? "none" : inspection?.endpointServiceId !== undefined ? "by-hub" : "by-service-owner";
  if (applianceMode === false && eastWest === "inspect") {
    problems.add("applianceMode", 'must stay true with eastWest "inspect": without it the transit gateway may return a spoke-to-spoke flow through another AZ\'s endpoint and the appliances see half a flow');
  }
  const subnets = vpc && azs
    ? planSubnets(problems, vpc, azs, HUB_SUBNET_ROLES.map((role) => ({ role, path: `subnetCidrs.${role}`, explicit: args.subnetCidrs?.[role] })))
    : undefined;
  if (!vpc || !azs || !order || !eastWest || applianceMode === undefined || !subnets || !problems.isEmpty) return undefined;
  return { cidrBlock: formatIpv4Cidr(vpc), availabilityZones: azs, subnets, egressInspectionOrder: order, eastWest, applianceMode, amazonSideAsn: asn, endpointAcceptance };
}

/**
 * Every hub AZ must be one the GWLB serves. By id when the service gives ids (it may be in another
 * account, where the same name is another zone), else by name.
 */
function checkServiceAzs(problems: Problems, azs: string[] | undefined, hubIds: unknown, inspection: InspectionServiceRef): void {
  const GWLB = "the inspection service's gateway load balancer";
  const ids = hubIds === undefined ? undefined : checkAvailabilityZoneIds(problems, "availabilityZoneIds", hubIds, azs);
  if (inspection.availabilityZoneIds !== undefined) {
    const serviceIds = checkAvailabilityZoneIds(problems, "inspection.availabilityZoneIds", inspection.availabilityZoneIds);
    if (hubIds === undefined) {
      problems.add("availabilityZoneIds", "must list the ids of the hub's availability zones: the inspection service gives its zones by id, and AZ names map to zones differently per account");
    } else if (ids && serviceIds) {
      checkAzSubset(problems, "availabilityZoneIds", ids, serviceIds, GWLB);
    }
  } else if (Array.isArray(inspection.availabilityZones)) {
    if (azs) checkAzSubset(problems, "availabilityZones", azs, inspection.availabilityZones, GWLB);
  } else {
    problems.add("inspection.availabilityZones", "must list the AZs the gateway load balancer serves (or give inspection.availabilityZoneIds)");
  }
}
