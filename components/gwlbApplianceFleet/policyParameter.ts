/**
 * The agent's policy as an SSM SecureString parameter, encrypted with a key of the fleet's own whose
 * key policy lets exactly the appliances' role decrypt it, and the deploying principal use it, both
 * only through SSM. The AWS-managed aws/ssm key would let every principal of the account read it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { ValidatedGwlbAgent } from "../args/gwlbApplianceFleet";
import { tagsFor } from "../shared/tags";

/** Key administration for the account, which cannot read or write with the key. */
const KEY_ADMINISTRATION = [
  "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
  "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
];

export interface AwsContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The deploying principal as a key policy names it (an assumed role's role, not its session). */
  readonly deployer: string;
}

export function awsContext(opts: pulumi.InvokeOutputOptions): pulumi.Output<AwsContext> {
  const identity = aws.getCallerIdentityOutput({}, opts);
  const session = aws.iam.getSessionContextOutput({ arn: identity.arn }, opts);
  return pulumi.all([aws.getPartitionOutput({}, opts).partition, aws.getRegionOutput({}, opts).region, identity.accountId, session.issuerArn])
    .apply(([partition, region, account, deployer]) => ({ partition, region, account, deployer }));
}

/** The key policy: the account administers, the deployer and the appliances use the key through SSM only. */
export function policyKeyPolicy(context: AwsContext, applianceRoleArn: string): string {
  const viaSsm = { StringEquals: { "kms:ViaService": `ssm.${context.region}.amazonaws.com` } };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: `arn:${context.partition}:iam::${context.account}:root` }, Action: KEY_ADMINISTRATION, Resource: "*" },
      // Pulumi writes the parameter and reads it back.
      { Sid: "DeployerWritesThePolicy", Effect: "Allow", Principal: { AWS: context.deployer }, Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*", Condition: viaSsm },
      { Sid: "AppliancesReadThePolicy", Effect: "Allow", Principal: { AWS: applianceRoleArn }, Action: "kms:Decrypt", Resource: "*", Condition: viaSsm },
    ],
  });
}

export interface PolicyParameter {
  readonly key: aws.kms.Key;
  readonly parameter: aws.ssm.Parameter;
}

export function createPolicyParameter(
  name: string,
  parameterName: string,
  agent: ValidatedGwlbAgent,
  context: pulumi.Output<AwsContext>,
  applianceRole: aws.iam.Role,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): PolicyParameter {
  const opts = { parent };
  const key = new aws.kms.Key(`${name}-policy-key`, {
    description: `Encrypts the inspection policy of the GWLB fleet ${name}`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: pulumi.all([context, applianceRole.arn]).apply(([c, roleArn]) => policyKeyPolicy(c, roleArn)),
    tags: tagsFor(`${name}-policy-key`, tags),
  }, opts);
  const parameter = new aws.ssm.Parameter(`${name}-policy`, {
    name: parameterName,
    description: `Inspection policy of the GWLB fleet ${name}; the agents hot-reload it`,
    type: "SecureString",
    keyId: key.arn,
    tier: agent.policyTier,
    value: pulumi.secret(agent.policyText),
    tags: tagsFor(`${name}-policy`, tags),
  }, opts);
  return { key, parameter };
}
