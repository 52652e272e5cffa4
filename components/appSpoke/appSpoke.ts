import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AppSpokeBaseArgs } from "../args/appSpoke";
import { CentralEgress } from "../centralEgress/centralEgress";
import { validateAppSpokeArgs } from "../rules/appSpoke";
import { Problems, describeValue } from "../rules/problems";
import { ANYWHERE } from "../rules/routeRecipes";
import { createPublicIngress } from "./publicIngress";
import { SpokeNetwork, createSpokeVpc } from "./spokeVpc";
import { createWebTier } from "./webTier";

export const APP_SPOKE_TYPE = "gwlb:network:AppSpoke";

export interface AppSpokeArgs extends AppSpokeBaseArgs {
  /** The hub this spoke attaches to. */
  hub: CentralEgress;
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
    if (!hubOk) problems.add("hub", `must be a CentralEgress, got ${describeValue(args?.hub)}`);
    const valid = validateAppSpokeArgs(name, args, hubOk ? args.hub : undefined, problems);
    problems.throwIfAny(`AppSpoke "${name}"`);
    const v = valid!;
    super(APP_SPOKE_TYPE, name, args, opts);
    const hub = args.hub;

    this.spokeName = name;
    this.cidrBlock = v.cidrBlock;
    this.availabilityZones = v.availabilityZones;
    this.nlbAddresses = v.workload?.nlbAddresses ?? {};

    const network: SpokeNetwork = v.existingVpc
      ? { vpcId: pulumi.output(v.existingVpc.vpcId), attachmentSubnetIds: v.existingVpc.attachmentSubnetIds, routeTableIds: v.existingVpc.routeTableIds, privateSubnetIds: [] }
      : createSpokeVpc(name, v, v.subnets!, this, args.tags);
    this.vpcId = network.vpcId;

    this.attachment = hub.attachSpoke(this, { name, cidrBlock: v.cidrBlock, vpcId: network.vpcId, subnetIds: network.attachmentSubnetIds, tags: args.tags });
    network.routeTableIds.forEach((routeTableId, i) => {
      const routeName = v.existingVpc ? `${name}-default-route-${i}` : `${name}-default-route`;
      new aws.ec2.Route(routeName, { routeTableId, destinationCidrBlock: ANYWHERE, transitGatewayId: hub.transitGateway.id }, { parent: this, dependsOn: [this.attachment] });
    });

    if (v.workload) {
      const albSources = v.publicIngress ? Object.values(hub.subnetCidrs.public) : [];
      const web = createWebTier(name, v, v.workload, network, albSources, this, args.tags);
      this.nlb = web.nlb;
      this.webAutoScalingGroup = web.asg;
      if (v.publicIngress) {
        const placement = { vpcId: hub.vpcId, publicSubnetIds: hub.availabilityZones.map((az) => hub.publicSubnetIds[az]) };
        this.alb = createPublicIngress(name, v.workload, v.publicIngress.allowedCidrs, placement, this, args.tags);
        this.albDnsName = this.alb.dnsName;
      }
    }

    this.registerOutputs({ vpcId: this.vpcId, attachmentId: this.attachment.id, albDnsName: this.albDnsName });
  }
}
