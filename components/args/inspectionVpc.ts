/** `InspectionVpc`'s arguments, what it offers the fleet, and its arguments once validated. */
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "./common";

export const INTERNET_ACCESS_MODES = ["none", "igw"] as const;
export type InternetAccess = (typeof INTERNET_ACCESS_MODES)[number];

export const FLOW_LOG_TRAFFIC_TYPES = ["ACCEPT", "REJECT", "ALL"] as const;
export type FlowLogTrafficType = (typeof FLOW_LOG_TRAFFIC_TYPES)[number];

export interface InspectionVpcFlowLogsArgs {
  /** CloudWatch Logs retention. Default 30 days. */
  retentionInDays?: number;
  /** Which traffic to log. Default "ALL". */
  trafficType?: FlowLogTrafficType;
}

export interface InspectionVpcArgs {
  /** The appliance VPC's CIDR (the seed's appliance-vpc is 10.21.0.0/16). */
  cidrBlock: string;
  /** AZs the GWLB and the appliances serve, e.g. ["ap-northeast-2a", "ap-northeast-2c"]. */
  availabilityZones: string[];
  /** Explicit appliance subnet CIDRs, one per AZ in order. Default: the layout grid (10.21.11.0/24, 10.21.12.0/24, ...). */
  applianceSubnetCidrs?: string[];
  /**
   * "none" (default): no internet gateway; the fleet reaches SSM, CloudWatch Logs and S3 through VPC
   * endpoints. "igw": an internet gateway and public addresses for the appliances, like the seed.
   */
  internetAccess?: InternetAccess;
  /** VPC flow logs to CloudWatch Logs. Default off. */
  flowLogs?: InspectionVpcFlowLogsArgs;
  tags?: Tags;
}

/** What the appliance fleet needs to know about the network it runs in; an InspectionVpc is one. */
export interface InspectionNetwork {
  readonly vpcId: pulumi.Output<string>;
  readonly cidrBlock: string;
  readonly availabilityZones: readonly string[];
  /** AZ -> subnet id of the GWLB and appliance subnet. */
  readonly subnetIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** AZ -> CIDR of that subnet (plain, for security group rules). */
  readonly subnetCidrs: Readonly<Record<string, string>>;
  readonly internetAccess: InternetAccess;
  /** Addresses the network's own interface endpoints take in each subnet: one per endpoint, 0 without. */
  readonly endpointAddressesPerSubnet: number;
  /**
   * In a private network (internetAccess "none"), where the appliances' HTTPS may go: the interface
   * endpoints' security group and the S3 gateway endpoint's prefix list.
   */
  readonly serviceEndpoints?: ServiceEndpoints;
}

/** The AWS service endpoints of a private appliance network. */
export interface ServiceEndpoints {
  readonly securityGroupId: pulumi.Output<string>;
  readonly s3PrefixListId: pulumi.Output<string>;
}

export interface ValidatedFlowLogs {
  readonly retentionInDays: number;
  readonly trafficType: FlowLogTrafficType;
}

export interface ValidatedInspectionVpcArgs {
  readonly cidrBlock: string;
  readonly availabilityZones: string[];
  /** AZ -> appliance subnet CIDR. */
  readonly subnetCidrs: Record<string, string>;
  readonly internetAccess: InternetAccess;
  /** Addresses its interface endpoints take in each subnet. */
  readonly endpointAddressesPerSubnet: number;
  readonly flowLogs?: ValidatedFlowLogs;
}
