/** `CentralEgress`'s validator: pure and synchronous, run before the hub creates any child. */
import { formatIpv4Cidr } from "../../common/cidr";
import {
  CentralEgressArgs, EAST_WEST_POLICIES, EGRESS_INSPECTION_ORDERS, HUB_SUBNET_ROLES, ValidatedCentralEgressArgs,
} from "../args/centralEgress";
import { checkAvailabilityZones, checkAzSubset } from "./availabilityZones";
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
    if (azs && Array.isArray(inspection.availabilityZones)) {
      checkAzSubset(problems, "availabilityZones", azs, inspection.availabilityZones, "the inspection service's gateway load balancer");
    }
    if (applianceMode && inspection.stickiness !== "5-tuple") {
      problems.add("inspection.stickiness", `"${inspection.stickiness}" stickiness does not work with transit gateway appliance mode, which the hub attachment uses; use "5-tuple"`);
    }
  }
  if (applianceMode === false && eastWest === "inspect") {
    problems.add("applianceMode", 'must stay true with eastWest "inspect": without it the transit gateway may return a spoke-to-spoke flow through another AZ\'s endpoint and the appliances see half a flow');
  }
  const subnets = vpc && azs
    ? planSubnets(problems, vpc, azs, HUB_SUBNET_ROLES.map((role) => ({ role, path: `subnetCidrs.${role}`, explicit: args.subnetCidrs?.[role] })))
    : undefined;
  if (!vpc || !azs || !order || !eastWest || applianceMode === undefined || !subnets || !problems.isEmpty) return undefined;
  return { cidrBlock: formatIpv4Cidr(vpc), availabilityZones: azs, subnets, egressInspectionOrder: order, eastWest, applianceMode, amazonSideAsn: asn };
}
