/**
 * The appliances' instance role, least privilege: the SSM agent's own actions (on "*" only where AWS
 * allows nothing narrower), the bundle prefix to read, the association output prefix to write, the
 * one policy parameter and its key through SSM, and the fleet's two log groups. No managed policy:
 * AmazonSSMManagedInstanceCore would let the appliances read every parameter of the account.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { assumeRolePolicyFor } from "../shared/iam";
import { tagsFor } from "../shared/tags";

/** Actions the SSM agent needs whose resources AWS cannot narrow (instance registration, messaging, sessions). */
export const SSM_AGENT_ACTIONS = [
  "ssm:UpdateInstanceInformation", "ssm:ListInstanceAssociations", "ssm:DescribeAssociation", "ssm:UpdateInstanceAssociationStatus",
  "ssm:PutComplianceItems",
  "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
  "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
];

export interface ApplianceGrants {
  readonly region: string;
  readonly documentArn: string;
  readonly bucketArn: string;
  readonly bundlePrefix: string;
  readonly outputPrefix: string;
  readonly parameterArn: string;
  readonly keyArn: string;
  readonly logGroupArns: readonly string[];
}

/** The role's one inline policy, statement by statement. */
export function applianceRolePolicy(g: ApplianceGrants): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "SsmAgent", Effect: "Allow", Action: SSM_AGENT_ACTIONS, Resource: "*" },
      { Sid: "InstallDocument", Effect: "Allow", Action: ["ssm:GetDocument", "ssm:DescribeDocument"], Resource: g.documentArn },
      { Sid: "ReadBundles", Effect: "Allow", Action: "s3:GetObject", Resource: `${g.bucketArn}/${g.bundlePrefix}*` },
      { Sid: "WriteAssociationOutput", Effect: "Allow", Action: "s3:PutObject", Resource: `${g.bucketArn}/${g.outputPrefix}*` },
      { Sid: "ReadPolicy", Effect: "Allow", Action: "ssm:GetParameter", Resource: g.parameterArn },
      { Sid: "DecryptPolicy", Effect: "Allow", Action: "kms:Decrypt", Resource: g.keyArn, Condition: { StringEquals: { "kms:ViaService": `ssm.${g.region}.amazonaws.com` } } },
      { Sid: "ShipLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: g.logGroupArns.map((arn) => `${arn}:*`) },
    ],
  });
}

export interface ApplianceRole {
  readonly role: aws.iam.Role;
  readonly profile: aws.iam.InstanceProfile;
}

/** The role and its profile; its inline policy follows once the resources it names exist (agentDelivery.ts). */
export function createApplianceRole(name: string, parent: pulumi.Resource, tags: Tags | undefined): ApplianceRole {
  const opts = { parent };
  const role = new aws.iam.Role(`${name}-role`, {
    description: `GWLB appliances of ${name}: SSM, their agent bundle, policy and logs only`,
    assumeRolePolicy: assumeRolePolicyFor("ec2.amazonaws.com"),
    tags: tagsFor(`${name}-role`, tags),
  }, opts);
  const profile = new aws.iam.InstanceProfile(`${name}-instance-profile`, { role: role.name, tags: tagsFor(`${name}-instance-profile`, tags) }, opts);
  return { role, profile };
}
