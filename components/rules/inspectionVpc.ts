/** `InspectionVpc`'s validator: pure and synchronous, run before the VPC creates any child. */
import { formatIpv4Cidr } from "../../common/cidr";
import {
  FLOW_LOG_TRAFFIC_TYPES, INTERNET_ACCESS_MODES, InspectionVpcArgs, InternetAccess, ValidatedFlowLogs, ValidatedInspectionVpcArgs,
} from "../args/inspectionVpc";
import { checkAvailabilityZones } from "./availabilityZones";
import { LOG_RETENTION_DAYS } from "./awsLimits";
import { Problems } from "./problems";
import { checkVpcCidr, planSubnets } from "./subnetLayout";

/** AWS services the appliances reach through interface endpoints when the VPC has no internet path. */
export const APPLIANCE_INTERFACE_ENDPOINT_SERVICES = ["ssm", "ssmmessages", "ec2messages", "logs"] as const;

/** Each interface endpoint puts one network interface, so one address, in every subnet it serves. */
export function endpointAddressesPerSubnet(internetAccess: InternetAccess): number {
  return internetAccess === "none" ? APPLIANCE_INTERFACE_ENDPOINT_SERVICES.length : 0;
}

export function validateInspectionVpcArgs(args: InspectionVpcArgs, problems: Problems): ValidatedInspectionVpcArgs | undefined {
  const vpc = checkVpcCidr(problems, "cidrBlock", args?.cidrBlock);
  const azs = checkAvailabilityZones(problems, "availabilityZones", args?.availabilityZones);
  const internetAccess = problems.oneOf("internetAccess", args?.internetAccess ?? "none", INTERNET_ACCESS_MODES);
  let flowLogs: ValidatedFlowLogs | undefined;
  if (args?.flowLogs !== undefined) {
    const retention = args.flowLogs.retentionInDays ?? 30;
    if (!LOG_RETENTION_DAYS.includes(retention)) {
      problems.add("flowLogs.retentionInDays", `must be one of CloudWatch Logs' periods (${LOG_RETENTION_DAYS.join(", ")}), got ${retention}`);
    }
    const trafficType = problems.oneOf("flowLogs.trafficType", args.flowLogs.trafficType ?? "ALL", FLOW_LOG_TRAFFIC_TYPES);
    if (trafficType) flowLogs = { retentionInDays: retention, trafficType };
  }
  const plan = vpc && azs ? planSubnets(problems, vpc, azs, [{ role: "appliance", path: "applianceSubnetCidrs", explicit: args.applianceSubnetCidrs }]) : undefined;
  if (!vpc || !azs || !internetAccess || !plan || !problems.isEmpty) return undefined;
  return { cidrBlock: formatIpv4Cidr(vpc), availabilityZones: azs, subnetCidrs: plan.appliance, internetAccess, endpointAddressesPerSubnet: endpointAddressesPerSubnet(internetAccess), flowLogs };
}
