/**
 * The network a packet sees, read from a resource graph by resource type and inputs only (never by
 * resource names, which the components may change): VPCs, subnets, route tables and their routes,
 * gateways, GWLB endpoints, load balancers, the transit gateway. Plain data for the tracer.
 */
import { Ipv4Cidr, parseIpv4Cidr, tryParseIpv4Cidr } from "../../common/cidr";
import { LoadBalancing, readLoadBalancing } from "./loadBalancing";
import { ofType, propStr, propStrs, str } from "./properties";
import { GraphResource, Properties, ResourceGraph } from "./resourceGraph";
import { TransitGateways, readTransitGateways } from "./transitGateway";

export const EC2_TYPES = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
  routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  mainRouteTableAssociation: "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
  internetGateway: "aws:ec2/internetGateway:InternetGateway",
  natGateway: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  endpointService: "aws:ec2/vpcEndpointService:VpcEndpointService",
} as const;

/** Where a VPC route sends a packet. */
export type RouteTarget =
  | { readonly kind: "local" }
  | { readonly kind: "igw" | "nat" | "gwlbe" | "tgw" | "other"; readonly id: string };

export interface VpcRoute {
  readonly destination: string;
  readonly cidr: Ipv4Cidr;
  readonly target: RouteTarget;
  /** The resource that holds the entry (a Route, or the route table for inline and local routes). */
  readonly entry: string;
}

export interface Vpc { readonly id: string; readonly name: string; readonly cidr: string }
export interface Subnet { readonly id: string; readonly name: string; readonly vpcId: string; readonly az: string; readonly cidr: string }
export interface RouteTable { readonly id: string; readonly name: string; readonly vpcId: string; readonly routes: VpcRoute[] }
export interface InternetGateway { readonly id: string; readonly name: string; readonly vpcId: string }
export interface NatGateway { readonly id: string; readonly name: string; readonly subnetId: string; readonly privateIp?: string; readonly publicIp?: string; readonly isPublic: boolean }
export interface GwlbEndpoint { readonly id: string; readonly name: string; readonly vpcId: string; readonly subnetIds: string[]; readonly serviceName: string }
export interface EndpointService { readonly id: string; readonly name: string; readonly serviceName: string; readonly gatewayLoadBalancerArns: string[] }

export interface NetworkModel {
  readonly vpcs: ReadonlyMap<string, Vpc>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly routeTables: ReadonlyMap<string, RouteTable>;
  /** subnet id -> route table id (explicit associations, else the VPC's main table when known). */
  readonly subnetRouteTable: ReadonlyMap<string, string>;
  /** gateway id -> edge-associated route table id. */
  readonly edgeRouteTable: ReadonlyMap<string, string>;
  readonly internetGateways: ReadonlyMap<string, InternetGateway>;
  readonly natGateways: ReadonlyMap<string, NatGateway>;
  readonly endpoints: ReadonlyMap<string, GwlbEndpoint>;
  readonly endpointServices: readonly EndpointService[];
  readonly loadBalancing: LoadBalancing;
  readonly transit: TransitGateways;
  /** Problems found while reading (a route without a target, an unparsable CIDR): shown, and fatal for the check. */
  readonly problems: string[];
}

function routeTarget(p: Properties, endpointIds: ReadonlySet<string>): RouteTarget | undefined {
  if (p.gatewayId === "local" || p.localGatewayId === "local") return { kind: "local" };
  const vpce = str(p, "vpcEndpointId");
  if (vpce) return { kind: "gwlbe", id: vpce };
  const nat = str(p, "natGatewayId");
  if (nat) return { kind: "nat", id: nat };
  const tgw = str(p, "transitGatewayId");
  if (tgw) return { kind: "tgw", id: tgw };
  const gateway = str(p, "gatewayId");
  // An endpoint id may also be given as gatewayId (Terraform's habit); IGW ids otherwise.
  if (gateway) return endpointIds.has(gateway) ? { kind: "gwlbe", id: gateway } : { kind: "igw", id: gateway };
  for (const key of ["networkInterfaceId", "vpcPeeringConnectionId", "egressOnlyGatewayId", "carrierGatewayId", "localGatewayId", "coreNetworkArn"]) {
    const other = str(p, key);
    if (other) return { kind: "other", id: other };
  }
  return undefined;
}

