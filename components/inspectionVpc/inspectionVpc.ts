import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InspectionNetwork, InspectionVpcArgs, InternetAccess, ServiceEndpoints } from "../args/inspectionVpc";
import { validateInspectionVpcArgs } from "../rules/inspectionVpc";
import { Problems } from "../rules/problems";
import { createFlowLogs } from "./flowLogs";
import { createApplianceNetwork } from "./network";
import { createInternetAccess, createServiceEndpoints } from "./serviceAccess";

export const INSPECTION_VPC_TYPE = "gwlb:network:InspectionVpc";

/**
 * The appliance VPC: one subnet per AZ where the gateway load balancer and its appliances live.
 *
 * Private by default (no internet gateway; interface endpoints for ssm, ssmmessages, ec2messages and
 * logs, and an S3 gateway endpoint), so the fleet is managed without any path to the internet.
 */
export class InspectionVpc extends pulumi.ComponentResource implements InspectionNetwork {
  public readonly vpc: aws.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidrBlock: string;
  public readonly availabilityZones: readonly string[];
  public readonly subnetIds: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly subnetCidrs: Readonly<Record<string, string>>;
  public readonly internetAccess: InternetAccess;
  public readonly routeTable: aws.ec2.RouteTable;
  /** Interface endpoints by service short name (empty with internetAccess "igw"). */
  public readonly interfaceEndpoints: Readonly<Record<string, aws.ec2.VpcEndpoint>>;
  public readonly endpointAddressesPerSubnet: number;
  /** The endpoints' security group and the S3 prefix list (internetAccess "none" only). */
  public readonly serviceEndpoints?: ServiceEndpoints;

  constructor(name: string, args: InspectionVpcArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new Problems();
    const valid = validateInspectionVpcArgs(args, problems);
    problems.throwIfAny(`InspectionVpc "${name}"`);
    const v = valid!;
    super(INSPECTION_VPC_TYPE, name, args, opts);

    this.cidrBlock = v.cidrBlock;
    this.availabilityZones = v.availabilityZones;
    this.subnetCidrs = v.subnetCidrs;
    this.internetAccess = v.internetAccess;
    this.endpointAddressesPerSubnet = v.endpointAddressesPerSubnet;

    const network = createApplianceNetwork(name, v, this, args.tags);
    this.vpc = network.vpc;
    this.vpcId = network.vpc.id;
    this.routeTable = network.routeTable;
    this.subnetIds = Object.fromEntries(Object.entries(network.subnets).map(([az, s]) => [az, s.id]));

    if (v.internetAccess === "igw") {
      createInternetAccess(name, network, this, args.tags);
      this.interfaceEndpoints = {};
    } else {
      const endpoints = createServiceEndpoints(name, v, network, this, args.tags);
      this.interfaceEndpoints = endpoints.interfaceEndpoints;
      this.serviceEndpoints = { securityGroupId: endpoints.securityGroupId, s3PrefixListId: endpoints.s3PrefixListId };
    }
    if (v.flowLogs) createFlowLogs(name, network.vpc, v.flowLogs, this, args.tags);

    this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
  }
}
