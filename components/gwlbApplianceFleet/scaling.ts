/**
 * Target tracking on the group's average CPU: a fixed fleet either wastes money or drops packets.
 * (The agents' packet rate, published as a CloudWatch metric, could drive a customized metric
 * specification instead; CPU tracks it closely because the slow path is CPU-bound per packet.)
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export function createCpuScaling(name: string, group: aws.autoscaling.Group, targetCpuPercent: number, parent: pulumi.Resource): aws.autoscaling.Policy {
  return new aws.autoscaling.Policy(`${name}-cpu-target`, {
    autoscalingGroupName: group.name,
    policyType: "TargetTrackingScaling",
    // New appliances install the agent before they carry traffic; their first minutes say little.
    estimatedInstanceWarmup: 300,
    targetTrackingConfiguration: {
      predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
      targetValue: targetCpuPercent,
    },
  }, { parent });
}
