import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { formatIpv4Cidr } from "../common/cidr";
import { SubnetPlan, azSuffix, checkAvailabilityZones, checkAzSubset, checkVpcCidr, planSubnets } from "./lib/layout";
import {
  EAST_WEST_POLICIES,
  EGRESS_INSPECTION_ORDERS,
  EastWestPolicy,
  EgressInspectionOrder,
  HubRoute,
  destinationSlug,
  planHubBaseRoutes,
} from "./lib/routes";
import { Tags, tagsFor } from "./lib/tags";
import { Problems } from "./lib/validation";

export const CENTRAL_EGRESS_TYPE = "gwlb:network:CentralEgress";

/** The inspection service the hub's endpoints connect to; a GwlbApplianceFleet is one. */
export interface InspectionServiceRef {
  readonly endpointServiceName: pulumi.Input<string>;
  /** AZs the gateway load balancer serves: endpoints may only live in these. */
  readonly availabilityZones: readonly string[];
  /** The target group's stickiness; only "5-tuple" works with TGW appliance mode. */
  readonly stickiness: string;
}

export interface CentralEgressSubnetCidrs {
  /** NAT gateways and ingress ALBs (seed: sec-pub-2a/2c). */
  public?: string[];
  /** One GWLB endpoint each (seed: sec-gwlb-2a/2c). */
  gwlbe?: string[];
  /** Transit gateway attachment ENIs (seed: sec-tgw-2a/2c). */
  tgw?: string[];
}

export interface CentralEgressArgs {
  /** The hub VPC's CIDR (seed: sec-vpc 10.20.0.0/16). */
  cidrBlock: string;
  /** AZs of the hub; each must be served by the inspection service. */
  availabilityZones: string[];
  /** Where the hub's GWLB endpoints connect. */
  inspection: InspectionServiceRef;
  /**
   * "nat-first" (default, the seed): spoke egress is NATed, then inspected; appliances see NAT
   * addresses. "inspect-first": inspected before NAT, so appliances see spoke addresses; the hub then
   * cannot also carry inspected ALB ingress (AppSpoke refuses publicIngress with it).
   */
  egressInspectionOrder?: EgressInspectionOrder;
  /** Traffic between spokes: "block" (default: blackholed at the TGW) or "inspect" (through the endpoints). */
  eastWest?: EastWestPolicy;
  /** Appliance mode on the hub's TGW attachment keeps both directions of a flow in one AZ. Default true. */
  applianceMode?: boolean;
  /** Private ASN of the transit gateway. Default 64512. */
  amazonSideAsn?: number;
  /** Explicit subnet CIDRs per role, one per AZ in order. Default: the layout grid. */
  subnetCidrs?: CentralEgressSubnetCidrs;
  tags?: Tags;
}

type HubSubnetRole = "public" | "gwlbe" | "tgw";
const HUB_SUBNET_ROLES: readonly HubSubnetRole[] = ["public", "gwlbe", "tgw"];

export interface ValidatedCentralEgressArgs {
  cidrBlock: string;
  availabilityZones: string[];
  subnets: SubnetPlan<HubSubnetRole>;
  egressInspectionOrder: EgressInspectionOrder;
  eastWest: EastWestPolicy;
  applianceMode: boolean;
  amazonSideAsn: number;
}

function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}

