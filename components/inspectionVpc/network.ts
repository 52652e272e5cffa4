/** The appliance VPC itself: the VPC, its one route table, and one appliance subnet per AZ. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { ValidatedInspectionVpcArgs } from "../args/inspectionVpc";
import { azSuffix } from "../rules/availabilityZones";
import { tagsFor } from "../shared/tags";

export interface ApplianceNetwork {
  readonly vpc: aws.ec2.Vpc;
  readonly routeTable: aws.ec2.RouteTable;
  /** AZ -> appliance subnet. */
  readonly subnets: Readonly<Record<string, aws.ec2.Subnet>>;
}

export function createApplianceNetwork(name: string, v: ValidatedInspectionVpcArgs, parent: pulumi.Resource, tags: Tags | undefined): ApplianceNetwork {
  const opts = { parent };
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
    cidrBlock: v.cidrBlock,
    enableDnsSupport: true,
    enableDnsHostnames: true, // interface endpoints with private DNS need both
    tags: tagsFor(`${name}-vpc`, tags),
  }, opts);
  const routeTable = new aws.ec2.RouteTable(`${name}-rt`, { vpcId: vpc.id, tags: tagsFor(`${name}-rt`, tags) }, opts);
  const subnets: Record<string, aws.ec2.Subnet> = {};
  for (const az of v.availabilityZones) {
    const subnetName = `${name}-appliance-${azSuffix(az)}`;
    subnets[az] = new aws.ec2.Subnet(subnetName, {
      vpcId: vpc.id,
      availabilityZone: az,
      cidrBlock: v.subnetCidrs[az],
      mapPublicIpOnLaunch: false,
      tags: tagsFor(subnetName, tags),
    }, opts);
    new aws.ec2.RouteTableAssociation(`${name}-rt-${azSuffix(az)}`, { subnetId: subnets[az].id, routeTableId: routeTable.id }, opts);
  }
  return { vpc, routeTable, subnets };
}
