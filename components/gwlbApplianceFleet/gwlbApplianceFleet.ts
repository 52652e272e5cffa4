import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_TAG_KEY } from "../../common/contract";
import { GwlbApplianceFleetArgs, GwlbHealthCheck, GwlbInspectionService, ImageChoice, Stickiness, TargetFailover } from "../args/gwlbApplianceFleet";
import { checkNetworkOutputs, validateGwlbApplianceFleetArgs } from "../rules/gwlbApplianceFleet";
import { Problems } from "../rules/problems";
import { AgentDelivery, createAgentDelivery } from "./agentDelivery";
import { readAgentBundle } from "./agentBundle";
import { createApplianceRole } from "./applianceRole";
import { createApplianceGroup } from "./appliances";
import { createAlarms } from "./observability";
import { createCpuScaling } from "./scaling";
import { createEndpointService } from "./endpointService";
import { createGatewayLoadBalancer } from "./loadBalancer";
import { createApplianceSecurityGroup } from "./securityGroup";

export const GWLB_APPLIANCE_FLEET_TYPE = "gwlb:inspection:GwlbApplianceFleet";

/**
 * A Gateway Load Balancer with its GENEVE target group, listener and VPC endpoint service, and the
 * auto scaling fleet of appliances behind it, in an inspection network (an `InspectionVpc`).
 *
 * The appliances boot one Amazon Linux 2023 image with IMDSv2 only, an encrypted root volume and no
 * key pair; the agent reaches them through SSM (`agent`): its bundle from the fleet's bucket, its
 * policy from an encrypted parameter, installed by a State Manager association on every instance
 * with the fleet's tag. The instance role grants exactly what that needs.
 */
export class GwlbApplianceFleet extends pulumi.ComponentResource implements GwlbInspectionService {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly targetGroup: aws.lb.TargetGroup;
  public readonly listener: aws.lb.Listener;
  public readonly endpointService: aws.ec2.VpcEndpointService;
  public readonly endpointServiceName: pulumi.Output<string>;
  public readonly endpointServiceId: pulumi.Output<string>;
  /** Whether each endpoint connection must be accepted (a hub of this stack accepts its own). */
  public readonly acceptanceRequired: boolean;
  public readonly allowedPrincipals: readonly aws.ec2.VpcEndpointServiceAllowedPrinciple[];
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly instanceRole: aws.iam.Role;
  public readonly instanceProfile: aws.iam.InstanceProfile;
  public readonly launchTemplate: aws.ec2.LaunchTemplate;
  public readonly autoScalingGroup: aws.autoscaling.Group;
  /** The image the appliances boot (an AMI id, or a `resolve:ssm:` reference), and how it was chosen. */
  public readonly image: { readonly choice: ImageChoice; readonly imageId: pulumi.Output<string> };
  /** The tag every appliance carries from launch; target SSM associations with it. */
  public readonly fleetTag: { readonly key: string; readonly value: string };
  public readonly healthCheck: GwlbHealthCheck;
  public readonly stickiness: Stickiness;
  public readonly targetFailover: TargetFailover;
  public readonly availabilityZones: readonly string[];

  /** How the agent reaches the appliances: the bundle, its policy, the SSM document and association, the logs. */
  public readonly agent: AgentDelivery;
  /** Target tracking on CPU, unless the fleet is fixed. */
  public readonly scalingPolicy?: aws.autoscaling.Policy;
  public readonly alarms: readonly aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: GwlbApplianceFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new Problems();
    const valid = validateGwlbApplianceFleetArgs(args, problems, name);
    checkNetworkOutputs(problems, args?.network);
    const bundle = readAgentBundle(problems, args?.agent?.bundlePath);
    problems.throwIfAny(`GwlbApplianceFleet "${name}"`);
    const v = valid!;
    super(GWLB_APPLIANCE_FLEET_TYPE, name, args, opts);
    const network = args.network;
    const tags = args.tags;

    this.availabilityZones = v.availabilityZones;
    this.healthCheck = v.healthCheck;
    this.stickiness = v.stickiness;
    this.acceptanceRequired = v.acceptanceRequired;
    this.targetFailover = v.targetFailover;
    // The tag names the project, the stack and the fleet: two stacks in one account never run each other's association.
    this.fleetTag = { key: FLEET_TAG_KEY, value: `${pulumi.getProject()}/${pulumi.getStack()}/${name}` };
    const subnetIds = v.availabilityZones.map((az) => network.subnetIds[az]);

    const gwlb = createGatewayLoadBalancer(name, v, network.vpcId, subnetIds, this, tags);
    this.loadBalancer = gwlb.loadBalancer;
    this.targetGroup = gwlb.targetGroup;
    this.listener = gwlb.listener;

    const service = createEndpointService(name, v, gwlb.loadBalancer, this, tags);
    this.endpointService = service.endpointService;
    this.endpointServiceName = service.endpointService.serviceName;
    this.endpointServiceId = service.endpointService.id;
    this.allowedPrincipals = service.allowedPrincipals;

    this.securityGroup = createApplianceSecurityGroup(name, v, network.vpcId, network.serviceEndpoints, this, tags);

    const iam = createApplianceRole(name, this, tags);
    this.instanceRole = iam.role;
    this.instanceProfile = iam.profile;
    this.agent = createAgentDelivery(name, v, bundle!, this.fleetTag.value, iam.role, this, tags);

    const group = createApplianceGroup(name, v, {
      subnetIds,
      securityGroupId: this.securityGroup.id,
      targetGroupArn: gwlb.targetGroup.arn,
      instanceProfileArn: iam.profile.arn,
      fleetTagValue: this.fleetTag.value,
    }, this, tags);
    this.launchTemplate = group.launchTemplate;
    this.autoScalingGroup = group.autoScalingGroup;
    this.image = { choice: v.fleet.image.choice, imageId: group.imageId };
    if (v.targetCpuPercent !== undefined) this.scalingPolicy = createCpuScaling(name, group.autoScalingGroup, v.targetCpuPercent, this);
    this.alarms = createAlarms(name, gwlb, this.fleetTag.value, this, tags);

    this.registerOutputs({
      loadBalancerArn: this.loadBalancer.arn,
      targetGroupArn: this.targetGroup.arn,
      endpointServiceName: this.endpointServiceName,
      autoScalingGroupName: this.autoScalingGroup.name,
      agentBundleKey: this.agent.bundleObject.key,
      agentAssociationId: this.agent.association.associationId,
    });
  }
}
