import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ExistingSpokeVpc } from "../args/appSpoke";

/** The outputs of an `awsx.ec2.Vpc` that a spoke needs (typed structurally, so any look-alike works). */
export interface AwsxVpcOutputs {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
}

/**
 * Describes an existing awsx VPC as a spoke: its first private subnet in each AZ carries the TGW
 * attachment, and the route table of each of those subnets gets the default route to the TGW.
 *
 * Create the awsx VPC with `natGateways: { strategy: "None" }`: its private route tables must not
 * already hold a 0.0.0.0/0 route, since egress now goes through the hub.
 */
export function spokeVpcFromAwsx(vpc: AwsxVpcOutputs, cidrBlock: string, availabilityZoneCount: number, opts?: pulumi.InvokeOutputOptions): ExistingSpokeVpc {
  const subnetIds = Array.from({ length: availabilityZoneCount }, (_, i) =>
    vpc.privateSubnetIds.apply((ids) => {
      if (ids.length < availabilityZoneCount) {
        throw new Error(`the awsx VPC has ${ids.length} private subnets; the spoke needs one in each of its ${availabilityZoneCount} AZs`);
      }
      return ids[i];
    }));
  return {
    vpcId: vpc.vpcId,
    cidrBlock,
    attachmentSubnetIds: subnetIds,
    routeTableIds: subnetIds.map((subnetId) => aws.ec2.getRouteTableOutput({ subnetId }, opts).id),
  };
}
