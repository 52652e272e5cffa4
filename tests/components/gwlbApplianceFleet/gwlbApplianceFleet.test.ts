import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { problemsOf } from "../../support/inputErrors";
import { installMocks, recorder, settle, valueOf } from "../../support/mocks";

installMocks();
// Imported after the mocks are installed, as a Pulumi program would be.
import {
  GwlbApplianceFleet,
  GwlbApplianceFleetArgs,
  GwlbInspectionService,
  HEALTH_CHECK_PROTOCOLS,
  STICKINESS_MODES,
  TARGET_FAILOVER_MODES,
  applianceUserData,
  instanceTypeArchitecture,
  principalSlug,
  validateGwlbApplianceFleetArgs,
} from "../../../components";
import { InspectionNetwork, InspectionVpc, InspectionVpcArgs, Problems } from "../../../components";

const AZS = ["ap-northeast-2a", "ap-northeast-2c"];
const T = {
  fleet: "gwlb:inspection:GwlbApplianceFleet",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  tg: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  service: "aws:ec2/vpcEndpointService:VpcEndpointService",
  principal: "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  lt: "aws:ec2/launchTemplate:LaunchTemplate",
  asg: "aws:autoscaling/group:Group",
};

/** An InspectionVpc whose own registrations are settled and then forgotten, so only the fleet's are seen. */
async function inspectionVpc(extra: Partial<InspectionVpcArgs> = {}): Promise<InspectionVpc> {
  const vpc = new InspectionVpc("appliance", { cidrBlock: "10.21.0.0/16", availabilityZones: AZS, ...extra });
  await settle();
  recorder.reset();
  return vpc;
}

/** A plain network for validation-only tests (no resources behind it). */
function plainNetwork(overrides: Partial<InspectionNetwork> = {}): InspectionNetwork {
  return {
    vpcId: pulumi.output("vpc-plain"),
    cidrBlock: "10.21.0.0/16",
    availabilityZones: AZS,
    subnetIds: { "ap-northeast-2a": pulumi.output("subnet-a"), "ap-northeast-2c": pulumi.output("subnet-c") },
    subnetCidrs: { "ap-northeast-2a": "10.21.11.0/24", "ap-northeast-2c": "10.21.12.0/24" },
    internetAccess: "none",
    ...overrides,
  };
}


