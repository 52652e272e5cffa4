/**
 * The fleet's private artifact bucket (the agent bundle, the association's output): public access
 * blocked, encrypted, versioned, TLS only; and the bundle as an object whose key carries its hash, so
 * a new bundle is a new key, never an overwrite that State Manager could not see.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { tagsFor } from "../shared/tags";
import { AgentBundle } from "./agentBundle";

/** Where the bundles live in the bucket; the instance role may read only there. */
export const BUNDLE_PREFIX = "agent/";
/** Where the association writes its command output; the instance role may write only there. */
export const ASSOCIATION_OUTPUT_PREFIX = "association-output/";

export function bundleKey(bundle: AgentBundle): string {
  return `${BUNDLE_PREFIX}appliance-agent-${bundle.sha256}.js`;
}

export interface ArtifactBucket {
  readonly bucket: aws.s3.Bucket;
  readonly bundleObject: aws.s3.BucketObjectv2;
}

export function createArtifactBucket(name: string, bundle: AgentBundle, parent: pulumi.Resource, tags: Tags | undefined): ArtifactBucket {
  const opts = { parent };
  const bucket = new aws.s3.Bucket(`${name}-artifacts`, { forceDestroy: true, tags: tagsFor(`${name}-artifacts`, tags) }, opts);
  const publicAccess = new aws.s3.BucketPublicAccessBlock(`${name}-artifacts-public-access`, {
    bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
  }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-artifacts-encryption`, {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
  }, opts);
  new aws.s3.BucketVersioning(`${name}-artifacts-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  new aws.s3.BucketPolicy(`${name}-artifacts-policy`, {
    bucket: bucket.id,
    policy: bucket.arn.apply((arn) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Sid: "DenyWithoutTls",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }],
    })),
  }, { parent, dependsOn: [publicAccess] }); // S3 applies a policy only after the public-access block settles.
  const bundleObject = new aws.s3.BucketObjectv2(`${name}-agent-bundle`, {
    bucket: bucket.id,
    key: bundleKey(bundle),
    source: new pulumi.asset.FileAsset(bundle.path),
    sourceHash: bundle.sha256,
    contentType: "application/javascript",
    tags: tagsFor(`${name}-agent-bundle`, tags),
  }, opts);
  return { bucket, bundleObject };
}
