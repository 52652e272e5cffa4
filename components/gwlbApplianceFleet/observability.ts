/**
 * Off the box: the log groups the appliances ship their operational and flow logs to (an instance's
 * journal dies with it), and alarms on unhealthy targets and on dropped packets (the agents' counters
 * arrive as CloudWatch metrics through the embedded metric format in the same logs).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { tagsFor } from "../shared/tags";

/** Where the agents' embedded-metric-format counters land. */
export const AGENT_METRIC_NAMESPACE = "GWLB/Agent";

export interface FleetLogGroups {
  readonly agent: aws.cloudwatch.LogGroup;
  readonly flows: aws.cloudwatch.LogGroup;
}

export function createLogGroups(name: string, prefix: string, retentionInDays: number, parent: pulumi.Resource, tags: Tags | undefined): FleetLogGroups {
  const group = (role: "agent" | "flows") => new aws.cloudwatch.LogGroup(`${name}-${role}-logs`, {
    name: `${prefix}/${role}`,
    retentionInDays,
    tags: tagsFor(`${name}-${role}-logs`, tags),
  }, { parent });
  return { agent: group("agent"), flows: group("flows") };
}

export function createAlarms(
  name: string,
  targets: { readonly loadBalancer: aws.lb.LoadBalancer; readonly targetGroup: aws.lb.TargetGroup },
  fleetTagValue: string,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): aws.cloudwatch.MetricAlarm[] {
  const opts = { parent };
  const unhealthy = new aws.cloudwatch.MetricAlarm(`${name}-unhealthy-targets`, {
    alarmDescription: `An appliance of ${name} fails the GWLB's health check (the group will replace it)`,
    namespace: "AWS/GatewayELB",
    metricName: "UnHealthyHostCount",
    dimensions: { LoadBalancer: targets.loadBalancer.arnSuffix, TargetGroup: targets.targetGroup.arnSuffix },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 3,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    tags: tagsFor(`${name}-unhealthy-targets`, tags),
  }, opts);
  const drops = new aws.cloudwatch.MetricAlarm(`${name}-dropped-packets`, {
    alarmDescription: `The agents of ${name} drop over 1,000 packets in 5 minutes (malformed, from foreign sources, or denied by the policy)`,
    namespace: AGENT_METRIC_NAMESPACE,
    metricName: "Drops",
    dimensions: { Fleet: fleetTagValue },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1000,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    tags: tagsFor(`${name}-dropped-packets`, tags),
  }, opts);
  return [unhealthy, drops];
}
