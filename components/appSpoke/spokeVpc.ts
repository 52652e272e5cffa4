/** The spoke's own VPC: one route table for all its subnets, and per AZ a private and a TGW-attachment subnet. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SpokeSubnetRole, ValidatedAppSpokeArgs } from "../args/appSpoke";
import { SubnetPlan, Tags } from "../args/common";
import { azSuffix } from "../rules/availabilityZones";
import { tagsFor } from "../shared/tags";

/** Where the spoke's attachment and workload go, whether the spoke made its VPC or adopted one. */
export interface SpokeNetwork {
  readonly vpcId: pulumi.Output<string>;
  /** One per AZ, in order, for the TGW attachment. */
  readonly attachmentSubnetIds: pulumi.Input<string>[];
  /** Tables that get the default route to the transit gateway. */
  readonly routeTableIds: pulumi.Input<string>[];
  /** One per AZ, in order (empty for an adopted VPC). */
  readonly privateSubnetIds: pulumi.Output<string>[];
}

export function createSpokeVpc(name: string, v: ValidatedAppSpokeArgs, plan: SubnetPlan<SpokeSubnetRole>, parent: pulumi.Resource, tags: Tags | undefined): SpokeNetwork {
  const opts = { parent };
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: v.cidrBlock, enableDnsSupport: true, enableDnsHostnames: true, tags: tagsFor(`${name}-vpc`, tags) }, opts);
  const routeTable = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: vpc.id, tags: tagsFor(`${name}-private-rt`, tags) }, opts);
  const subnetIds: Record<SpokeSubnetRole, pulumi.Output<string>[]> = { private: [], tgw: [] };
  for (const role of ["private", "tgw"] as const) {
    for (const az of v.availabilityZones) {
      const s = azSuffix(az);
      const subnet = new aws.ec2.Subnet(`${name}-${role}-${s}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: plan[role][az],
        mapPublicIpOnLaunch: false,
        tags: tagsFor(`${name}-${role}-${s}`, tags),
      }, opts);
      new aws.ec2.RouteTableAssociation(`${name}-${role}-rta-${s}`, { subnetId: subnet.id, routeTableId: routeTable.id }, opts);
      subnetIds[role].push(subnet.id);
    }
  }
  return { vpcId: vpc.id, attachmentSubnetIds: subnetIds.tgw, routeTableIds: [routeTable.id], privateSubnetIds: subnetIds.private };
}
