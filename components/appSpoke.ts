import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AttachedSpoke, CentralEgress } from "./centralEgress";
import { Ipv4Cidr, ipv4CidrsOverlap, formatIpv4Cidr, formatIpv4, hostAddress, parseIpv4Cidr, tryParseIpv4Cidr } from "../common/cidr";
import { isAwsReservedHost } from "./lib/awsLimits";
import { SubnetPlan, azSuffix, checkAvailabilityZones, checkAzSubset, checkVpcCidr, planSubnets } from "./lib/layout";
import { ANYWHERE, planHubRoutesToSpoke } from "./lib/routes";
import { Tags, tagsFor } from "./lib/tags";
import { Problems, describe } from "./lib/validation";
import { webServerUserData } from "./webServerUserData";
import { createSsmInstanceRole } from "./lib/iam";
import { ARCHITECTURES, IMDSV2_REQUIRED, amazonLinuxImageId, encryptedRootVolume } from "./lib/instances";

export const APP_SPOKE_TYPE = "gwlb:network:AppSpoke";

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
  /** Default "t3.micro" (the seed's web servers are micro instances). */
  instanceType?: string;
  /** Default "x86_64"; must match the instance type. */
  architecture?: "x86_64" | "arm64";
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

export interface AppSpokeArgs {
  /** The hub this spoke attaches to. */
  hub: CentralEgress;
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

type SpokeSubnetRole = "private" | "tgw";

interface ValidatedWorkload {
  instanceType: string;
  architecture: "x86_64" | "arm64";
  instancesPerAz: number;
  port: number;
  /** AZ -> fixed NLB address */
  nlbAddresses: Record<string, string>;
}

export interface ValidatedAppSpokeArgs {
  cidrBlock: string;
  availabilityZones: string[];
  subnets?: SubnetPlan<SpokeSubnetRole>;
  existingVpc?: ExistingSpokeVpc;
  workload?: ValidatedWorkload;
  publicIngress?: { allowedCidrs: string[] };
}

/** What a spoke's validation needs to know about its hub: plain values, so a stack can check before building. */
export interface HubFacts {
  /** The hub VPC's CIDR; undefined when the caller checks VPC overlaps itself (as a whole stack does). */
  readonly cidrBlock: string | undefined;
  readonly availabilityZones: readonly string[];
  readonly egressInspectionOrder: string;
  readonly attachedSpokes: readonly AttachedSpoke[];
}

/** Checks a spoke's arguments (all but `hub` itself) against its hub and the spokes already attached to it. */
export function validateAppSpokeArgs(name: string, args: Omit<AppSpokeArgs, "hub">, hub: HubFacts | undefined, problems: Problems): ValidatedAppSpokeArgs | undefined {
  const azs = checkAvailabilityZones(problems, "availabilityZones", args?.availabilityZones);
  if (azs && hub) checkAzSubset(problems, "availabilityZones", azs, hub.availabilityZones, "the hub");

  let cidr: Ipv4Cidr | undefined;
  let subnets: SubnetPlan<SpokeSubnetRole> | undefined;
  const existing = args?.existingVpc;
  if ((args?.cidrBlock === undefined) === (existing === undefined)) {
    problems.add("cidrBlock", "give exactly one of cidrBlock (create a VPC) or existingVpc (adopt one)");
  } else if (existing) {
    cidr = checkVpcCidr(problems, "existingVpc.cidrBlock", existing.cidrBlock);
    if (azs && (!Array.isArray(existing.attachmentSubnetIds) || existing.attachmentSubnetIds.length !== azs.length)) {
      problems.add("existingVpc.attachmentSubnetIds", `must list one subnet per availability zone (${azs.length}), got ${describe(existing.attachmentSubnetIds)}`);
    }
    if (!Array.isArray(existing.routeTableIds) || existing.routeTableIds.length === 0) {
      problems.add("existingVpc.routeTableIds", `must list the route tables that get the default route to the transit gateway, got ${describe(existing.routeTableIds)}`);
    }
  } else {
    cidr = checkVpcCidr(problems, "cidrBlock", args.cidrBlock);
    if (cidr && azs) {
      subnets = planSubnets(problems, cidr, azs, [
        { role: "private", path: "subnetCidrs.private", explicit: args.subnetCidrs?.private },
        { role: "tgw", path: "subnetCidrs.tgw", explicit: args.subnetCidrs?.tgw },
      ]);
    }
  }

  if (cidr && hub) {
    const path = existing ? "existingVpc.cidrBlock" : "cidrBlock";
    const others = [
      ...(hub.cidrBlock !== undefined ? [{ label: `the hub's VPC`, cidrBlock: hub.cidrBlock }] : []),
      ...hub.attachedSpokes.map((s) => ({ label: `spoke "${s.name}"`, cidrBlock: s.cidrBlock })),
    ];
    for (const other of others) {
      const otherCidr = tryParseIpv4Cidr(other.cidrBlock);
      if (typeof otherCidr !== "string" && ipv4CidrsOverlap(cidr, otherCidr)) {
        problems.add(path, `${formatIpv4Cidr(cidr)} overlaps ${other.label} (${other.cidrBlock}); transit gateway routes need distinct CIDRs`);
      }
    }
  }
  if (hub && hub.attachedSpokes.some((s) => s.name === name)) {
    problems.add("name", `a spoke named "${name}" is already attached to this hub`);
  }

  if (args?.workload && !/^[a-zA-Z0-9][a-zA-Z0-9-]{0,15}$/.test(name)) {
    // "-web-nlb" and Pulumi's 8-character suffix must fit AWS's 32-character load balancer names.
    problems.add("name", `a spoke with a workload needs a name of at most 16 letters, digits or hyphens (its load balancer names derive from it), got "${name}"`);
  }
  const workload = args?.workload ? validateWorkload(problems, args.workload === true ? {} : args.workload, subnets, existing !== undefined) : undefined;

  let publicIngress: ValidatedAppSpokeArgs["publicIngress"];
  if (args?.publicIngress) {
    const allowed = (args.publicIngress === true ? undefined : args.publicIngress.allowedCidrs) ?? [ANYWHERE];
    if (!Array.isArray(allowed) || allowed.length === 0) problems.add("publicIngress.allowedCidrs", `must list at least one client CIDR, got ${describe(allowed)}`);
    else allowed.forEach((c, i) => problems.cidr(`publicIngress.allowedCidrs[${i}]`, c));
    if (!args.workload) problems.add("publicIngress", "needs workload: the ALB forwards to the workload's NLB");
    if (hub) {
      if (hub.egressInspectionOrder === "inspect-first") {
        problems.add("publicIngress", 'cannot be inspected through a hub with egressInspectionOrder "inspect-first": its endpoint subnets send 0.0.0.0/0 to the NAT gateways, so the ALB\'s replies would leave through NAT, not the endpoint that saw the request; use "nat-first" or put the ALB in its own ingress VPC');
      }
      if (hub.availabilityZones.length === 1) problems.add("publicIngress", `an Application Load Balancer needs subnets in at least two AZs; the hub has ${hub.availabilityZones.length}`);
    }
    // Only returned when every problem check above passed, so each entry is a valid CIDR string.
    publicIngress = { allowedCidrs: allowed as string[] };
  }

  if (!azs || !cidr || !problems.isEmpty) return undefined;
  return { cidrBlock: formatIpv4Cidr(cidr), availabilityZones: azs, subnets, existingVpc: existing, workload, publicIngress };
}

function validateWorkload(problems: Problems, w: SpokeWorkloadArgs, subnets: SubnetPlan<SpokeSubnetRole> | undefined, adopted: boolean): ValidatedWorkload | undefined {
  if (adopted) {
    problems.add("workload", "is only available when the spoke creates its VPC (its NLB needs fixed addresses in planned subnets)");
    return undefined;
  }
  const instanceType = w.instanceType ?? "t3.micro";
  if (typeof instanceType !== "string" || !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) problems.add("workload.instanceType", `must be an EC2 instance type such as "t3.micro", got ${describe(instanceType)}`);
  const architecture = problems.oneOf("workload.architecture", w.architecture ?? "x86_64", ARCHITECTURES);
  const instancesPerAz = problems.integer("workload.instancesPerAz", w.instancesPerAz ?? 1, 1, 10);
  const port = problems.integer("workload.port", w.port ?? 80, 1, 65535);
  const hostIndex = problems.integer("workload.nlbHostIndex", w.nlbHostIndex ?? 10, 0, 65535);
  const nlbAddresses: Record<string, string> = {};
  if (subnets && hostIndex !== undefined) {
    for (const [az, text] of Object.entries(subnets.private)) {
      const subnet = parseIpv4Cidr(text);
      const address = hostAddress(subnet, hostIndex);
      if (address === undefined || isAwsReservedHost(subnet, hostIndex)) {
        problems.add("workload.nlbHostIndex", `${hostIndex} is not a usable host of the ${az} private subnet ${text} (AWS reserves the first four and the last address)`);
        break;
      }
      nlbAddresses[az] = formatIpv4(address);
    }
  }
  if (!architecture || instancesPerAz === undefined || port === undefined || hostIndex === undefined) return undefined;
  return { instanceType, architecture, instancesPerAz, port, nlbAddresses };
}

/**
 * A workload VPC (seed: app01-vpc) attached to the hub's transit gateway: per-AZ private and TGW
 * subnets, 0.0.0.0/0 -> TGW, the hub's routes back to it, and optionally the seed's web tier behind
 * an internal NLB and a public ALB in the hub that reaches it.
 */
export class AppSpoke extends pulumi.ComponentResource {
  /** The spoke's name (plain), as its children and the hub know it. */
  public readonly spokeName: string;
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidrBlock: string;
  public readonly availabilityZones: readonly string[];
  public readonly attachment: aws.ec2transitgateway.VpcAttachment;
  /** AZ -> fixed private address of the workload NLB (plain; empty without workload). */
  public readonly nlbAddresses: Readonly<Record<string, string>>;
  public readonly nlb?: aws.lb.LoadBalancer;
  public readonly webAutoScalingGroup?: aws.autoscaling.Group;
  public readonly alb?: aws.lb.LoadBalancer;
  /** The public ALB's DNS name, when publicIngress is on. */
  public readonly albDnsName?: pulumi.Output<string>;

