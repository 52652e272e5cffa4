/**
 * The hub's internet edge: the internet gateway, and (nat-first only) the ingress route table
 * edge-associated with it, which sends returning traffic into the endpoint of its AZ.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { tagsFor } from "../shared/tags";

export function createInternetGateway(name: string, vpc: aws.ec2.Vpc, parent: pulumi.Resource, tags: Tags | undefined): aws.ec2.InternetGateway {
  return new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tagsFor(`${name}-igw`, tags) }, { parent });
}

export function createIngressRouteTable(
  name: string,
  vpc: aws.ec2.Vpc,
  internetGateway: aws.ec2.InternetGateway,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): aws.ec2.RouteTable {
  const table = new aws.ec2.RouteTable(`${name}-ingress-rt`, { vpcId: vpc.id, tags: tagsFor(`${name}-ingress-rt`, tags) }, { parent });
  new aws.ec2.RouteTableAssociation(`${name}-ingress-rta`, { gatewayId: internetGateway.id, routeTableId: table.id }, { parent });
  return table;
}
