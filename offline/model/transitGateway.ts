/** Transit gateways: attachments (subnets, appliance mode), route tables with static, blackhole and propagated routes, associations. */
import { Ipv4Cidr, parseIpv4Cidr, tryParseIpv4Cidr } from "../../common/cidr";
import { GraphResource, ResourceGraph } from "./resourceGraph";
import { ofType, prop, propStr, propStrs } from "./properties";

export const TGW_TYPES = {
  transitGateway: "aws:ec2transitgateway/transitGateway:TransitGateway",
  vpcAttachment: "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
  routeTable: "aws:ec2transitgateway/routeTable:RouteTable",
  route: "aws:ec2transitgateway/route:Route",
  association: "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation",
  propagation: "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation",
} as const;

export interface TgwAttachment {
  readonly id: string;
  readonly name: string;
  readonly transitGatewayId: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly applianceMode: boolean;
}

export interface TgwRoute {
  readonly destination: string;
  readonly cidr: Ipv4Cidr;
  /** undefined for a blackhole. */
  readonly attachmentId?: string;
  readonly blackhole: boolean;
  /** The resource holding the entry (a static route, or "<propagation> (propagated)"). */
  readonly entry: string;
  readonly propagated: boolean;
}

export interface TgwRouteTable { readonly id: string; readonly name: string; readonly transitGatewayId: string; readonly routes: TgwRoute[] }

export interface TransitGateways {
  readonly gateways: ReadonlyMap<string, { readonly id: string; readonly name: string }>;
  readonly attachments: ReadonlyMap<string, TgwAttachment>;
  readonly routeTables: ReadonlyMap<string, TgwRouteTable>;
  /** attachment id -> associated route table id */
  readonly associations: ReadonlyMap<string, string>;
}

export function readTransitGateways(graph: ResourceGraph, idOf: (r: GraphResource) => string, problems: string[]): TransitGateways {
  const gateways = new Map(ofType(graph, TGW_TYPES.transitGateway).map((r) => [idOf(r), { id: idOf(r), name: r.name }]));
  const attachments = new Map<string, TgwAttachment>();
  for (const r of ofType(graph, TGW_TYPES.vpcAttachment)) {
    attachments.set(idOf(r), {
      id: idOf(r),
      name: r.name,
      transitGatewayId: propStr(r, "transitGatewayId") ?? "",
      vpcId: propStr(r, "vpcId") ?? "",
      subnetIds: propStrs(r, "subnetIds"),
      applianceMode: propStr(r, "applianceModeSupport") === "enable",
    });
  }
  const routeTables = new Map<string, TgwRouteTable>();
  for (const r of ofType(graph, TGW_TYPES.routeTable)) routeTables.set(idOf(r), { id: idOf(r), name: r.name, transitGatewayId: propStr(r, "transitGatewayId") ?? "", routes: [] });
  for (const r of ofType(graph, TGW_TYPES.route)) {
    const table = routeTables.get(propStr(r, "transitGatewayRouteTableId") ?? "");
    const destination = propStr(r, "destinationCidrBlock");
    if (!table || !destination || typeof tryParseIpv4Cidr(destination) === "string") {
      problems.push(`transit gateway route ${r.name} has no readable route table or IPv4 destination`);
      continue;
    }
    const blackhole = prop(r, "blackhole") === true;
    table.routes.push({ destination, cidr: parseIpv4Cidr(destination), attachmentId: blackhole ? undefined : propStr(r, "transitGatewayAttachmentId"), blackhole, entry: r.name, propagated: false });
  }
  const associations = new Map<string, string>();
  for (const r of ofType(graph, TGW_TYPES.association)) {
    const attachment = propStr(r, "transitGatewayAttachmentId");
    const table = propStr(r, "transitGatewayRouteTableId");
    if (attachment && table) associations.set(attachment, table);
  }
  const vpcCidrs = new Map(ofType(graph, "aws:ec2/vpc:Vpc").map((r) => [idOf(r), propStr(r, "cidrBlock") ?? ""]));
  for (const r of ofType(graph, TGW_TYPES.propagation)) {
    const table = routeTables.get(propStr(r, "transitGatewayRouteTableId") ?? "");
    const attachment = attachments.get(propStr(r, "transitGatewayAttachmentId") ?? "");
    const cidr = attachment ? vpcCidrs.get(attachment.vpcId) : undefined;
    // A propagation adds the attachment's VPC block; a static route for the same block wins.
    if (table && attachment && cidr && !table.routes.some((x) => x.destination === cidr && !x.propagated)) {
      table.routes.push({ destination: cidr, cidr: parseIpv4Cidr(cidr), attachmentId: attachment.id, blackhole: false, entry: `${r.name} (propagated)`, propagated: true });
    }
  }
  return { gateways, attachments, routeTables, associations };
}