export function validateCentralEgressArgs(args: CentralEgressArgs, problems: Problems): ValidatedCentralEgressArgs | undefined {
  const vpc = checkVpcCidr(problems, "cidrBlock", args?.cidrBlock);
  const azs = checkAvailabilityZones(problems, "availabilityZones", args?.availabilityZones);
  const order = problems.oneOf("egressInspectionOrder", args?.egressInspectionOrder ?? "nat-first", EGRESS_INSPECTION_ORDERS);
  const eastWest = problems.oneOf("eastWest", args?.eastWest ?? "block", EAST_WEST_POLICIES);
  const applianceMode = problems.boolean("applianceMode", args?.applianceMode ?? true);
  const asn = args?.amazonSideAsn ?? 64512;
  if (!Number.isInteger(asn) || !isPrivateAsn(asn)) {
    problems.add("amazonSideAsn", `must be a private ASN (64512-65534 or 4200000000-4294967294), got ${asn}`);
  }
  const inspection = args?.inspection;
  if (!inspection || inspection.endpointServiceName === undefined) {
    problems.add("inspection", "must name the GWLB endpoint service (for example a GwlbApplianceFleet)");
  } else {
    if (azs && Array.isArray(inspection.availabilityZones)) {
      checkAzSubset(problems, "availabilityZones", azs, inspection.availabilityZones, "the inspection service's gateway load balancer");
    }
    if (applianceMode && inspection.stickiness !== "5-tuple") {
      problems.add("inspection.stickiness", `"${inspection.stickiness}" stickiness does not work with transit gateway appliance mode, which the hub attachment uses; use "5-tuple"`);
    }
  }
  if (applianceMode === false && eastWest === "inspect") {
    problems.add("applianceMode", 'must stay true with eastWest "inspect": without it the transit gateway may return a spoke-to-spoke flow through another AZ\'s endpoint and the appliances see half a flow');
  }
  const subnets = vpc && azs
    ? planSubnets(problems, vpc, azs, HUB_SUBNET_ROLES.map((role) => ({ role, path: `subnetCidrs.${role}`, explicit: args.subnetCidrs?.[role] })))
    : undefined;
  if (!vpc || !azs || !order || !eastWest || applianceMode === undefined || !subnets || !problems.isEmpty) return undefined;
  return { cidrBlock: formatIpv4Cidr(vpc), availabilityZones: azs, subnets, egressInspectionOrder: order, eastWest, applianceMode, amazonSideAsn: asn };
}

/** A spoke known to the hub, for overlap checks and east-west routes. */
export interface AttachedSpoke {
  readonly name: string;
  readonly cidrBlock: string;
}

/**
 * The security hub VPC (seed: sec-vpc): internet gateway with an edge-associated ingress route table,
 * one GWLB endpoint, NAT gateway, public, endpoint and TGW-attachment subnet per AZ, and the transit
 * gateway with explicit spoke and hub route tables. Routes follow the chosen egress inspection order
 * (see lib/routes.ts); spokes add their own routes when they attach.
 */
export class CentralEgress extends pulumi.ComponentResource {
  public readonly vpc: aws.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidrBlock: string;
  public readonly availabilityZones: readonly string[];
  public readonly egressInspectionOrder: EgressInspectionOrder;
  public readonly eastWest: EastWestPolicy;
  public readonly applianceMode: boolean;
  /** AZ -> CIDR per subnet role (plain). */
  public readonly subnetCidrs: Readonly<SubnetPlan<HubSubnetRole>>;
  public readonly publicSubnetIds: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly internetGateway: aws.ec2.InternetGateway;
  /** The IGW edge route table (nat-first only: inspect-first needs no edge routes). */
  public readonly ingressRouteTable?: aws.ec2.RouteTable;
  public readonly routeTables: Readonly<Record<HubSubnetRole, Readonly<Record<string, aws.ec2.RouteTable>>>>;
  public readonly endpoints: Readonly<Record<string, aws.ec2.VpcEndpoint>>;
  public readonly natGateways: Readonly<Record<string, aws.ec2.NatGateway>>;
  public readonly natPublicIps: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly transitGateway: aws.ec2transitgateway.TransitGateway;
  public readonly hubAttachment: aws.ec2transitgateway.VpcAttachment;
  /** Associated with every spoke attachment: 0.0.0.0/0 -> hub (seed: gwlb-tg-out-tgrt). */
  public readonly spokeTgwRouteTable: aws.ec2transitgateway.RouteTable;
  /** Associated with the hub attachment: each spoke CIDR -> its attachment. */
  public readonly hubTgwRouteTable: aws.ec2transitgateway.RouteTable;

  private readonly spokes: AttachedSpoke[] = [];

