/** The hub's subnets: per AZ a public, an endpoint and a TGW-attachment subnet, each with its own route table. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HUB_SUBNET_ROLES, HubSubnetRole, ValidatedCentralEgressArgs } from "../args/centralEgress";
import { Tags } from "../args/common";
import { azSuffix } from "../rules/availabilityZones";
import { tagsFor } from "../shared/tags";

/** role -> AZ -> resource */
export type ByRoleAndAz<T> = Record<HubSubnetRole, Record<string, T>>;

export interface HubSubnets {
  readonly subnets: ByRoleAndAz<aws.ec2.Subnet>;
  readonly routeTables: ByRoleAndAz<aws.ec2.RouteTable>;
}

export function createHubSubnets(name: string, v: ValidatedCentralEgressArgs, vpc: aws.ec2.Vpc, parent: pulumi.Resource, tags: Tags | undefined): HubSubnets {
  const opts = { parent };
  const subnets = {} as ByRoleAndAz<aws.ec2.Subnet>;
  const routeTables = {} as ByRoleAndAz<aws.ec2.RouteTable>;
  for (const role of HUB_SUBNET_ROLES) {
    subnets[role] = {};
    routeTables[role] = {};
    for (const az of v.availabilityZones) {
      const s = azSuffix(az);
      subnets[role][az] = new aws.ec2.Subnet(`${name}-${role}-${s}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: v.subnets[role][az],
        mapPublicIpOnLaunch: false,
        tags: tagsFor(`${name}-${role}-${s}`, tags),
      }, opts);
      // One table per subnet: every route's target must sit in the table's own AZ.
      routeTables[role][az] = new aws.ec2.RouteTable(`${name}-${role}-rt-${s}`, { vpcId: vpc.id, tags: tagsFor(`${name}-${role}-rt-${s}`, tags) }, opts);
      new aws.ec2.RouteTableAssociation(`${name}-${role}-rta-${s}`, { subnetId: subnets[role][az].id, routeTableId: routeTables[role][az].id }, opts);
    }
  }
  return { subnets, routeTables };
}
