/** Networks for the fleet's tests: a real InspectionVpc (settled, then forgotten) or a plain look-alike. */
import * as pulumi from "@pulumi/pulumi";
import { InspectionNetwork, InspectionVpc, InspectionVpcArgs } from "../../components";
import { recorder, settle } from "./mocks";

export const AZS = ["ap-northeast-2a", "ap-northeast-2c"];

/** An InspectionVpc whose own registrations are settled and then forgotten, so only the fleet's are seen. */
export async function inspectionVpc(extra: Partial<InspectionVpcArgs> = {}): Promise<InspectionVpc> {
  const vpc = new InspectionVpc("appliance", { cidrBlock: "10.21.0.0/16", availabilityZones: AZS, ...extra });
  await settle();
  recorder.reset();
  return vpc;
}

/** A plain network for validation-only tests (no resources behind it). */
export function plainNetwork(overrides: Partial<InspectionNetwork> = {}): InspectionNetwork {
  return {
    vpcId: pulumi.output("vpc-plain"),
    cidrBlock: "10.21.0.0/16",
    availabilityZones: AZS,
    subnetIds: { "ap-northeast-2a": pulumi.output("subnet-a"), "ap-northeast-2c": pulumi.output("subnet-c") },
    subnetCidrs: { "ap-northeast-2a": "10.21.11.0/24", "ap-northeast-2c": "10.21.12.0/24" },
    internetAccess: "none",
    endpointAddressesPerSubnet: 4,
    serviceEndpoints: { securityGroupId: pulumi.output("sg-endpoints"), s3PrefixListId: pulumi.output("pl-s3") },
    ...overrides,
  };
}