function rules(type: string) {
  return recorder.ofType(type)
    .map((r) => [r.name, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4, r.inputs.securityGroupId])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

const SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
const EC2_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

describe("GwlbApplianceFleet", () => {
  beforeEach(() => recorder.reset());

  it("builds the GWLB, its GENEVE target group, listener, endpoint service and an SSM-managed fleet with the defaults", async () => {
    const vpc = await inspectionVpc();
    const fleet = new GwlbApplianceFleet("insp", { network: vpc });
    await settle();

    assert.deepEqual(recorder.countsByType(), {
      [T.asg]: 1,
      [T.service]: 1,
      [T.lt]: 1,
      [T.sg]: 1,
      [T.profile]: 1,
      [T.role]: 1,
      [T.attachment]: 1,
      [T.listener]: 1,
      [T.lb]: 1,
      [T.tg]: 1,
      [T.egress]: 3,
      [T.ingress]: 3,
      [T.fleet]: 1,
    });
    const vpcId = await valueOf(vpc.vpcId);
    const [subnetA, subnetC] = await Promise.all(AZS.map((az) => valueOf(vpc.subnetIds[az])));
    const lb = recorder.one(T.lb, "insp-gwlb");
    const tg = recorder.one(T.tg, "insp-tg");
    const lbArn = `arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/gwy/insp-gwlb/${lb.id}`;
    const tgArn = `arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/insp-tg/${tg.id}`;

    assert.deepEqual(lb.inputs, {
      loadBalancerType: "gateway",
      subnetMappings: [{ subnetId: subnetA }, { subnetId: subnetC }],
      ipAddressType: "ipv4",
      enableCrossZoneLoadBalancing: true,
      enableDeletionProtection: false,
      tags: { Name: "insp-gwlb" },
    });
    assert.deepEqual(tg.inputs, {
      protocol: "GENEVE",
      port: 6081,
      targetType: "instance",
      vpcId,
      deregistrationDelay: 300,
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        port: "80",
        path: "/healthz",
        matcher: "200-399",
        interval: 10,
        timeout: 5,
        healthyThreshold: 3,
        unhealthyThreshold: 3,
      },
      targetFailovers: [{ onDeregistration: "no_rebalance", onUnhealthy: "no_rebalance" }],
      tags: { Name: "insp-tg" },
    });
    // One listener, no port or protocol (GWLB listeners take none), forwarding everything to the one target group.
    assert.deepEqual(recorder.one(T.listener, "insp-listener").inputs, {
      loadBalancerArn: lbArn,
      defaultActions: [{ type: "forward", targetGroupArn: tgArn }],
      tags: { Name: "insp-listener" },
    });
    const service = recorder.one(T.service, "insp-endpoint-service");
    assert.deepEqual(service.inputs, {
      acceptanceRequired: false,
      gatewayLoadBalancerArns: [lbArn],
      supportedIpAddressTypes: ["ipv4"],
      tags: { Name: "insp-endpoint-service" },
    });
    assert.equal(await valueOf(fleet.endpointServiceName), `com.amazonaws.vpce.ap-northeast-2.${service.id}`);
    assert.equal(recorder.ofType(T.principal).length, 0);

    // Plain values for the hub and the agent-shipping seam.
    assert.deepEqual(fleet.availabilityZones, AZS);
    assert.equal(fleet.stickiness, "5-tuple");
    assert.equal(fleet.targetFailover, "no_rebalance");
    assert.deepEqual(fleet.fleetTag, { key: "gwlb:fleet", value: "insp" });
    assert.deepEqual(fleet.healthCheck, {
      protocol: "HTTP", port: 80, path: "/healthz", matcher: "200-399", intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3,
    });
    const service2: GwlbInspectionService = fleet; // the hub consumes the fleet through this interface
    assert.equal(service2.stickiness, "5-tuple");
  });

  it("admits only GENEVE with the GWLB subnets and health checks from the VPC, and sends only HTTPS and GENEVE out", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("insp", { network: vpc });
    await settle();

    const sg = recorder.one(T.sg, "insp-sg");
    assert.deepEqual(Object.keys(sg.inputs).sort(), ["description", "tags", "vpcId"], "no inline rules on the group itself");
    assert.deepEqual(rules(T.ingress), [
      ["insp-geneve-in-2a", "udp", 6081, 6081, "10.21.11.0/24", sg.id],
      ["insp-geneve-in-2c", "udp", 6081, 6081, "10.21.13.0/24", sg.id],
      ["insp-health-in", "tcp", 80, 80, "10.21.0.0/16", sg.id],
    ]);
    assert.deepEqual(rules(T.egress), [
      ["insp-geneve-out-2a", "udp", 6081, 6081, "10.21.11.0/24", sg.id],
      ["insp-geneve-out-2c", "udp", 6081, 6081, "10.21.13.0/24", sg.id],
      ["insp-https-out", "tcp", 443, 443, "0.0.0.0/0", sg.id],
    ]);
  });

  it("gives the instances a role that only EC2 may assume and that holds only SSM's managed-instance policy", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("insp", { network: vpc });
    await settle();

    const role = recorder.one(T.role, "insp-role");
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), EC2_TRUST);
    assert.deepEqual(recorder.ofType(T.attachment).map((a) => [a.name, a.inputs.role, a.inputs.policyArn]), [["insp-ssm-core", "insp-role", SSM_CORE]]);
    assert.equal(recorder.ofType(T.rolePolicy).length, 0, "no inline policies");
    assert.equal(recorder.ofType("aws:iam/policy:Policy").length, 0, "no customer managed policies");
    assert.equal(role.inputs.managedPolicyArns, undefined);
    assert.equal(role.inputs.inlinePolicies, undefined);
    assert.deepEqual(recorder.one(T.profile, "insp-instance-profile").inputs, { role: "insp-role", tags: { Name: "insp-instance-profile" } });
    // The policy ARN's partition comes from the provider, not a literal "aws".
    assert.deepEqual(recorder.invocations.map((i) => i.token), ["aws:index/getPartition:getPartition"]);
  });

  it("launches Amazon Linux 2023 with IMDSv2 only, an encrypted gp3 root, no key pair and only the sysctl user data", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("insp", { network: vpc });
    await settle();

    const lt = recorder.one(T.lt, "insp-lt");
    const sg = recorder.one(T.sg, "insp-sg");
    const { userData, ...rest } = lt.inputs;
    assert.deepEqual(rest, {
      description: "GWLB appliances of insp",
      imageId: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
      instanceType: "c7g.large",
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: "arn:aws:iam::123456789012:instance-profile/insp-instance-profile" },
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: 16, encrypted: "true", deleteOnTermination: "true" } }],
      networkInterfaces: [{ deviceIndex: 0, securityGroups: [sg.id], deleteOnTermination: "true" }],
      monitoring: { enabled: true },
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: "insp-appliance" } },
        { resourceType: "volume", tags: { Name: "insp-appliance" } },
      ],
      tags: { Name: "insp-lt" },
    });
    assert.ok(!("keyName" in lt.inputs));
    assert.equal(Buffer.from(userData, "base64").toString("utf8"), [
      "#!/bin/bash",
      "# Socket buffer limits for the GWLB agent's GENEVE sockets. The agent itself arrives through SSM.",
      "set -euo pipefail",
      "cat > /etc/sysctl.d/90-gwlb-agent.conf <<'EOF'",
      "net.core.rmem_max = 33554432",
      "net.core.wmem_max = 33554432",
      "EOF",
      "sysctl -p /etc/sysctl.d/90-gwlb-agent.conf",
      "",
    ].join("\n"));
    assert.equal(Buffer.from(userData, "base64").toString("utf8"), applianceUserData());
  });

  it("spreads the auto scaling group over every AZ subnet, registers it with the target group and tags instances for SSM", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("insp", { network: vpc });
    await settle();

    const lt = recorder.one(T.lt, "insp-lt");
    const tg = recorder.one(T.tg, "insp-tg");
    const subnets = await Promise.all(AZS.map((az) => valueOf(vpc.subnetIds[az])));
    assert.deepEqual(recorder.one(T.asg, "insp-asg").inputs, {
      vpcZoneIdentifiers: subnets,
      targetGroupArns: [`arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/insp-tg/${tg.id}`],
      healthCheckType: "ELB",
      healthCheckGracePeriod: 300,
      minSize: 2,
      desiredCapacity: 2,
      maxSize: 4,
      launchTemplate: { id: lt.id, version: "1" },
      instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 90 } },
      tags: [
        { key: "Name", value: "insp-asg", propagateAtLaunch: false },
        { key: "gwlb:fleet", value: "insp", propagateAtLaunch: true },
      ],
    });
  });

  it("gives appliances public addresses only in the seed's internet-gateway variant", async () => {
    const vpc = await inspectionVpc({ internetAccess: "igw" });
    new GwlbApplianceFleet("pub", { network: vpc });
    await settle();
    const sg = recorder.one(T.sg, "pub-sg");
    assert.deepEqual(recorder.one(T.lt, "pub-lt").inputs.networkInterfaces, [
      { deviceIndex: 0, securityGroups: [sg.id], deleteOnTermination: "true", associatePublicIpAddress: "true" },
    ]);
  });

  it("applies every option: TCP health check, 2-tuple stickiness, rebalance, cross-zone off, x86_64, principals, tags", async () => {
    const vpc = await inspectionVpc();
    const fleet = new GwlbApplianceFleet("opt", {
      network: vpc,
      enableCrossZoneLoadBalancing: false,
      enableDeletionProtection: true,
      healthCheck: { protocol: "TCP", port: 8080, intervalSeconds: 30, timeoutSeconds: 30, healthyThreshold: 2, unhealthyThreshold: 10 },
      deregistrationDelaySeconds: 0,
      stickiness: "source_ip_dest_ip",
      targetFailover: "rebalance",
      acceptanceRequired: true,
      allowedPrincipals: ["arn:aws:iam::210987654321:root", "arn:aws:iam::210987654321:role/hub-deployer", "*"],
      fleet: { architecture: "x86_64", minSize: 3, desiredCapacity: 4, maxSize: 6, rootVolumeSizeGiB: 8, healthCheckGracePeriodSeconds: 600, minHealthyPercentage: 50, detailedMonitoring: false },
      tags: { team: "netsec" },
    });
    await settle();

    const lb = recorder.one(T.lb, "opt-gwlb").inputs;
    assert.deepEqual([lb.enableCrossZoneLoadBalancing, lb.enableDeletionProtection, lb.tags], [false, true, { team: "netsec", Name: "opt-gwlb" }]);
    const tg = recorder.one(T.tg, "opt-tg").inputs;
    assert.deepEqual(tg.healthCheck, { enabled: true, protocol: "TCP", port: "8080", interval: 30, timeout: 30, healthyThreshold: 2, unhealthyThreshold: 10 });
    assert.deepEqual(tg.stickiness, { enabled: true, type: "source_ip_dest_ip" });
    assert.deepEqual(tg.targetFailovers, [{ onDeregistration: "rebalance", onUnhealthy: "rebalance" }]);
    assert.equal(tg.deregistrationDelay, 0);
    assert.deepEqual(fleet.healthCheck, { protocol: "TCP", port: 8080, intervalSeconds: 30, timeoutSeconds: 30, healthyThreshold: 2, unhealthyThreshold: 10 });
    assert.equal(fleet.stickiness, "source_ip_dest_ip");

    const sg = recorder.one(T.sg, "opt-sg");
    assert.deepEqual(recorder.one(T.ingress, "opt-health-in").inputs, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 8080, toPort: 8080, cidrIpv4: "10.21.0.0/16",
      description: "TCP health checks from the GWLB", tags: { team: "netsec", Name: "opt-health-in" },
    });

    const service = recorder.one(T.service, "opt-endpoint-service");
    assert.equal(service.inputs.acceptanceRequired, true);
    assert.deepEqual(recorder.ofType(T.principal).map((p) => [p.name, p.inputs.principalArn, p.inputs.vpcEndpointServiceId]).sort(), [
      ["opt-allow-210987654321-role-hub-deployer", "arn:aws:iam::210987654321:role/hub-deployer", service.id],
      ["opt-allow-210987654321-root", "arn:aws:iam::210987654321:root", service.id],
      ["opt-allow-everyone", "*", service.id],
    ]);

    const lt = recorder.one(T.lt, "opt-lt").inputs;
    assert.deepEqual(
      [lt.imageId, lt.instanceType, lt.blockDeviceMappings[0].ebs.volumeSize, lt.monitoring, lt.tagSpecifications[0].tags],
      ["resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", "c7i.large", 8, { enabled: false }, { team: "netsec", Name: "opt-appliance" }],
    );
    const asg = recorder.one(T.asg, "opt-asg").inputs;
    assert.deepEqual(
      [asg.minSize, asg.desiredCapacity, asg.maxSize, asg.healthCheckGracePeriod, asg.instanceRefresh],
      [3, 4, 6, 600, { strategy: "Rolling", preferences: { minHealthyPercentage: 50 } }],
    );
    assert.deepEqual(asg.tags, [
      { key: "team", value: "netsec", propagateAtLaunch: false },
      { key: "Name", value: "opt-asg", propagateAtLaunch: false },
      { key: "gwlb:fleet", value: "opt", propagateAtLaunch: true },
    ]);
  });

  it("sets the listener's TCP idle timeout with 5-tuple stickiness and writes one rule pair per AZ with three AZs", async () => {
    const azs = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"];
    const vpc = await inspectionVpc({ availabilityZones: azs });
    new GwlbApplianceFleet("three", { network: vpc, tcpIdleTimeoutSeconds: 6000, healthCheck: { protocol: "HTTPS", port: 8443, path: "/ready" } });
    await settle();

    assert.equal(recorder.one(T.listener, "three-listener").inputs.tcpIdleTimeoutSeconds, 6000);
    assert.equal(recorder.one(T.tg, "three-tg").inputs.stickiness, undefined);
    assert.deepEqual(recorder.one(T.tg, "three-tg").inputs.healthCheck, {
      enabled: true, protocol: "HTTPS", port: "8443", path: "/ready", matcher: "200-399", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3,
    });
    assert.equal(recorder.one(T.lb, "three-gwlb").inputs.subnetMappings.length, 3);
    assert.equal(recorder.one(T.asg, "three-asg").inputs.vpcZoneIdentifiers.length, 3);
    const sgId = recorder.one(T.sg, "three-sg").id;
    assert.deepEqual(rules(T.ingress), [
      ["three-geneve-in-2a", "udp", 6081, 6081, "10.21.11.0/24", sgId],
      ["three-geneve-in-2b", "udp", 6081, 6081, "10.21.12.0/24", sgId],
      ["three-geneve-in-2c", "udp", 6081, 6081, "10.21.13.0/24", sgId],
      ["three-health-in", "tcp", 8443, 8443, "10.21.0.0/16", sgId],
    ]);
    assert.deepEqual(rules(T.egress), [
      ["three-geneve-out-2a", "udp", 6081, 6081, "10.21.11.0/24", sgId],
      ["three-geneve-out-2b", "udp", 6081, 6081, "10.21.12.0/24", sgId],
      ["three-geneve-out-2c", "udp", 6081, 6081, "10.21.13.0/24", sgId],
      ["three-https-out", "tcp", 443, 443, "0.0.0.0/0", sgId],
    ]);
  });

  it("derives the architecture from an explicit instance type and sizes from the ones given", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("x86", { network: vpc, fleet: { instanceType: "c6in.xlarge", minSize: 6 } });
    await settle();
    const lt = recorder.one(T.lt, "x86-lt").inputs;
    assert.deepEqual([lt.imageId, lt.instanceType], ["resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", "c6in.xlarge"]);
    const asg = recorder.one(T.asg, "x86-asg").inputs;
    assert.deepEqual([asg.minSize, asg.desiredCapacity, asg.maxSize], [6, 6, 6]);
  });

  describe("validation", () => {
    it("reports every bad argument at once, naming each input, and registers nothing", async () => {
      const vpc = await inspectionVpc();
      const errors = problemsOf(() => new GwlbApplianceFleet("a-name-that-is-too-long", {
        network: vpc,
        enableCrossZoneLoadBalancing: "yes" as never,
        healthCheck: { protocol: "UDP" as never, port: 0, intervalSeconds: 4, timeoutSeconds: 1, healthyThreshold: 11, unhealthyThreshold: 1.5 },
        deregistrationDelaySeconds: 3601,
        stickiness: "3-tuple" as never,
        targetFailover: "rebalanced" as never,
        tcpIdleTimeoutSeconds: 30,
        allowedPrincipals: ["123456789012"],
        fleet: { minSize: 0, desiredCapacity: 1, maxSize: 1, architecture: "aarch64" as never },
      }), /^GwlbApplianceFleet "a-name-that-is-too-long" has 15 invalid arguments:\n {2}- name: /);
      assert.deepEqual(errors, [
        { propertyPath: "name", reason: 'must be at most 19 characters, got 23 ("a-name-that-is-too-long"): the load balancer is auto-named "a-name-that-is-too-long-gwlb" plus 8 random characters, and AWS limits load balancer and target group names to 32' },
        { propertyPath: "enableCrossZoneLoadBalancing", reason: 'must be true or false, got "yes"' },
        { propertyPath: "healthCheck.protocol", reason: 'must be one of "TCP", "HTTP", "HTTPS", got "UDP"' },
        { propertyPath: "healthCheck.port", reason: "must be from 1 to 65535, got 0" },
        { propertyPath: "healthCheck.intervalSeconds", reason: "must be from 5 to 300, got 4" },
        { propertyPath: "healthCheck.timeoutSeconds", reason: "must be from 2 to 120, got 1" },
        { propertyPath: "healthCheck.healthyThreshold", reason: "must be from 2 to 10, got 11" },
        { propertyPath: "healthCheck.unhealthyThreshold", reason: "must be an integer from 2 to 10, got 1.5" },
        { propertyPath: "deregistrationDelaySeconds", reason: "must be from 0 to 3600, got 3601" },
        { propertyPath: "stickiness", reason: 'must be one of "5-tuple", "source_ip_dest_ip_proto", "source_ip_dest_ip", got "3-tuple"' },
        { propertyPath: "targetFailover", reason: 'must be one of "rebalance", "no_rebalance", got "rebalanced"' },
        { propertyPath: "tcpIdleTimeoutSeconds", reason: "must be from 60 to 6000, got 30" },
        { propertyPath: "allowedPrincipals[0]", reason: 'an account must be given as its root ARN, e.g. "arn:aws:iam::123456789012:root", got "123456789012"' },
        { propertyPath: "fleet.architecture", reason: 'must be one of "x86_64", "arm64", got "aarch64"' },
        { propertyPath: "fleet.minSize", reason: "must be at least 1: with no appliance the GWLB has no target and every inspected flow is dropped, got 0" },
      ]);
      await settle();
      assert.equal(recorder.registrations.length, 0);
      assert.equal(recorder.invocations.length, 0);
    });

    it("checks the component name against the load balancer naming rules", () => {
      const network = plainNetwork();
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("-insp", { network })), [
        { propertyPath: "name", reason: 'must start with a letter or digit and contain only letters, digits and hyphens (it prefixes the load balancer\'s name), got "-insp"' },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("insp_1", { network })), [
        { propertyPath: "name", reason: 'must start with a letter or digit and contain only letters, digits and hyphens (it prefixes the load balancer\'s name), got "insp_1"' },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("internal", { network })), [
        { propertyPath: "name", reason: 'must not make the load balancer\'s name begin with "internal-" (AWS reserves that prefix), got "internal"' },
      ]);
      // 19 characters is the longest name whose auto-named load balancer fits in 32.
      assert.equal(validateGwlbApplianceFleetArgs({ network }, new Problems(), "a".repeat(19)) !== undefined, true);
      assert.equal(recorder.registrations.length, 0);
    });

    it("keeps the health check timeout within the interval and path and matcher to HTTP(S)", () => {
      const network = plainNetwork();
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("hc", { network, healthCheck: { intervalSeconds: 10, timeoutSeconds: 11 } })), [
        { propertyPath: "healthCheck.timeoutSeconds", reason: "must not exceed healthCheck.intervalSeconds (10): AWS requires the interval to be at least the timeout, got 11" },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("hc", { network, healthCheck: { protocol: "TCP", path: "/healthz", matcher: "200-399" } })), [
        { propertyPath: "healthCheck.path", reason: "applies only to HTTP and HTTPS health checks, not TCP; remove it" },
        { propertyPath: "healthCheck.matcher", reason: "applies only to HTTP and HTTPS health checks, not TCP; remove it" },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("hc", { network, healthCheck: { path: "healthz", matcher: "200" as never } })), [
        { propertyPath: "healthCheck.path", reason: 'must start with "/" and be at most 1024 printable characters without spaces, got "healthz"' },
        { propertyPath: "healthCheck.matcher", reason: 'must be "200-399", the only success codes a Gateway Load Balancer accepts, got "200"' },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("hc", { network, healthCheck: { path: `/${"x".repeat(1024)}` } })), [
        { propertyPath: "healthCheck.path", reason: `must start with "/" and be at most 1024 printable characters without spaces, got "/${"x".repeat(1024)}"` },
      ]);
      // The interval may equal the timeout.
      assert.notEqual(validateGwlbApplianceFleetArgs({ network, healthCheck: { intervalSeconds: 5, timeoutSeconds: 5 } }, new Problems()), undefined);
    });

    it("allows a TCP idle timeout only with 5-tuple stickiness", () => {
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("idle", { network: plainNetwork(), stickiness: "source_ip_dest_ip_proto", tcpIdleTimeoutSeconds: 600 })), [
        { propertyPath: "tcpIdleTimeoutSeconds", reason: 'can only be set with stickiness "5-tuple" (GWLB\'s TCP idle timeout applies to 5-tuple flows only), got stickiness "source_ip_dest_ip_proto"' },
      ]);
    });

    it("accepts only IAM principal ARNs without paths, or \"*\", each once", () => {
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("svc", {
        network: plainNetwork(),
        allowedPrincipals: ["arn:aws:iam::210987654321:role/team/deployer", "arn:aws:sts::210987654321:assumed-role/x/y", "*", "*", 42 as never],
      })), [
        { propertyPath: "allowedPrincipals[0]", reason: 'must be "*" or the IAM ARN of an account root, user or role without a path (e.g. "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/NAME"), got "arn:aws:iam::210987654321:role/team/deployer"' },
        { propertyPath: "allowedPrincipals[1]", reason: 'must be "*" or the IAM ARN of an account root, user or role without a path (e.g. "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/NAME"), got "arn:aws:sts::210987654321:assumed-role/x/y"' },
        { propertyPath: "allowedPrincipals[3]", reason: '"*" is listed twice' },
        { propertyPath: "allowedPrincipals[4]", reason: 'must be "*" or the IAM ARN of an account root, user or role without a path (e.g. "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/NAME"), got 42' },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("svc", { network: plainNetwork(), allowedPrincipals: "*" as never })), [
        { propertyPath: "allowedPrincipals", reason: 'must be a list of IAM principal ARNs or "*", got "*"' },
      ]);
    });

    it("explains fleet sizes that make no sense", () => {
      const network = plainNetwork();
      const sizes = (fleet: GwlbApplianceFleetArgs["fleet"], extra: Partial<GwlbApplianceFleetArgs> = {}) => problemsOf(() => new GwlbApplianceFleet("sz", { network, fleet, ...extra }));
      assert.deepEqual(sizes({ minSize: 5, maxSize: 4 }), [{ propertyPath: "fleet.minSize", reason: "must not exceed fleet.maxSize (4), got 5" }]);
      assert.deepEqual(sizes({ minSize: 2, desiredCapacity: 5, maxSize: 4 }), [{ propertyPath: "fleet.desiredCapacity", reason: "must be from fleet.minSize (2) to fleet.maxSize (4), got 5" }]);
      assert.deepEqual(sizes({ minSize: 2, desiredCapacity: 1 }), [{ propertyPath: "fleet.desiredCapacity", reason: "must be from fleet.minSize (2) to fleet.maxSize (4), got 1" }]);
      assert.deepEqual(sizes({ minSize: 1.5, desiredCapacity: "2" as never }), [
        { propertyPath: "fleet.minSize", reason: "must be a whole number, got 1.5" },
        { propertyPath: "fleet.desiredCapacity", reason: 'must be a whole number, got "2"' },
      ]);
      assert.deepEqual(sizes({ maxSize: 601 }), [
        { propertyPath: "fleet.maxSize", reason: "must be at most 600: a GENEVE target group holds 300 targets per AZ and the fleet spans 2 AZs, got 601" },
      ]);
      assert.deepEqual(sizes({ minSize: 1, desiredCapacity: 1 }, { enableCrossZoneLoadBalancing: false }), [
        { propertyPath: "fleet.minSize", reason: "must be at least the number of AZs (2) when enableCrossZoneLoadBalancing is false: each AZ's GWLB node then sends only to appliances in its own AZ, got 1" },
      ]);
      assert.deepEqual(sizes({ rootVolumeSizeGiB: 4, healthCheckGracePeriodSeconds: -1, minHealthyPercentage: 101, detailedMonitoring: "on" as never }), [
        { propertyPath: "fleet.rootVolumeSizeGiB", reason: "must be from 8 to 16384, got 4" },
        { propertyPath: "fleet.healthCheckGracePeriodSeconds", reason: "must not be negative, got -1" },
        { propertyPath: "fleet.minHealthyPercentage", reason: "must be from 0 to 100, got 101" },
        { propertyPath: "fleet.detailedMonitoring", reason: 'must be true or false, got "on"' },
      ]);
      // Exactly at the quota is fine when the subnets can hold 300 appliances each.
      const roomy = plainNetwork({ subnetCidrs: { "ap-northeast-2a": "10.21.4.0/22", "ap-northeast-2c": "10.21.8.0/22" } });
      assert.notEqual(validateGwlbApplianceFleetArgs({ network: roomy, fleet: { maxSize: 600 } }, new Problems()), undefined);
    });

    it("requires the instance type to match the architecture", () => {
      const network = plainNetwork();
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("arch", { network, fleet: { architecture: "arm64", instanceType: "c7i.large" } })), [
        { propertyPath: "fleet.instanceType", reason: '"c7i.large" is an x86_64 instance type but fleet.architecture is "arm64"; the image follows the architecture, so they must agree' },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("arch", { network, fleet: { instanceType: "large" } })), [
        { propertyPath: "fleet.instanceType", reason: 'must be an EC2 instance type such as "c7g.large", got "large"' },
      ]);
    });

    it("refuses more appliances per AZ than the subnets can hold next to the GWLB's 8 addresses", async () => {
      const vpc = await inspectionVpc({ applianceSubnetCidrs: ["10.21.11.0/28", "10.21.12.0/28"] });
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("small", { network: vpc, fleet: { maxSize: 8 } })), [
        { propertyPath: "fleet.maxSize", reason: "8 appliances put up to 4 in ap-northeast-2a, whose subnet 10.21.11.0/28 has 11 usable addresses; the GWLB needs 8 of them, so at most 3 remain for appliances" },
        { propertyPath: "fleet.maxSize", reason: "8 appliances put up to 4 in ap-northeast-2c, whose subnet 10.21.12.0/28 has 11 usable addresses; the GWLB needs 8 of them, so at most 3 remain for appliances" },
      ]);
      new GwlbApplianceFleet("small", { network: vpc, fleet: { maxSize: 6 } });
      await settle();
      assert.equal(recorder.one(T.asg, "small-asg").inputs.maxSize, 6);
    });

    it("checks the network it is given", () => {
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("net", { network: undefined as never })), [
        { propertyPath: "network", reason: "must be an InspectionNetwork such as an InspectionVpc, got nothing" },
      ]);
      const broken = plainNetwork({
        cidrBlock: "10.21.0.0/33",
        internetAccess: "nat" as never,
        subnetIds: { "ap-northeast-2a": pulumi.output("subnet-a") },
        subnetCidrs: { "ap-northeast-2a": "10.21.11.0/24", "ap-northeast-2c": "10.21.12.0" },
      });
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("net", { network: broken })), [
        { propertyPath: "network.cidrBlock", reason: '"10.21.0.0/33" has a prefix length above 32' },
        { propertyPath: "network.internetAccess", reason: 'must be one of "none", "igw", got "nat"' },
        { propertyPath: "network.subnetCidrs.ap-northeast-2c", reason: '"10.21.12.0" is not an IPv4 CIDR block such as 10.0.0.0/16' },
        { propertyPath: "network.subnetIds.ap-northeast-2c", reason: "has no subnet for ap-northeast-2c, one of network.availabilityZones" },
      ]);
      assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("net", { network: plainNetwork({ availabilityZones: [] }) })), [
        { propertyPath: "network.availabilityZones", reason: "must list at least one availability zone, got an array of 0" },
      ]);
    });

    it("is a pure validator a stack-level check can merge, returning every default", () => {
      const problems = new Problems();
      // Before anything is built there are no subnet ids yet; the pure validator does not need them.
      const valid = validateGwlbApplianceFleetArgs({ network: plainNetwork({ subnetIds: {} }) }, problems, "appliance");
      assert.ok(problems.isEmpty);
      assert.deepEqual(valid, {
        availabilityZones: AZS,
        vpcCidr: "10.21.0.0/16",
        subnetCidrs: { "ap-northeast-2a": "10.21.11.0/24", "ap-northeast-2c": "10.21.12.0/24" },
        internetAccess: "none",
        enableCrossZoneLoadBalancing: true,
        enableDeletionProtection: false,
        healthCheck: { protocol: "HTTP", port: 80, path: "/healthz", matcher: "200-399", intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
        deregistrationDelaySeconds: 300,
        stickiness: "5-tuple",
        targetFailover: "no_rebalance",
        acceptanceRequired: false,
        allowedPrincipals: [],
        fleet: {
          architecture: "arm64", instanceType: "c7g.large", minSize: 2, desiredCapacity: 2, maxSize: 4,
          rootVolumeSizeGiB: 16, healthCheckGracePeriodSeconds: 300, minHealthyPercentage: 90, detailedMonitoring: true,
        },
      });

      const stack = new Problems();
      const inner = new Problems();
      assert.equal(validateGwlbApplianceFleetArgs({ network: plainNetwork(), stickiness: "4-tuple" as never }, inner), undefined);
      stack.merge(inner, "inspection.");
      assert.deepEqual(stack.list, [{ propertyPath: "inspection.stickiness", reason: 'must be one of "5-tuple", "source_ip_dest_ip_proto", "source_ip_dest_ip", got "4-tuple"' }]);
      assert.equal(recorder.registrations.length, 0);
    });
  });

  describe("helpers", () => {
    it("exports the enums as constant lists", () => {
      assert.deepEqual(STICKINESS_MODES, ["5-tuple", "source_ip_dest_ip_proto", "source_ip_dest_ip"]);
      assert.deepEqual(TARGET_FAILOVER_MODES, ["rebalance", "no_rebalance"]);
      assert.deepEqual(HEALTH_CHECK_PROTOCOLS, ["TCP", "HTTP", "HTTPS"]);
    });

    it("tells Graviton instance families from x86 ones", () => {
      const table: Array<[string, string]> = [
        ["c7g.large", "arm64"], ["c7gn.xlarge", "arm64"], ["m6gd.2xlarge", "arm64"], ["t4g.small", "arm64"], ["im4gn.large", "arm64"],
        ["c8g.medium", "arm64"], ["a1.large", "arm64"],
        ["c7i.large", "x86_64"], ["c6in.xlarge", "x86_64"], ["c5n.large", "x86_64"], ["m7i-flex.large", "x86_64"], ["g4dn.xlarge", "x86_64"],
        ["g5.xlarge", "x86_64"], ["t3.micro", "x86_64"],
      ];
      for (const [type, arch] of table) assert.equal(instanceTypeArchitecture(type), arch, type);
    });

    it("names principal resources stably from the principal itself", () => {
      assert.equal(principalSlug("*"), "everyone");
      assert.equal(principalSlug("arn:aws:iam::210987654321:root"), "210987654321-root");
      assert.equal(principalSlug("arn:aws-us-gov:iam::210987654321:user/ops"), "210987654321-user-ops");
    });
  });
});
