/**
 * Attaching a spoke to the hub: its TGW attachment and association with the spoke table, the hub
 * table's route back to it, the east-west blackhole (`block`), and the hub VPC routes to it. These
 * resources are the spoke's (`owner`): they are created and deleted with it, while only the hub
 * knows its tables, so spokes never write into them themselves.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EastWestPolicy, SpokeAttachmentRequest } from "../args/centralEgress";
import { azSuffix } from "../rules/availabilityZones";
import { planHubRoutesToSpoke } from "../rules/routeRecipes";
import { tagsFor } from "../shared/tags";
import { HubRouteTargets, createHubRoute } from "./hubRoutes";

export interface SpokeAttachmentContext extends HubRouteTargets {
  readonly eastWest: EastWestPolicy;
  readonly availabilityZones: readonly string[];
}

export function createSpokeAttachment(spoke: SpokeAttachmentRequest, hub: SpokeAttachmentContext, owner: pulumi.Resource): aws.ec2transitgateway.VpcAttachment {
  const name = spoke.name;
  const opts = { parent: owner };
  const attachment = new aws.ec2transitgateway.VpcAttachment(`${name}-tgw-attachment`, {
    transitGatewayId: hub.tgw.transitGateway.id,
    vpcId: spoke.vpcId,
    subnetIds: spoke.subnetIds,
    applianceModeSupport: "disable",
    transitGatewayDefaultRouteTableAssociation: false,
    transitGatewayDefaultRouteTablePropagation: false,
    tags: tagsFor(`${name}-tgw-attachment`, spoke.tags),
  }, opts);
  new aws.ec2transitgateway.RouteTableAssociation(`${name}-tgw-rt-association`, {
    transitGatewayAttachmentId: attachment.id,
    transitGatewayRouteTableId: hub.tgw.spokeTgwRouteTable.id,
  }, opts);
  new aws.ec2transitgateway.Route(`${name}-hub-tgw-return`, {
    transitGatewayRouteTableId: hub.tgw.hubTgwRouteTable.id,
    destinationCidrBlock: spoke.cidrBlock,
    transitGatewayAttachmentId: attachment.id,
  }, opts);
  if (hub.eastWest === "block") {
    // Without it, spoke-to-spoke traffic would follow the spoke table's default route into the hub and out through NAT, uninspected.
    new aws.ec2transitgateway.Route(`${name}-east-west-blackhole`, {
      transitGatewayRouteTableId: hub.tgw.spokeTgwRouteTable.id,
      destinationCidrBlock: spoke.cidrBlock,
      blackhole: true,
    }, opts);
  }
  for (const route of planHubRoutesToSpoke(hub.egressInspectionOrder, hub.eastWest, hub.availabilityZones, spoke.cidrBlock)) {
    createHubRoute(route, `${name}-hub-${route.table}-${azSuffix(route.az)}`, hub, owner);
  }
  return attachment;
}