  constructor(name: string, args: CentralEgressArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new Problems();
    const valid = validateCentralEgressArgs(args, problems);
    problems.throwIfAny(`CentralEgress "${name}"`);
    const v = valid!;
    super(CENTRAL_EGRESS_TYPE, name, args, opts);
    const parent = { parent: this };
    const tags = (n: string) => tagsFor(n, args.tags);

    this.cidrBlock = v.cidrBlock;
    this.availabilityZones = v.availabilityZones;
    this.egressInspectionOrder = v.egressInspectionOrder;
    this.eastWest = v.eastWest;
    this.applianceMode = v.applianceMode;
    this.subnetCidrs = v.subnets;

    this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: v.cidrBlock, enableDnsSupport: true, enableDnsHostnames: true, tags: tags(`${name}-vpc`) }, parent);
    this.vpcId = this.vpc.id;
    this.internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: tags(`${name}-igw`) }, parent);

    const subnets = {} as Record<HubSubnetRole, Record<string, aws.ec2.Subnet>>;
    const routeTables = {} as Record<HubSubnetRole, Record<string, aws.ec2.RouteTable>>;
    for (const role of HUB_SUBNET_ROLES) {
      subnets[role] = {};
      routeTables[role] = {};
      for (const az of v.availabilityZones) {
        const s = azSuffix(az);
        subnets[role][az] = new aws.ec2.Subnet(`${name}-${role}-${s}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: v.subnets[role][az],
          mapPublicIpOnLaunch: false,
          tags: tags(`${name}-${role}-${s}`),
        }, parent);
        routeTables[role][az] = new aws.ec2.RouteTable(`${name}-${role}-rt-${s}`, { vpcId: this.vpc.id, tags: tags(`${name}-${role}-rt-${s}`) }, parent);
        new aws.ec2.RouteTableAssociation(`${name}-${role}-rta-${s}`, { subnetId: subnets[role][az].id, routeTableId: routeTables[role][az].id }, parent);
      }
    }
    this.routeTables = routeTables;
    this.publicSubnetIds = Object.fromEntries(v.availabilityZones.map((az) => [az, subnets.public[az].id]));

    const endpoints: Record<string, aws.ec2.VpcEndpoint> = {};
    const natGateways: Record<string, aws.ec2.NatGateway> = {};
    const natPublicIps: Record<string, pulumi.Output<string>> = {};
    for (const az of v.availabilityZones) {
      const s = azSuffix(az);
      // One endpoint per AZ, alone in its subnet, so every route can stay inside its AZ.
      endpoints[az] = new aws.ec2.VpcEndpoint(`${name}-endpoint-${s}`, {
        vpcId: this.vpc.id,
        serviceName: args.inspection.endpointServiceName,
        vpcEndpointType: "GatewayLoadBalancer",
        subnetIds: [subnets.gwlbe[az].id],
        tags: tags(`${name}-endpoint-${s}`),
      }, parent);
      const eip = new aws.ec2.Eip(`${name}-nat-eip-${s}`, { domain: "vpc", tags: tags(`${name}-nat-eip-${s}`) }, { parent: this, dependsOn: [this.internetGateway] });
      natGateways[az] = new aws.ec2.NatGateway(`${name}-nat-${s}`, {
        allocationId: eip.id,
        subnetId: subnets.public[az].id,
        connectivityType: "public",
        tags: tags(`${name}-nat-${s}`),
      }, parent);
      natPublicIps[az] = eip.publicIp;
    }
    this.endpoints = endpoints;
    this.natGateways = natGateways;
    this.natPublicIps = natPublicIps;

    if (v.egressInspectionOrder === "nat-first") {
      this.ingressRouteTable = new aws.ec2.RouteTable(`${name}-ingress-rt`, { vpcId: this.vpc.id, tags: tags(`${name}-ingress-rt`) }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-ingress-rta`, { gatewayId: this.internetGateway.id, routeTableId: this.ingressRouteTable.id }, parent);
    }

    this.transitGateway = new aws.ec2transitgateway.TransitGateway(`${name}-tgw`, {
      description: `${name} inspection hub`,
      amazonSideAsn: v.amazonSideAsn,
      // Explicit route tables only: a default table would let spokes reach each other uninspected.
      defaultRouteTableAssociation: "disable",
      defaultRouteTablePropagation: "disable",
      autoAcceptSharedAttachments: "disable",
      dnsSupport: "enable",
      vpnEcmpSupport: "enable",
      tags: tags(`${name}-tgw`),
    }, parent);
    this.hubAttachment = new aws.ec2transitgateway.VpcAttachment(`${name}-tgw-attachment`, {
      transitGatewayId: this.transitGateway.id,
      vpcId: this.vpc.id,
      subnetIds: v.availabilityZones.map((az) => subnets.tgw[az].id),
      applianceModeSupport: v.applianceMode ? "enable" : "disable",
      transitGatewayDefaultRouteTableAssociation: false,
      transitGatewayDefaultRouteTablePropagation: false,
      tags: tags(`${name}-tgw-attachment`),
    }, parent);
    this.spokeTgwRouteTable = new aws.ec2transitgateway.RouteTable(`${name}-spoke-tgw-rt`, { transitGatewayId: this.transitGateway.id, tags: tags(`${name}-spoke-tgw-rt`) }, parent);
    this.hubTgwRouteTable = new aws.ec2transitgateway.RouteTable(`${name}-hub-tgw-rt`, { transitGatewayId: this.transitGateway.id, tags: tags(`${name}-hub-tgw-rt`) }, parent);
    new aws.ec2transitgateway.RouteTableAssociation(`${name}-hub-tgw-rt-association`, {
      transitGatewayAttachmentId: this.hubAttachment.id,
      transitGatewayRouteTableId: this.hubTgwRouteTable.id,
    }, parent);
    new aws.ec2transitgateway.Route(`${name}-spoke-tgw-default`, {
      transitGatewayRouteTableId: this.spokeTgwRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      transitGatewayAttachmentId: this.hubAttachment.id,
    }, parent);

    for (const route of planHubBaseRoutes(v.egressInspectionOrder, v.subnets.public)) {
      this.createRoute(route, `${name}-${route.table}-${destinationSlug(route.destination)}-${azSuffix(route.az)}`, this);
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      transitGatewayId: this.transitGateway.id,
      endpointIds: Object.fromEntries(Object.entries(endpoints).map(([az, e]) => [az, e.id])),
      natPublicIps,
    });
  }

  /** Spokes attached so far (plain), in attachment order. */
  get attachedSpokes(): readonly AttachedSpoke[] {
    return this.spokes;
  }

  /** Called by AppSpoke once its arguments are valid, so later spokes are checked against it. */
  noteSpoke(spoke: AttachedSpoke): void {
    this.spokes.push(spoke);
  }

  /**
   * Writes one planned route into the hub's tables. Targets always sit in the route's AZ; routes to a
   * GWLB endpoint take the endpoint as an input, so they are created only once it is available.
   */
  createRoute(route: HubRoute, resourceName: string, parent: pulumi.Resource): aws.ec2.Route {
    const table = route.table === "edge" ? this.ingressRouteTable : this.routeTables[route.table][route.az];
    if (!table) throw new Error(`hub ${route.table} route table for ${route.az} does not exist (egress order ${this.egressInspectionOrder})`);
    const target: Partial<aws.ec2.RouteArgs> = {};
    const dependsOn: pulumi.Resource[] = [];
    switch (route.target) {
      case "igw": target.gatewayId = this.internetGateway.id; break;
      case "gwlbe": target.vpcEndpointId = this.endpoints[route.az].id; break;
      case "nat": target.natGatewayId = this.natGateways[route.az].id; break;
      case "tgw":
        target.transitGatewayId = this.transitGateway.id;
        dependsOn.push(this.hubAttachment); // a TGW route needs the VPC's attachment first
        break;
    }
    return new aws.ec2.Route(resourceName, { routeTableId: table.id, destinationCidrBlock: route.destination, ...target }, { parent, dependsOn });
  }
}
