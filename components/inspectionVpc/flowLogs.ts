/** VPC flow logs to a CloudWatch Logs group, through a role only the flow-logs service, acting for this account's flow logs, may assume. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { ValidatedFlowLogs } from "../args/inspectionVpc";
import { assumeRolePolicyForOwnResources } from "../shared/iam";
import { tagsFor } from "../shared/tags";

export function createFlowLogs(name: string, vpc: aws.ec2.Vpc, flowLogs: ValidatedFlowLogs, parent: pulumi.Resource, tags: Tags | undefined): void {
  const opts = { parent };
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, { retentionInDays: flowLogs.retentionInDays, tags: tagsFor(`${name}-flow-logs`, tags) }, opts);
  const account = aws.getCallerIdentityOutput({}, opts).accountId;
  const region = aws.getRegionOutput({}, opts).region;
  const partition = aws.getPartitionOutput({}, opts).partition;
  const role = new aws.iam.Role(`${name}-flow-logs-role`, {
    // The flow-logs service sets aws:SourceArn to the flow log's ARN.
    assumeRolePolicy: pulumi.all([account, region, partition]).apply(([acct, rgn, part]) =>
      assumeRolePolicyForOwnResources("vpc-flow-logs.amazonaws.com", acct, `arn:${part}:ec2:${rgn}:${acct}:vpc-flow-log/*`)),
    tags: tagsFor(`${name}-flow-logs-role`, tags),
  }, opts);
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
  }, opts);
  new aws.ec2.FlowLog(`${name}-flow-log`, {
    vpcId: vpc.id,
    trafficType: flowLogs.trafficType,
    logDestinationType: "cloud-watch-logs",
    logDestination: logGroup.arn,
    iamRoleArn: role.arn,
    maxAggregationInterval: 60,
    tags: tagsFor(`${name}-flow-log`, tags),
  }, opts);
}
