/**
 * Delivering the agent to every appliance through Systems Manager: the bundle in the fleet's bucket,
 * the policy in its parameter, a Command document that installs both (see delivery/), and a State
 * Manager association that runs it on every instance with the fleet tag, new ones included, and again
 * whenever the bundle or the document changes: a rolling update with bounded concurrency that stops
 * at the error threshold, without replacing any instance.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_TAG_KEY, GWLB_TCP_IDLE_TIMEOUT_SECONDS, METRICS_PORT } from "../../common/contract";
import { Tags } from "../args/common";
import { ValidatedGwlbApplianceFleetArgs } from "../args/gwlbApplianceFleet";
import { tagsFor } from "../shared/tags";
import { AgentBundle } from "./agentBundle";
import { applianceRolePolicy } from "./applianceRole";
import { ASSOCIATION_OUTPUT_PREFIX, BUNDLE_PREFIX, createArtifactBucket } from "./artifactBucket";
import { AgentInstallSettings } from "./delivery/installSettings";
import { installDocumentContent } from "./delivery/installDocument";
import { createLogGroups } from "./observability";
import { awsContext, createPolicyParameter } from "./policyParameter";
import { APPLIANCE_SYSCTLS } from "./userData";

export interface AgentDelivery {
  readonly bucket: aws.s3.Bucket;
  readonly bundleObject: aws.s3.BucketObjectv2;
  readonly bundle: AgentBundle;
  readonly policyKey: aws.kms.Key;
  readonly policyParameter: aws.ssm.Parameter;
  readonly logGroups: { readonly agent: aws.cloudwatch.LogGroup; readonly flows: aws.cloudwatch.LogGroup };
  readonly document: aws.ssm.Document;
  readonly association: aws.ssm.Association;
}

/** The install settings, each from the value that also configures AWS. */
export function installSettingsFor(
  v: ValidatedGwlbApplianceFleetArgs,
  resolved: {
    readonly region: string;
    readonly bucket: string;
    readonly policyParameter: string;
    readonly fleet: string;
    readonly logGroups: { readonly agent: string; readonly flows: string };
  },
): AgentInstallSettings {
  return {
    region: resolved.region,
    bucket: resolved.bucket,
    gwlbCidrs: v.availabilityZones.map((az) => v.subnetCidrs[az]),
    healthPort: v.healthCheck.port,
    metricsPort: METRICS_PORT,
    drainSeconds: v.deregistrationDelaySeconds,
    tcpIdleTimeoutSeconds: v.tcpIdleTimeoutSeconds ?? GWLB_TCP_IDLE_TIMEOUT_SECONDS,
    policyParameter: resolved.policyParameter,
    fastPath: v.agent.fastPath,
    slowPathMaxPps: v.agent.slowPathMaxPps,
    sysctls: APPLIANCE_SYSCTLS,
    healthWaitSeconds: v.agent.healthWaitSeconds,
    fleet: resolved.fleet,
    logGroups: resolved.logGroups,
  };
}

export function createAgentDelivery(
  name: string,
  v: ValidatedGwlbApplianceFleetArgs,
  bundle: AgentBundle,
  fleetTagValue: string,
  role: aws.iam.Role,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): AgentDelivery {
  const opts = { parent };
  const context = awsContext(opts);
  // One naming root per project, stack and fleet, so two stacks in one account never share a name.
  const prefix = `/gwlb/${fleetTagValue}`;
  const { bucket, bundleObject } = createArtifactBucket(name, bundle, parent, tags);
  const { key: policyKey, parameter: policyParameter } = createPolicyParameter(name, `${prefix}/policy`, v.agent, context, role, parent, tags);
  const logGroups = createLogGroups(name, prefix, v.logRetentionInDays, parent, tags);

  const settings = pulumi.all([context, bucket.bucket, policyParameter.name, logGroups.agent.name, logGroups.flows.name])
    .apply(([c, bucketName, parameterName, agentLog, flowLog]) =>
      installSettingsFor(v, { region: c.region, bucket: bucketName, policyParameter: parameterName, fleet: fleetTagValue, logGroups: { agent: agentLog, flows: flowLog } }));
  const document = new aws.ssm.Document(`${name}-install-agent`, {
    documentType: "Command",
    documentFormat: "JSON",
    targetType: "/AWS::EC2::Instance",
    content: settings.apply(installDocumentContent),
    tags: tagsFor(`${name}-install-agent`, tags),
  }, opts);
  const association = new aws.ssm.Association(`${name}-agent`, {
    name: document.name,
    // Pinned to the document's newest version: any change to it updates the association, which runs at once.
    documentVersion: document.latestVersion,
    targets: [{ key: `tag:${FLEET_TAG_KEY}`, values: [fleetTagValue] }],
    parameters: { BundleKey: bundleObject.key, BundleSha256: bundle.sha256 },
    maxConcurrency: v.agent.rolloutMaxConcurrency,
    maxErrors: v.agent.rolloutMaxErrors,
    complianceSeverity: "HIGH",
    outputLocation: { s3BucketName: bucket.bucket, s3KeyPrefix: ASSOCIATION_OUTPUT_PREFIX },
    associationName: `${name}-agent`,
  }, opts);

  new aws.iam.RolePolicy(`${name}-policy`, {
    role: role.id,
    policy: pulumi.all([context, document.arn, bucket.arn, policyParameter.arn, policyKey.arn, logGroups.agent.arn, logGroups.flows.arn])
      .apply(([c, documentArn, bucketArn, parameterArn, keyArn, agentLogArn, flowLogArn]) => applianceRolePolicy({
        region: c.region,
        documentArn,
        bucketArn,
        bundlePrefix: BUNDLE_PREFIX,
        outputPrefix: ASSOCIATION_OUTPUT_PREFIX,
        parameterArn,
        keyArn,
        logGroupArns: [agentLogArn, flowLogArn],
      })),
  }, opts);
  return { bucket, bundleObject, bundle, policyKey, policyParameter, logGroups, document, association };
}
