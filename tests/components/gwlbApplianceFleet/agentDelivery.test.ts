import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { inspectionVpc } from "../../support/fleetNetworks";
import { installMocks, recorder, settle, valueOf } from "../../support/mocks";

installMocks();
import { GwlbApplianceFleet } from "../../../components";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BUNDLE = path.join(ROOT, "dist", "appliance-agent.js");
const T = {
  bucket: "aws:s3/bucket:Bucket",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
  document: "aws:ssm/document:Document",
  association: "aws:ssm/association:Association",
  parameter: "aws:ssm/parameter:Parameter",
  key: "aws:kms/key:Key",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  asg: "aws:autoscaling/group:Group",
  tg: "aws:lb/targetGroup:TargetGroup",
};
const TAG = "gwlb-inspection/test/insp";

describe("GwlbApplianceFleet: shipping the agent through SSM", () => {
  beforeEach(() => recorder.reset());

  async function fleet(extra: object = {}) {
    const vpc = await inspectionVpc();
    const built = new GwlbApplianceFleet("insp", { network: vpc, ...extra });
    await settle();
    return built;
  }

  it("keeps the bundle in a private, encrypted, versioned, TLS-only bucket under a key that carries its real hash", async () => {
    await fleet();
    const sha256 = createHash("sha256").update(fs.readFileSync(BUNDLE)).digest("hex");
    const bucket = recorder.one(T.bucket, "insp-artifacts");
    const bucketId = bucket.id;
    assert.deepEqual(recorder.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "insp-artifacts-public-access").inputs, {
      bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    assert.deepEqual(recorder.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "insp-artifacts-encryption").inputs, {
      bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
    });
    assert.deepEqual(recorder.one("aws:s3/bucketVersioning:BucketVersioning", "insp-artifacts-versioning").inputs, { bucket: bucketId, versioningConfiguration: { status: "Enabled" } });
    const arn = `arn:aws:s3:::insp-artifacts-${bucketId.slice(-8)}`;
    assert.deepEqual(JSON.parse(recorder.one("aws:s3/bucketPolicy:BucketPolicy", "insp-artifacts-policy").inputs.policy), {
      Version: "2012-10-17",
      Statement: [{ Sid: "DenyWithoutTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
    });
    const object = recorder.one(T.object, "insp-agent-bundle").inputs;
    assert.deepEqual([object.key, object.sourceHash, await object.source.path], [`agent/appliance-agent-${sha256}.js`, sha256, BUNDLE]);
    const association = recorder.one(T.association, "insp-agent").inputs;
    assert.deepEqual(association.parameters, { BundleKey: `agent/appliance-agent-${sha256}.js`, BundleSha256: sha256 });
  });

  it("runs one install document on every instance with the fleet's tag, pinned to its newest version, rolling with limits", async () => {
    const built = await fleet({ agent: { rolloutMaxConcurrency: "2", rolloutMaxErrors: "1" } });
    const document = recorder.one(T.document, "insp-install-agent");
    assert.deepEqual([document.inputs.documentType, document.inputs.documentFormat, document.inputs.targetType], ["Command", "JSON", "/AWS::EC2::Instance"]);
    const content = JSON.parse(document.inputs.content);
    assert.deepEqual([content.schemaVersion, Object.keys(content.parameters), content.parameters.BundleKey.type, content.parameters.BundleSha256.type], ["2.2", ["BundleKey", "BundleSha256"], "String", "String"]);
    assert.ok(Buffer.byteLength(document.inputs.content) < 32 * 1024);
    const script = content.mainSteps[0].inputs.runCommand.join("\n");
    const parameterName = `/gwlb/${TAG}/policy`;
    // Every deployment-bound setting, from the value that also configures AWS.
    for (const flag of ["--gwlb-cidrs 10.21.11.0/24,10.21.13.0/24", "--health-port 80", "--metrics-port 9108", "--drain-seconds 300", "--tcp-idle-timeout 350", `--ssm-parameter ${parameterName}`, "--fast-path auto", "--emf-endpoint 127.0.0.1:25888", `--emf-fleet ${TAG}`]) {
      assert.ok(script.includes(flag), `the unit lacks ${flag}`);
    }
    assert.ok(script.includes('"{{ BundleKey }}" "{{ BundleSha256 }}"'));

    const association = recorder.one(T.association, "insp-agent").inputs;
    assert.deepEqual(
      [association.name, association.documentVersion, association.targets, association.maxConcurrency, association.maxErrors, association.outputLocation],
      ["insp-install-agent", "1", [{ key: "tag:gwlb:fleet", values: [TAG] }], "2", "1", { s3BucketName: recorder.one(T.bucket, "insp-artifacts").inputs.bucket ?? `insp-artifacts-${recorder.one(T.bucket, "insp-artifacts").id.slice(-8)}`, s3KeyPrefix: "association-output/" }],
    );
    // The group propagates exactly that tag to every instance it launches.
    assert.deepEqual(recorder.one(T.asg, "insp-asg").inputs.tags.filter((t: { key: string }) => t.key === "gwlb:fleet"), [{ key: "gwlb:fleet", value: TAG, propagateAtLaunch: true }]);
    assert.deepEqual(built.fleetTag, { key: "gwlb:fleet", value: TAG });
  });

  it("derives the health check from the agent's settings: the port the unit passes is the port the target group probes", async () => {
    await fleet({ healthCheck: { port: 8080 } });
    const content = JSON.parse(recorder.one(T.document, "insp-install-agent").inputs.content);
    assert.ok(content.mainSteps[0].inputs.runCommand.join("\n").includes("--health-port 8080"));
    const hc = recorder.one(T.tg, "insp-tg").inputs.healthCheck;
    assert.deepEqual([hc.protocol, hc.port, hc.path, hc.matcher], ["HTTP", "8080", "/healthz", "200-399"]);
  });

  it("grants the appliances exactly what the delivery needs, and no managed policy", async () => {
    await fleet();
    assert.equal(recorder.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
    const bucketArn = `arn:aws:s3:::insp-artifacts-${recorder.one(T.bucket, "insp-artifacts").id.slice(-8)}`;
    const keyArn = `arn:aws:kms:ap-northeast-2:123456789012:key/${recorder.one(T.key, "insp-policy-key").id}`;
    assert.deepEqual(JSON.parse(recorder.one(T.rolePolicy, "insp-policy").inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "SsmAgent", Effect: "Allow", Resource: "*",
          Action: [
            "ssm:UpdateInstanceInformation", "ssm:ListInstanceAssociations", "ssm:DescribeAssociation", "ssm:UpdateInstanceAssociationStatus", "ssm:PutComplianceItems",
            "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
            "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
          ],
        },
        { Sid: "InstallDocument", Effect: "Allow", Action: ["ssm:GetDocument", "ssm:DescribeDocument"], Resource: "arn:aws:ssm:ap-northeast-2:123456789012:document/insp-install-agent" },
        { Sid: "ReadBundles", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/agent/*` },
        { Sid: "WriteAssociationOutput", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/association-output/*` },
        { Sid: "ReadPolicy", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:ap-northeast-2:123456789012:parameter/gwlb/${TAG}/policy` },
        { Sid: "DecryptPolicy", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn, Condition: { StringEquals: { "kms:ViaService": "ssm.ap-northeast-2.amazonaws.com" } } },
        {
          Sid: "ShipLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [`arn:aws:logs:ap-northeast-2:123456789012:log-group:/gwlb/${TAG}/agent:*`, `arn:aws:logs:ap-northeast-2:123456789012:log-group:/gwlb/${TAG}/flows:*`],
        },
      ],
    });
  });

  it("encrypts the policy with a key only the appliances and the deployer may use, through SSM", async () => {
    const built = await fleet({ agent: { policy: { defaultAction: "deny", failMode: "closed", rules: [{ name: "web", action: "allow", protocol: "tcp", destination: { ports: [80, 443] } }] } } });
    const key = recorder.one(T.key, "insp-policy-key").inputs;
    const viaSsm = { StringEquals: { "kms:ViaService": "ssm.ap-northeast-2.amazonaws.com" } };
    assert.deepEqual(JSON.parse(key.policy).Statement, [
      {
        Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Resource: "*",
        Action: ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
      },
      { Sid: "DeployerWritesThePolicy", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:user/test" }, Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*", Condition: viaSsm },
      { Sid: "AppliancesReadThePolicy", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/insp-role" }, Action: "kms:Decrypt", Resource: "*", Condition: viaSsm },
    ]);
    assert.equal(key.enableKeyRotation, true);
    const parameter = recorder.one(T.parameter, "insp-policy").inputs;
    assert.deepEqual([parameter.name, parameter.type, parameter.tier, parameter.keyId], [`/gwlb/${TAG}/policy`, "SecureString", "Standard", `arn:aws:kms:ap-northeast-2:123456789012:key/${recorder.one(T.key, "insp-policy-key").id}`]);
    assert.deepEqual(JSON.parse(await valueOf(built.agent.policyParameter.value)), { defaultAction: "deny", failMode: "closed", rules: [{ name: "web", action: "allow", protocol: "tcp", destination: { ports: [80, 443] } }] });
  });

  it("scales on CPU, keeps the logs off the box and alarms on unhealthy targets and drops", async () => {
    await fleet({ scaling: { targetCpuPercent: 45 }, logs: { retentionInDays: 14 } });
    const policy = recorder.one("aws:autoscaling/policy:Policy", "insp-cpu-target").inputs;
    assert.deepEqual([policy.policyType, policy.targetTrackingConfiguration], ["TargetTrackingScaling", { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: 45 }]);
    assert.deepEqual(recorder.ofType(T.logGroup).map((g) => [g.inputs.name, g.inputs.retentionInDays]).sort(), [[`/gwlb/${TAG}/agent`, 14], [`/gwlb/${TAG}/flows`, 14]]);
    const alarms = recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.name, a.inputs.namespace, a.inputs.metricName, a.inputs.threshold]).sort();
    assert.deepEqual(alarms, [["insp-dropped-packets", "GWLB/Agent", "Drops", 1000], ["insp-unhealthy-targets", "AWS/GatewayELB", "UnHealthyHostCount", 0]]);
    recorder.reset();
    await fleet({ scaling: false });
    assert.deepEqual(recorder.ofType("aws:autoscaling/policy:Policy"), []);
  });

  it("refuses a bundle that is not there, naming the input", async () => {
    const vpc = await inspectionVpc();
    assert.throws(() => new GwlbApplianceFleet("nob", { network: vpc, agent: { bundlePath: "/nonexistent/agent.js" } }), /agent\.bundlePath: \/nonexistent\/agent\.js is not a file/);
  });
});

describe("GwlbApplianceFleet: two stacks in one account", () => {
  it("never target each other's instances: the fleet tag names the project, the stack and the fleet", function () {
    this.timeout(120_000);
    const fleetIn = (stack: string) => JSON.parse(execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "support", "fleetInStack.ts"), stack], { cwd: ROOT, encoding: "utf8" })) as {
      propagated: Array<{ key: string; value: string }>; targets: Array<{ key: string; values: string[] }>;
    };
    const [dev, prod] = [fleetIn("dev"), fleetIn("prod")];
    assert.deepEqual(dev, {
      propagated: [{ key: "gwlb:fleet", value: "gwlb-inspection/dev/appliance", propagateAtLaunch: true }],
      targets: [{ key: "tag:gwlb:fleet", values: ["gwlb-inspection/dev/appliance"] }],
    });
    assert.deepEqual(prod, {
      propagated: [{ key: "gwlb:fleet", value: "gwlb-inspection/prod/appliance", propagateAtLaunch: true }],
      targets: [{ key: "tag:gwlb:fleet", values: ["gwlb-inspection/prod/appliance"] }],
    });
  });
});