/** Reads the network of a resource graph. */
export function buildNetworkModel(graph: ResourceGraph): NetworkModel {
  const problems: string[] = [];
  const idOf = (r: GraphResource) => r.id || propStr(r, "id") || r.urn;
  const vpcs = new Map<string, Vpc>();
  for (const r of ofType(graph, EC2_TYPES.vpc)) {
    const cidr = propStr(r, "cidrBlock");
    if (cidr && typeof tryParseIpv4Cidr(cidr) !== "string") vpcs.set(idOf(r), { id: idOf(r), name: r.name, cidr });
    else problems.push(`VPC ${r.name} has no IPv4 cidrBlock the tracer can read (${JSON.stringify(cidr)})`);
  }
  const subnets = new Map<string, Subnet>();
  for (const r of ofType(graph, EC2_TYPES.subnet)) {
    const cidr = propStr(r, "cidrBlock");
    const vpcId = propStr(r, "vpcId");
    const az = propStr(r, "availabilityZone");
    if (!cidr || typeof tryParseIpv4Cidr(cidr) === "string" || !vpcId || !az) {
      problems.push(`subnet ${r.name} lacks cidrBlock, vpcId or availabilityZone`);
      continue;
    }
    subnets.set(idOf(r), { id: idOf(r), name: r.name, vpcId, az, cidr });
  }
  const endpoints = new Map<string, GwlbEndpoint>();
  for (const r of ofType(graph, EC2_TYPES.vpcEndpoint)) {
    if (propStr(r, "vpcEndpointType") !== "GatewayLoadBalancer") continue;
    endpoints.set(idOf(r), { id: idOf(r), name: r.name, vpcId: propStr(r, "vpcId") ?? "", subnetIds: propStrs(r, "subnetIds"), serviceName: propStr(r, "serviceName") ?? "" });
  }
  const endpointIds = new Set(endpoints.keys());
  const routeTables = new Map<string, RouteTable>();
  for (const r of ofType(graph, EC2_TYPES.routeTable)) {
    const vpcId = propStr(r, "vpcId") ?? "";
    const vpc = vpcs.get(vpcId);
    const routes: VpcRoute[] = [];
    // Every VPC table holds the implicit local route for the VPC's block.
    if (vpc) routes.push({ destination: vpc.cidr, cidr: parseIpv4Cidr(vpc.cidr), target: { kind: "local" }, entry: `${r.name} (local)` });
    // Inline routes from the inputs only: a real export's outputs list every route of the table,
    // the separate Route resources' too, and would hide one deleted from the document.
    const inline = r.inputs.routes;
    if (Array.isArray(inline)) {
      for (const route of inline as Properties[]) {
        const destination = str(route, "cidrBlock") ?? str(route, "destinationCidrBlock");
        const target = routeTarget(route, endpointIds);
        if (destination && target && typeof tryParseIpv4Cidr(destination) !== "string" && !(target.kind === "local" && vpc && destination === vpc.cidr)) {
          routes.push({ destination, cidr: parseIpv4Cidr(destination), target, entry: `${r.name} (inline ${destination})` });
        }
      }
    }
    routeTables.set(idOf(r), { id: idOf(r), name: r.name, vpcId, routes });
  }
  for (const r of ofType(graph, EC2_TYPES.route)) {
    const table = routeTables.get(propStr(r, "routeTableId") ?? "");
    const destination = propStr(r, "destinationCidrBlock");
    if (!table) { problems.push(`route ${r.name} is in route table ${JSON.stringify(propStr(r, "routeTableId"))}, which the graph does not hold`); continue; }
    if (!destination || typeof tryParseIpv4Cidr(destination) === "string") continue; // IPv6 and prefix-list routes are not traced
    const target = routeTarget({ ...r.outputs, ...r.inputs }, endpointIds);
    if (!target) { problems.push(`route ${r.name} (${destination} in ${table.name}) has no target`); continue; }
    table.routes.push({ destination, cidr: parseIpv4Cidr(destination), target, entry: r.name });
  }
  const subnetRouteTable = new Map<string, string>();
  const edgeRouteTable = new Map<string, string>();
  for (const r of ofType(graph, EC2_TYPES.routeTableAssociation)) {
    const tableId = propStr(r, "routeTableId");
    if (!tableId) continue;
    const subnetId = propStr(r, "subnetId");
    const gatewayId = propStr(r, "gatewayId");
    if (subnetId) subnetRouteTable.set(subnetId, tableId);
    if (gatewayId) edgeRouteTable.set(gatewayId, tableId);
  }
  // Subnets without an explicit association use their VPC's main table, when the graph names it.
  const mainTables = new Map(ofType(graph, EC2_TYPES.mainRouteTableAssociation).map((r) => [propStr(r, "vpcId") ?? "", propStr(r, "routeTableId") ?? ""]));
  for (const subnet of subnets.values()) {
    const main = mainTables.get(subnet.vpcId);
    if (!subnetRouteTable.has(subnet.id) && main) subnetRouteTable.set(subnet.id, main);
  }
  const internetGateways = new Map<string, InternetGateway>();
  for (const r of ofType(graph, EC2_TYPES.internetGateway)) internetGateways.set(idOf(r), { id: idOf(r), name: r.name, vpcId: propStr(r, "vpcId") ?? "" });
  const eips = new Map(ofType(graph, EC2_TYPES.eip).map((r) => [idOf(r), r]));
  const natGateways = new Map<string, NatGateway>();
  for (const r of ofType(graph, EC2_TYPES.natGateway)) {
    const eip = eips.get(propStr(r, "allocationId") ?? "");
    natGateways.set(idOf(r), {
      id: idOf(r),
      name: r.name,
      subnetId: propStr(r, "subnetId") ?? "",
      privateIp: str(r.outputs, "privateIp") ?? str(r.inputs, "privateIp"),
      publicIp: str(r.outputs, "publicIp") ?? (eip ? str(eip.outputs, "publicIp") : undefined),
      isPublic: (propStr(r, "connectivityType") ?? "public") === "public",
    });
  }
  const endpointServices = ofType(graph, EC2_TYPES.endpointService).map((r) => ({
    id: idOf(r),
    name: r.name,
    serviceName: str(r.outputs, "serviceName") ?? "",
    gatewayLoadBalancerArns: propStrs(r, "gatewayLoadBalancerArns"),
  }));
  return {
    vpcs, subnets, routeTables, subnetRouteTable, edgeRouteTable, internetGateways, natGateways, endpoints, endpointServices,
    loadBalancing: readLoadBalancing(graph, idOf),
    transit: readTransitGateways(graph, idOf, problems),
    problems,
  };
}
