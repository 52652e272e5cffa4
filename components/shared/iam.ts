/** IAM pieces the components share. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { tagsFor } from "./tags";

/** A trust policy that lets one AWS service (e.g. "ec2.amazonaws.com") assume the role. */
export function assumeRolePolicyFor(service: string, condition?: Record<string, Record<string, string>>): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }],
  });
}

/**
 * A trust policy for a service that acts for resources of this account only: without the source
 * conditions, the service could be made to assume the role on another account's behalf (the
 * confused deputy). `sourceArn` is the ARN pattern of the resources that act.
 */
export function assumeRolePolicyForOwnResources(service: string, account: string, sourceArn: string): string {
  return assumeRolePolicyFor(service, { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": sourceArn } });
}

export interface SsmInstanceRoleNames {
  readonly role: string;
  readonly attachment: string;
  readonly profile: string;
}

/**
 * An EC2 instance role that holds only `AmazonSSMManagedInstanceCore` (Session Manager instead of
 * SSH keys), with its instance profile. The policy ARN follows the provider's partition.
 */
export function createSsmInstanceRole(
  names: SsmInstanceRoleNames,
  parent: pulumi.Resource,
  userTags: Tags | undefined,
  description?: string,
): { role: aws.iam.Role; profile: aws.iam.InstanceProfile } {
  const opts = { parent };
  const role = new aws.iam.Role(names.role, {
    ...(description !== undefined ? { description } : {}),
    assumeRolePolicy: assumeRolePolicyFor("ec2.amazonaws.com"),
    tags: tagsFor(names.role, userTags),
  }, opts);
  const partition = aws.getPartitionOutput({}, opts).partition;
  new aws.iam.RolePolicyAttachment(names.attachment, {
    role: role.name,
    policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
  }, opts);
  const profile = new aws.iam.InstanceProfile(names.profile, { role: role.name, tags: tagsFor(names.profile, userTags) }, opts);
  return { role, profile };
}
