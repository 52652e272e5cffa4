/**
 * The transit gateway with explicit route tables only (a default table would let spokes reach each
 * other uninspected): the hub's attachment in appliance mode, the spoke table (0.0.0.0/0 -> hub)
 * and the hub table (each spoke CIDR -> its attachment, added as spokes attach).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ValidatedCentralEgressArgs } from "../args/centralEgress";
import { Tags } from "../args/common";
import { ANYWHERE } from "../rules/routeRecipes";
import { tagsFor } from "../shared/tags";

export interface HubTransitGateway {
  readonly transitGateway: aws.ec2transitgateway.TransitGateway;
  readonly hubAttachment: aws.ec2transitgateway.VpcAttachment;
  readonly spokeTgwRouteTable: aws.ec2transitgateway.RouteTable;
  readonly hubTgwRouteTable: aws.ec2transitgateway.RouteTable;
}

export function createHubTransitGateway(
  name: string,
  v: ValidatedCentralEgressArgs,
  vpc: aws.ec2.Vpc,
  attachmentSubnetIds: pulumi.Input<string>[],
  parent: pulumi.Resource,
  tags: Tags | undefined,
): HubTransitGateway {
  const opts = { parent };
  const transitGateway = new aws.ec2transitgateway.TransitGateway(`${name}-tgw`, {
    description: `${name} inspection hub`,
    amazonSideAsn: v.amazonSideAsn,
    defaultRouteTableAssociation: "disable",
    defaultRouteTablePropagation: "disable",
    autoAcceptSharedAttachments: "disable",
    dnsSupport: "enable",
    vpnEcmpSupport: "enable",
    tags: tagsFor(`${name}-tgw`, tags),
  }, opts);
  const hubAttachment = new aws.ec2transitgateway.VpcAttachment(`${name}-tgw-attachment`, {
    transitGatewayId: transitGateway.id,
    vpcId: vpc.id,
    subnetIds: attachmentSubnetIds,
    // Appliance mode keeps both directions of a flow in the AZ the TGW first picked.
    applianceModeSupport: v.applianceMode ? "enable" : "disable",
    transitGatewayDefaultRouteTableAssociation: false,
    transitGatewayDefaultRouteTablePropagation: false,
    tags: tagsFor(`${name}-tgw-attachment`, tags),
  }, opts);
  const spokeTgwRouteTable = new aws.ec2transitgateway.RouteTable(`${name}-spoke-tgw-rt`, { transitGatewayId: transitGateway.id, tags: tagsFor(`${name}-spoke-tgw-rt`, tags) }, opts);
  const hubTgwRouteTable = new aws.ec2transitgateway.RouteTable(`${name}-hub-tgw-rt`, { transitGatewayId: transitGateway.id, tags: tagsFor(`${name}-hub-tgw-rt`, tags) }, opts);
  new aws.ec2transitgateway.RouteTableAssociation(`${name}-hub-tgw-rt-association`, {
    transitGatewayAttachmentId: hubAttachment.id,
    transitGatewayRouteTableId: hubTgwRouteTable.id,
  }, opts);
  new aws.ec2transitgateway.Route(`${name}-spoke-tgw-default`, {
    transitGatewayRouteTableId: spokeTgwRouteTable.id,
    destinationCidrBlock: ANYWHERE,
    transitGatewayAttachmentId: hubAttachment.id,
  }, opts);
  return { transitGateway, hubAttachment, spokeTgwRouteTable, hubTgwRouteTable };
}
