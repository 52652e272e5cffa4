/** `AppSpoke`'s arguments (all but the hub, which its class file adds) and its arguments once validated. */
import * as pulumi from "@pulumi/pulumi";
import { AttachedSpoke } from "./centralEgress";
import { Architecture, SubnetPlan, Tags } from "./common";

/** A VPC made elsewhere (for example an awsx.ec2.Vpc) that joins the hub as a spoke. */
export interface ExistingSpokeVpc {
  readonly vpcId: pulumi.Input<string>;
  /** Its CIDR, plain: overlaps are checked at preview time. */
  readonly cidrBlock: string;
  /** One subnet per availability zone, in order, for the TGW attachment's ENIs. */
  readonly attachmentSubnetIds: pulumi.Input<string>[];
  /** Route tables that get 0.0.0.0/0 -> transit gateway; they must not hold another default route. */
  readonly routeTableIds: pulumi.Input<string>[];
}

export interface SpokeWorkloadArgs {
  /** Default "t3.micro" for x86_64, "t4g.micro" for arm64 (the seed's web servers are micro instances). */
  instanceType?: string;
  /** Default: that of `instanceType` when it is given, otherwise "x86_64"; must match the instance type. */
  architecture?: Architecture;
  /** Web servers per AZ. Default 1. */
  instancesPerAz?: number;
  /** Host index of the NLB's fixed address in each private subnet (10 -> 10.10.21.10). Default 10. */
  nlbHostIndex?: number;
  /** HTTP port of the web servers, NLB and ALB. Default 80. */
  port?: number;
}

export interface PublicIngressArgs {
  /** Client CIDRs the ALB admits. Default ["0.0.0.0/0"]. */
  allowedCidrs?: string[];
}

/** Every `AppSpokeArgs` but the hub itself: plain values, which a stack can check before building anything. */
export interface AppSpokeBaseArgs {
  /** AZs of the spoke; each must be one of the hub's. */
  availabilityZones: string[];
  /** CIDR of the VPC to create (seed: app01-vpc 10.10.0.0/16). Give this or existingVpc. */
  cidrBlock?: string;
  /** Explicit private and TGW subnet CIDRs, one per AZ in order. Default: the layout grid. */
  subnetCidrs?: { private?: string[]; tgw?: string[] };
  /** Adopt an existing VPC instead of creating one. */
  existingVpc?: ExistingSpokeVpc;
  /** The seed's sample web tier: web servers behind an internal NLB with fixed private IPs. */
  workload?: SpokeWorkloadArgs | boolean;
  /** A public ALB in the hub's public subnets that reaches the workload's NLB across the TGW. */
  publicIngress?: PublicIngressArgs | boolean;
  tags?: Tags;
}

export type SpokeSubnetRole = "private" | "tgw";

export interface ValidatedWorkload {
  readonly instanceType: string;
  readonly architecture: Architecture;
  readonly instancesPerAz: number;
  readonly port: number;
  /** AZ -> fixed NLB address */
  readonly nlbAddresses: Record<string, string>;
}

export interface ValidatedAppSpokeArgs {
  readonly cidrBlock: string;
  readonly availabilityZones: string[];
  /** Planned subnets; absent for an adopted VPC. */
  readonly subnets?: SubnetPlan<SpokeSubnetRole>;
  readonly existingVpc?: ExistingSpokeVpc;
  readonly workload?: ValidatedWorkload;
  readonly publicIngress?: { readonly allowedCidrs: string[] };
}

/** What a spoke's validation needs to know about its hub: plain values, so a stack can check before building. */
export interface HubFacts {
  /** The hub VPC's CIDR; undefined when the caller checks VPC overlaps itself (as a whole stack does). */
  readonly cidrBlock: string | undefined;
  readonly availabilityZones: readonly string[];
  readonly egressInspectionOrder: string;
  readonly attachedSpokes: readonly AttachedSpoke[];
}
