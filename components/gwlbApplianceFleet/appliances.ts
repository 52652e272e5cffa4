/**
 * The appliances: the launch template (one Amazon Linux 2023 image, IMDSv2 only, encrypted root, no
 * key pair, minimal user data) and the auto scaling group registered with the target group, whose
 * fleet tag every instance carries from launch so that the SSM association finds it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_TAG_KEY } from "../../common/contract";
import { Tags } from "../args/common";
import { ValidatedGwlbApplianceFleetArgs } from "../args/gwlbApplianceFleet";
import { IMDSV2_REQUIRED, encryptedRootVolume, launchImageId } from "../shared/launchSettings";
import { tagsFor } from "../shared/tags";
import { applianceUserData } from "./userData";

export interface ApplianceGroup {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly autoScalingGroup: aws.autoscaling.Group;
  /** What the launch template boots: an AMI id, or a `resolve:ssm:` reference. */
  readonly imageId: pulumi.Output<string>;
}

export interface ApplianceGroupPlacement {
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly targetGroupArn: pulumi.Input<string>;
  readonly instanceProfileArn: pulumi.Input<string>;
  /** The fleet tag's value: it names the project, the stack and the fleet. */
  readonly fleetTagValue: string;
}

export function createApplianceGroup(
  name: string,
  v: ValidatedGwlbApplianceFleetArgs,
  placement: ApplianceGroupPlacement,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): ApplianceGroup {
  const opts = { parent };

  const f = v.fleet;
  const imageId = launchImageId(f.image, f.architecture, opts);
  const launchTemplate = new aws.ec2.LaunchTemplate(`${name}-lt`, {
    description: `GWLB appliances of ${name}`,
    imageId,
    instanceType: f.instanceType,
    updateDefaultVersion: true,
    iamInstanceProfile: { arn: placement.instanceProfileArn },
    metadataOptions: IMDSV2_REQUIRED,
    blockDeviceMappings: [encryptedRootVolume(f.rootVolumeSizeGiB)],
    networkInterfaces: [{
      deviceIndex: 0,
      securityGroups: [placement.securityGroupId],
      deleteOnTermination: "true",
      ...(v.internetAccess === "igw" ? { associatePublicIpAddress: "true" } : {}),
    }],
    monitoring: { enabled: f.detailedMonitoring },
    userData: Buffer.from(applianceUserData(), "utf8").toString("base64"),
    tagSpecifications: [
      { resourceType: "instance", tags: tagsFor(`${name}-appliance`, tags) },
      { resourceType: "volume", tags: tagsFor(`${name}-appliance`, tags) },
    ],
    tags: tagsFor(`${name}-lt`, tags),
  }, opts);

  const autoScalingGroup = new aws.autoscaling.Group(`${name}-asg`, {
    vpcZoneIdentifiers: placement.subnetIds,
    targetGroupArns: [placement.targetGroupArn],
    healthCheckType: "ELB",
    healthCheckGracePeriod: f.healthCheckGracePeriodSeconds,
    minSize: f.minSize,
    desiredCapacity: f.desiredCapacity,
    maxSize: f.maxSize,
    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply((version) => String(version)) },
    instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: f.minHealthyPercentage } },
    tags: [
      ...Object.entries(tagsFor(`${name}-asg`, tags)).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
      // The fleet tag is how SSM finds the appliances, so every instance carries it from launch.
      { key: FLEET_TAG_KEY, value: placement.fleetTagValue, propagateAtLaunch: true },
    ],
  }, opts);
  return { launchTemplate, autoScalingGroup, imageId };
}
