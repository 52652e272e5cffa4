/** `CentralEgress`'s arguments, the inspection service it connects to, and its arguments once validated. */
import * as pulumi from "@pulumi/pulumi";
import { SubnetPlan, Tags } from "./common";

export const EGRESS_INSPECTION_ORDERS = ["nat-first", "inspect-first"] as const;
/** `nat-first` is the seed's order (appliances see NAT addresses); `inspect-first` is AWS's samples' (appliances see spoke addresses). */
export type EgressInspectionOrder = (typeof EGRESS_INSPECTION_ORDERS)[number];

export const EAST_WEST_POLICIES = ["inspect", "block"] as const;
/** What happens to traffic between spokes: through the appliances, or dropped at the TGW. */
export type EastWestPolicy = (typeof EAST_WEST_POLICIES)[number];

/** The inspection service the hub's endpoints connect to; a GwlbApplianceFleet is one. */
export interface InspectionServiceRef {
  readonly endpointServiceName: pulumi.Input<string>;
  /**
   * AZ names the gateway load balancer serves: endpoints may only live in these. Names mean the same
   * zone only within one account: for a service in another account give `availabilityZoneIds`.
   */
  readonly availabilityZones?: readonly string[];
  /** AZ ids the gateway load balancer serves ("apne2-az1"): the same zone in every account. */
  readonly availabilityZoneIds?: readonly string[];
  /** The target group's stickiness; only "5-tuple" works with TGW appliance mode. */
  readonly stickiness: string;
  /** Whether the service's owner must accept each endpoint connection. Default false. */
  readonly acceptanceRequired?: boolean;
  /**
   * The endpoint service's id, when it belongs to this stack: the hub then accepts its own endpoints'
   * connections itself. Without it, the endpoints wait for the service's owner (see `pendingEndpointAcceptance`).
   */
  readonly endpointServiceId?: pulumi.Input<string>;
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
  /**
   * The ids of those AZs, in the same order ("apne2-az1"), to compare with an inspection service in
   * another account, which gives `availabilityZoneIds` (AZ names map to zones per account).
   */
  availabilityZoneIds?: string[];
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

export type HubSubnetRole = "public" | "gwlbe" | "tgw";
export const HUB_SUBNET_ROLES: readonly HubSubnetRole[] = ["public", "gwlbe", "tgw"];

export interface ValidatedCentralEgressArgs {
  readonly cidrBlock: string;
  readonly availabilityZones: string[];
  readonly subnets: SubnetPlan<HubSubnetRole>;
  readonly egressInspectionOrder: EgressInspectionOrder;
  readonly eastWest: EastWestPolicy;
  readonly applianceMode: boolean;
  readonly amazonSideAsn: number;
  /** Whether the endpoints' connections must be accepted, and whether the hub accepts them itself. */
  readonly endpointAcceptance: "none" | "by-hub" | "by-service-owner";
}

/** A spoke known to the hub, for overlap checks and east-west routes. */
export interface AttachedSpoke {
  readonly name: string;
  readonly cidrBlock: string;
}

/** What a spoke hands the hub to be attached (see `CentralEgress.attachSpoke`). */
export interface SpokeAttachmentRequest {
  /** The spoke's name: the resources of its attachment are named after it. */
  readonly name: string;
  readonly cidrBlock: string;
  readonly vpcId: pulumi.Input<string>;
  /** One subnet per AZ, in the hub's AZ order, for the attachment's network interfaces. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly tags?: Tags;
}
