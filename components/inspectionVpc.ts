import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { formatIpv4Cidr } from "../common/cidr";
import { azSuffix, checkAvailabilityZones, checkVpcCidr, planSubnets } from "./lib/layout";
import { Tags, tagsFor } from "./lib/tags";
import { Problems } from "./lib/validation";
import { assumeRolePolicyFor } from "./lib/iam";

export const INSPECTION_VPC_TYPE = "gwlb:network:InspectionVpc";

/** AWS services the appliances reach through interface endpoints when the VPC has no internet path. */
export const APPLIANCE_INTERFACE_ENDPOINT_SERVICES = ["ssm", "ssmmessages", "ec2messages", "logs"] as const;

export const INTERNET_ACCESS_MODES = ["none", "igw"] as const;
export type InternetAccess = (typeof INTERNET_ACCESS_MODES)[number];

export interface InspectionVpcFlowLogsArgs {
  /** CloudWatch Logs retention. Default 30 days. */
  retentionInDays?: number;
  /** Which traffic to log. Default "ALL". */
  trafficType?: "ACCEPT" | "REJECT" | "ALL";
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
}

interface ValidatedArgs {
  cidrBlock: string;
  availabilityZones: string[];
  subnetCidrs: Record<string, string>;
  internetAccess: InternetAccess;
  flowLogs?: { retentionInDays: number; trafficType: "ACCEPT" | "REJECT" | "ALL" };
}

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export function validateInspectionVpcArgs(args: InspectionVpcArgs, problems: Problems): ValidatedArgs | undefined {
  const vpc = checkVpcCidr(problems, "cidrBlock", args?.cidrBlock);
  const azs = checkAvailabilityZones(problems, "availabilityZones", args?.availabilityZones);
  const internetAccess = problems.oneOf("internetAccess", args?.internetAccess ?? "none", INTERNET_ACCESS_MODES);
  let flowLogs: ValidatedArgs["flowLogs"];
  if (args?.flowLogs !== undefined) {
    const retention = args.flowLogs.retentionInDays ?? 30;
    if (!LOG_RETENTION_DAYS.includes(retention)) {
      problems.add("flowLogs.retentionInDays", `must be one of CloudWatch Logs' periods (${LOG_RETENTION_DAYS.join(", ")}), got ${retention}`);
    }
    const trafficType = problems.oneOf("flowLogs.trafficType", args.flowLogs.trafficType ?? "ALL", ["ACCEPT", "REJECT", "ALL"] as const);
    if (trafficType) flowLogs = { retentionInDays: retention, trafficType };
  }
  const plan = vpc && azs ? planSubnets(problems, vpc, azs, [{ role: "appliance", path: "applianceSubnetCidrs", explicit: args.applianceSubnetCidrs }]) : undefined;
  if (!vpc || !azs || !internetAccess || !plan || !problems.isEmpty) return undefined;
  return { cidrBlock: formatIpv4Cidr(vpc), availabilityZones: azs, subnetCidrs: plan.appliance, internetAccess, flowLogs };
}

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

  constructor(name: string, args: InspectionVpcArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new Problems();
    const valid = validateInspectionVpcArgs(args, problems);
    problems.throwIfAny(`InspectionVpc "${name}"`);
    const v = valid!;
    super(INSPECTION_VPC_TYPE, name, args, opts);
    const parent = { parent: this };

    this.cidrBlock = v.cidrBlock;
    this.availabilityZones = v.availabilityZones;
    this.subnetCidrs = v.subnetCidrs;
    this.internetAccess = v.internetAccess;

    this.vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: v.cidrBlock,
      enableDnsSupport: true,
      enableDnsHostnames: true, // interface endpoints with private DNS need both
      tags: tagsFor(`${name}-vpc`, args.tags),
    }, parent);
    this.vpcId = this.vpc.id;

    this.routeTable = new aws.ec2.RouteTable(`${name}-rt`, { vpcId: this.vpc.id, tags: tagsFor(`${name}-rt`, args.tags) }, parent);

    const subnets: Record<string, aws.ec2.Subnet> = {};
    for (const az of v.availabilityZones) {
      const subnetName = `${name}-appliance-${azSuffix(az)}`;
      subnets[az] = new aws.ec2.Subnet(subnetName, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: v.subnetCidrs[az],
        mapPublicIpOnLaunch: false,
        tags: tagsFor(subnetName, args.tags),
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-rt-${azSuffix(az)}`, { subnetId: subnets[az].id, routeTableId: this.routeTable.id }, parent);
    }
    this.subnetIds = Object.fromEntries(Object.entries(subnets).map(([az, s]) => [az, s.id]));

    const endpoints: Record<string, aws.ec2.VpcEndpoint> = {};
    if (v.internetAccess === "igw") {
      const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: tagsFor(`${name}-igw`, args.tags) }, parent);
      new aws.ec2.Route(`${name}-default-route`, { routeTableId: this.routeTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);
    } else {
      const region = aws.getRegionOutput({}, parent).region;
      const endpointSg = new aws.ec2.SecurityGroup(`${name}-endpoints-sg`, {
        vpcId: this.vpc.id,
        description: "HTTPS from the appliance VPC to its AWS service endpoints",
        tags: tagsFor(`${name}-endpoints-sg`, args.tags),
      }, parent);
      new aws.vpc.SecurityGroupIngressRule(`${name}-endpoints-https-in`, {
        securityGroupId: endpointSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: v.cidrBlock,
        description: "HTTPS from the appliance VPC",
      }, parent);
      for (const service of APPLIANCE_INTERFACE_ENDPOINT_SERVICES) {
        endpoints[service] = new aws.ec2.VpcEndpoint(`${name}-${service}-endpoint`, {
          vpcId: this.vpc.id,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: v.availabilityZones.map((az) => subnets[az].id),
          securityGroupIds: [endpointSg.id],
          tags: tagsFor(`${name}-${service}-endpoint`, args.tags),
        }, parent);
      }
      new aws.ec2.VpcEndpoint(`${name}-s3-endpoint`, {
        vpcId: this.vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [this.routeTable.id],
        tags: tagsFor(`${name}-s3-endpoint`, args.tags),
      }, parent);
    }
    this.interfaceEndpoints = endpoints;

    if (v.flowLogs) this.createFlowLogs(name, v.flowLogs, args.tags);

    this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
  }

  private createFlowLogs(name: string, flowLogs: NonNullable<ValidatedArgs["flowLogs"]>, tags: Tags | undefined): void {
    const parent = { parent: this };
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, { retentionInDays: flowLogs.retentionInDays, tags: tagsFor(`${name}-flow-logs`, tags) }, parent);
    const role = new aws.iam.Role(`${name}-flow-logs-role`, {
      assumeRolePolicy: assumeRolePolicyFor("vpc-flow-logs.amazonaws.com"),
      tags: tagsFor(`${name}-flow-logs-role`, tags),
    }, parent);
    new aws.iam.RolePolicy(`${name}-flow-logs-policy`, {
      role: role.id,
      policy: logGroup.arn.apply((arn) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [arn, `${arn}:*`],
        }],
      })),
    }, parent);
    new aws.ec2.FlowLog(`${name}-flow-log`, {
      vpcId: this.vpc.id,
      trafficType: flowLogs.trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags: tagsFor(`${name}-flow-log`, tags),
    }, parent);
  }
}