  constructor(name: string, args: AppSpokeArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new Problems();
    const hubOk = args?.hub instanceof CentralEgress;
    if (!hubOk) problems.add("hub", `must be a CentralEgress, got ${describe(args?.hub)}`);
    const valid = validateAppSpokeArgs(name, args, hubOk ? args.hub : undefined, problems);
    problems.throwIfAny(`AppSpoke "${name}"`);
    const v = valid!;
    super(APP_SPOKE_TYPE, name, args, opts);
    const hub = args.hub;
    hub.noteSpoke({ name, cidrBlock: v.cidrBlock });
    const parent = { parent: this };
    const tags = (n: string) => tagsFor(n, args.tags);

    this.spokeName = name;
    this.cidrBlock = v.cidrBlock;
    this.availabilityZones = v.availabilityZones;
    this.nlbAddresses = v.workload?.nlbAddresses ?? {};

    let attachmentSubnetIds: pulumi.Input<string>[];
    let routeTableIds: pulumi.Input<string>[];
    let privateSubnetIds: pulumi.Output<string>[] = [];
    if (v.existingVpc) {
      this.vpcId = pulumi.output(v.existingVpc.vpcId);
      attachmentSubnetIds = v.existingVpc.attachmentSubnetIds;
      routeTableIds = v.existingVpc.routeTableIds;
    } else {
      const plan = v.subnets!;
      const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: v.cidrBlock, enableDnsSupport: true, enableDnsHostnames: true, tags: tags(`${name}-vpc`) }, parent);
      this.vpcId = vpc.id;
      const routeTable = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: vpc.id, tags: tags(`${name}-private-rt`) }, parent);
      const subnetIds: Record<SpokeSubnetRole, pulumi.Output<string>[]> = { private: [], tgw: [] };
      for (const role of ["private", "tgw"] as const) {
        for (const az of v.availabilityZones) {
          const s = azSuffix(az);
          const subnet = new aws.ec2.Subnet(`${name}-${role}-${s}`, {
            vpcId: vpc.id,
            availabilityZone: az,
            cidrBlock: plan[role][az],
            mapPublicIpOnLaunch: false,
            tags: tags(`${name}-${role}-${s}`),
          }, parent);
          new aws.ec2.RouteTableAssociation(`${name}-${role}-rta-${s}`, { subnetId: subnet.id, routeTableId: routeTable.id }, parent);
          subnetIds[role].push(subnet.id);
        }
      }
      attachmentSubnetIds = subnetIds.tgw;
      routeTableIds = [routeTable.id];
      privateSubnetIds = subnetIds.private;
    }

    this.attachment = new aws.ec2transitgateway.VpcAttachment(`${name}-tgw-attachment`, {
      transitGatewayId: hub.transitGateway.id,
      vpcId: this.vpcId,
      subnetIds: attachmentSubnetIds,
      applianceModeSupport: "disable",
      transitGatewayDefaultRouteTableAssociation: false,
      transitGatewayDefaultRouteTablePropagation: false,
      tags: tags(`${name}-tgw-attachment`),
    }, parent);
    new aws.ec2transitgateway.RouteTableAssociation(`${name}-tgw-rt-association`, {
      transitGatewayAttachmentId: this.attachment.id,
      transitGatewayRouteTableId: hub.spokeTgwRouteTable.id,
    }, parent);
    new aws.ec2transitgateway.Route(`${name}-hub-tgw-return`, {
      transitGatewayRouteTableId: hub.hubTgwRouteTable.id,
      destinationCidrBlock: v.cidrBlock,
      transitGatewayAttachmentId: this.attachment.id,
    }, parent);
    if (hub.eastWest === "block") {
      // Without it, spoke-to-spoke traffic would follow the spoke table's default route into the hub and out through NAT, uninspected.
      new aws.ec2transitgateway.Route(`${name}-east-west-blackhole`, {
        transitGatewayRouteTableId: hub.spokeTgwRouteTable.id,
        destinationCidrBlock: v.cidrBlock,
        blackhole: true,
      }, parent);
    }
    routeTableIds.forEach((routeTableId, i) => {
      const routeName = v.existingVpc ? `${name}-default-route-${i}` : `${name}-default-route`;
      new aws.ec2.Route(routeName, { routeTableId, destinationCidrBlock: ANYWHERE, transitGatewayId: hub.transitGateway.id }, { parent: this, dependsOn: [this.attachment] });
    });
    for (const route of planHubRoutesToSpoke(hub.egressInspectionOrder, hub.eastWest, hub.availabilityZones, v.cidrBlock)) {
      hub.createRoute(route, `${name}-hub-${route.table}-${azSuffix(route.az)}`, this);
    }

    if (v.workload) {
      const web = this.createWorkload(name, hub, v, v.workload, privateSubnetIds, args.tags);
      this.nlb = web.nlb;
      this.webAutoScalingGroup = web.asg;
      if (v.publicIngress) {
        this.alb = this.createPublicIngress(name, hub, v.workload, v.publicIngress.allowedCidrs, args.tags);
        this.albDnsName = this.alb.dnsName;
      }
    }

    this.registerOutputs({ vpcId: this.vpcId, attachmentId: this.attachment.id, albDnsName: this.albDnsName });
  }

  private createWorkload(name: string, hub: CentralEgress, v: ValidatedAppSpokeArgs, w: ValidatedWorkload, privateSubnetIds: pulumi.Output<string>[], userTags: Tags | undefined) {
    const parent = { parent: this };
    const tags = (n: string) => tagsFor(n, userTags);
    const sg = new aws.ec2.SecurityGroup(`${name}-web-sg`, { vpcId: this.vpcId, description: "Web servers behind the internal NLB", tags: tags(`${name}-web-sg`) }, parent);
    const webSources = [v.cidrBlock, ...(v.publicIngress ? Object.values(hub.subnetCidrs.public) : [])];
    webSources.forEach((cidr, i) => {
      new aws.vpc.SecurityGroupIngressRule(`${name}-web-http-in-${i}`, {
        securityGroupId: sg.id, ipProtocol: "tcp", fromPort: w.port, toPort: w.port, cidrIpv4: cidr,
        description: i === 0 ? "HTTP from the spoke (NLB health checks and clients)" : "HTTP from the hub's public ALB subnets",
      }, parent);
    });
    for (const port of [80, 443]) {
      new aws.vpc.SecurityGroupEgressRule(`${name}-web-out-${port}`, {
        securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: ANYWHERE,
        description: "Package downloads through the hub's inspected egress",
      }, parent);
    }

    const { profile } = createSsmInstanceRole({ role: `${name}-web-role`, attachment: `${name}-web-ssm`, profile: `${name}-web-profile` }, this, userTags);

    const template = new aws.ec2.LaunchTemplate(`${name}-web-lt`, {
      imageId: amazonLinuxImageId(w.architecture),
      instanceType: w.instanceType,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: [sg.id],
      metadataOptions: IMDSV2_REQUIRED,
      blockDeviceMappings: [encryptedRootVolume(8)],
      userData: Buffer.from(webServerUserData(w.port)).toString("base64"),
      tagSpecifications: [
        { resourceType: "instance", tags: tags(`${name}-web`) },
        { resourceType: "volume", tags: tags(`${name}-web`) },
      ],
      tags: tags(`${name}-web-lt`),
    }, parent);

    const nlb = new aws.lb.LoadBalancer(`${name}-web-nlb`, {
      loadBalancerType: "network",
      internal: true,
      enableCrossZoneLoadBalancing: true,
      subnetMappings: v.availabilityZones.map((az, i) => ({ subnetId: privateSubnetIds[i], privateIpv4Address: w.nlbAddresses[az] })),
      tags: tags(`${name}-web-nlb`),
    }, parent);
    const tg = new aws.lb.TargetGroup(`${name}-web-tg`, {
      vpcId: this.vpcId,
      protocol: "TCP",
      port: w.port,
      targetType: "instance",
      healthCheck: { protocol: "HTTP", port: String(w.port), path: "/", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
      tags: tags(`${name}-web-tg`),
    }, parent);
    new aws.lb.Listener(`${name}-web-listener`, {
      loadBalancerArn: nlb.arn, protocol: "TCP", port: w.port,
      defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
      tags: tags(`${name}-web-listener`),
    }, parent);
    const size = v.availabilityZones.length * w.instancesPerAz;
    const asg = new aws.autoscaling.Group(`${name}-web-asg`, {
      vpcZoneIdentifiers: privateSubnetIds,
      minSize: size,
      maxSize: size,
      desiredCapacity: size,
      launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
      targetGroupArns: [tg.arn],
      healthCheckType: "ELB",
      healthCheckGracePeriod: 300,
      tags: [{ key: "Name", value: `${name}-web`, propagateAtLaunch: true }],
    }, parent);
    return { nlb, asg };
  }

  private createPublicIngress(name: string, hub: CentralEgress, w: ValidatedWorkload, allowedCidrs: string[], userTags: Tags | undefined): aws.lb.LoadBalancer {
    const parent = { parent: this };
    const tags = (n: string) => tagsFor(n, userTags);
    const sg = new aws.ec2.SecurityGroup(`${name}-alb-sg`, { vpcId: hub.vpcId, description: `Public ALB of spoke ${name}`, tags: tags(`${name}-alb-sg`) }, parent);
    allowedCidrs.forEach((cidr, i) => {
      new aws.vpc.SecurityGroupIngressRule(`${name}-alb-http-in-${i}`, { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: w.port, toPort: w.port, cidrIpv4: cidr, description: "HTTP from clients" }, parent);
    });
    for (const [az, address] of Object.entries(w.nlbAddresses)) {
      new aws.vpc.SecurityGroupEgressRule(`${name}-alb-to-nlb-${azSuffix(az)}`, {
        securityGroupId: sg.id, ipProtocol: "tcp", fromPort: w.port, toPort: w.port, cidrIpv4: `${address}/32`, description: "HTTP to the spoke's NLB across the TGW",
      }, parent);
    }
    const alb = new aws.lb.LoadBalancer(`${name}-alb`, {
      loadBalancerType: "application",
      internal: false,
      subnets: hub.availabilityZones.map((az) => hub.publicSubnetIds[az]),
      securityGroups: [sg.id],
      dropInvalidHeaderFields: true,
      tags: tags(`${name}-alb`),
    }, parent);
    const tg = new aws.lb.TargetGroup(`${name}-alb-tg`, {
      vpcId: hub.vpcId,
      protocol: "HTTP",
      port: w.port,
      targetType: "ip",
      healthCheck: { protocol: "HTTP", port: "traffic-port", path: "/", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
      tags: tags(`${name}-alb-tg`),
    }, parent);
    for (const [az, address] of Object.entries(w.nlbAddresses)) {
      // The NLB lives outside the ALB's VPC (across the TGW): such ip targets need availability zone "all".
      new aws.lb.TargetGroupAttachment(`${name}-alb-target-${azSuffix(az)}`, { targetGroupArn: tg.arn, targetId: address, port: w.port, availabilityZone: "all" }, parent);
    }
    new aws.lb.Listener(`${name}-alb-listener`, {
      loadBalancerArn: alb.arn, protocol: "HTTP", port: w.port,
      defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
      tags: tags(`${name}-alb-listener`),
    }, parent);
    return alb;
  }
}
