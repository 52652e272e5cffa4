import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AttachedSpoke, CentralEgressArgs, EastWestPolicy, EgressInspectionOrder, HubSubnetRole, SpokeAttachmentRequest } from "../args/centralEgress";
import { SubnetPlan } from "../args/common";
import { azSuffix } from "../rules/availabilityZones";
import { validateCentralEgressArgs } from "../rules/centralEgress";
import { Problems } from "../rules/problems";
import { destinationSlug, planHubBaseRoutes } from "../rules/routeRecipes";
import { tagsFor } from "../shared/tags";
import { createAzGateways } from "./azGateways";
import { createHubRoute } from "./hubRoutes";
import { createIngressRouteTable, createInternetGateway } from "./internetEdge";
import { SpokeAttachmentContext, createSpokeAttachment } from "./spokeAttachment";
import { createHubSubnets } from "./subnets";
import { createHubTransitGateway } from "./transitGateway";

export const CENTRAL_EGRESS_TYPE = "gwlb:network:CentralEgress";

/**
 * The security hub VPC (seed: sec-vpc): internet gateway with an edge-associated ingress route table,
 * one GWLB endpoint, NAT gateway, public, endpoint and TGW-attachment subnet per AZ, and the transit
 * gateway with explicit spoke and hub route tables. Routes follow the chosen egress inspection order
 * (see rules/routeRecipes.ts); spokes join through `attachSpoke`.
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
  /**
   * AZ -> endpoint id, for endpoints whose connections the service's owner (in another stack or
   * account) must accept before they carry traffic; empty when nothing waits.
   */
  public readonly pendingEndpointAcceptance: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly transitGateway: aws.ec2transitgateway.TransitGateway;
  public readonly hubAttachment: aws.ec2transitgateway.VpcAttachment;
  /** Associated with every spoke attachment: 0.0.0.0/0 -> hub (seed: gwlb-tg-out-tgrt). */
  public readonly spokeTgwRouteTable: aws.ec2transitgateway.RouteTable;
  /** Associated with the hub attachment: each spoke CIDR -> its attachment. */
  public readonly hubTgwRouteTable: aws.ec2transitgateway.RouteTable;

  private readonly spokes: AttachedSpoke[] = [];
  private readonly attachContext: SpokeAttachmentContext;

  constructor(name: string, args: CentralEgressArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new Problems();
    const valid = validateCentralEgressArgs(args, problems);
    problems.throwIfAny(`CentralEgress "${name}"`);
    const v = valid!;
    super(CENTRAL_EGRESS_TYPE, name, args, opts);
    const tags = args.tags;

    this.cidrBlock = v.cidrBlock;
    this.availabilityZones = v.availabilityZones;
    this.egressInspectionOrder = v.egressInspectionOrder;
    this.eastWest = v.eastWest;
    this.applianceMode = v.applianceMode;
    this.subnetCidrs = v.subnets;

    this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: v.cidrBlock, enableDnsSupport: true, enableDnsHostnames: true, tags: tagsFor(`${name}-vpc`, tags) }, { parent: this });
    this.vpcId = this.vpc.id;
    this.internetGateway = createInternetGateway(name, this.vpc, this, tags);

    const hubSubnets = createHubSubnets(name, v, this.vpc, this, tags);
    this.routeTables = hubSubnets.routeTables;
    this.publicSubnetIds = Object.fromEntries(v.availabilityZones.map((az) => [az, hubSubnets.subnets.public[az].id]));

    const gateways = createAzGateways(name, v, this.vpc, hubSubnets, args.inspection, this.internetGateway, this, tags);
    this.endpoints = gateways.endpoints;
    this.natGateways = gateways.natGateways;
    this.natPublicIps = gateways.natPublicIps;
    this.pendingEndpointAcceptance = v.endpointAcceptance === "by-service-owner"
      ? Object.fromEntries(Object.entries(gateways.endpoints).map(([az, e]) => [az, e.id]))
      : {};

    if (v.egressInspectionOrder === "nat-first") this.ingressRouteTable = createIngressRouteTable(name, this.vpc, this.internetGateway, this, tags);

    const tgw = createHubTransitGateway(name, v, this.vpc, v.availabilityZones.map((az) => hubSubnets.subnets.tgw[az].id), this, tags);
    this.transitGateway = tgw.transitGateway;
    this.hubAttachment = tgw.hubAttachment;
    this.spokeTgwRouteTable = tgw.spokeTgwRouteTable;
    this.hubTgwRouteTable = tgw.hubTgwRouteTable;

    this.attachContext = {
      egressInspectionOrder: v.egressInspectionOrder,
      eastWest: v.eastWest,
      availabilityZones: v.availabilityZones,
      ingressRouteTable: this.ingressRouteTable,
      routeTables: hubSubnets.routeTables,
      internetGateway: this.internetGateway,
      gateways,
      tgw,
    };
    for (const route of planHubBaseRoutes(v.egressInspectionOrder, v.subnets.public)) {
      createHubRoute(route, `${name}-${route.table}-${destinationSlug(route.destination)}-${azSuffix(route.az)}`, this.attachContext, this);
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      transitGatewayId: this.transitGateway.id,
      endpointIds: Object.fromEntries(Object.entries(this.endpoints).map(([az, e]) => [az, e.id])),
      natPublicIps: this.natPublicIps,
      pendingEndpointAcceptance: this.pendingEndpointAcceptance,
    });
  }

  /** Spokes attached so far (plain), in attachment order. */
  get attachedSpokes(): readonly AttachedSpoke[] {
    return this.spokes;
  }

  /**
   * Attaches a spoke VPC whose arguments were validated against this hub (`attachedSpokes`): the
   * resources of its attachment and of the hub's routes to it are children of `owner`, the spoke.
   */
  attachSpoke(owner: pulumi.Resource, spoke: SpokeAttachmentRequest): aws.ec2transitgateway.VpcAttachment {
    this.spokes.push({ name: spoke.name, cidrBlock: spoke.cidrBlock });
    return createSpokeAttachment(spoke, this.attachContext, owner);
  }
}
