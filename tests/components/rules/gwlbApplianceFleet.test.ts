import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AZS, inspectionVpc, plainNetwork } from "../../support/fleetNetworks";
import { problemsOf } from "../../support/inputErrors";
import { installMocks, recorder, settle } from "../../support/mocks";

installMocks();
// Imported after the mocks are installed, as a Pulumi program would be.
import { GwlbApplianceFleet, GwlbApplianceFleetArgs, Problems, validateGwlbApplianceFleetArgs } from "../../../components";

const ASG = "aws:autoscaling/group:Group";

describe("GwlbApplianceFleet validation", () => {
  beforeEach(() => recorder.reset());

  it("reports every bad argument at once, naming each input, and registers nothing", async () => {
    const vpc = await inspectionVpc();
    const errors = problemsOf(() => new GwlbApplianceFleet("a-name-that-is-too-long", {
      network: vpc,
      enableCrossZoneLoadBalancing: "yes" as never,
      healthCheck: { protocol: "UDP", port: 0, intervalSeconds: 4, timeoutSeconds: 1, healthyThreshold: 11, unhealthyThreshold: 1.5 } as never,
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
      { propertyPath: "healthCheck.protocol", reason: "is the agent's (HTTP on /healthz, answering 200 while it forwards and 503 while it drains), so it cannot be set; remove it" },
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

  it("keeps the health check timeout within the interval, and protocol, path and matcher the agent's", () => {
    const network = plainNetwork();
    assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("hc", { network, healthCheck: { intervalSeconds: 10, timeoutSeconds: 11 } })), [
      { propertyPath: "healthCheck.timeoutSeconds", reason: "must not exceed healthCheck.intervalSeconds (10): AWS requires the interval to be at least the timeout, got 11" },
    ]);
    const agents = "is the agent's (HTTP on /healthz, answering 200 while it forwards and 503 while it drains), so it cannot be set; remove it";
    assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("hc", { network, healthCheck: { protocol: "TCP", path: "/ready", matcher: "200" } as never })), [
      { propertyPath: "healthCheck.protocol", reason: agents },
      { propertyPath: "healthCheck.path", reason: agents },
      { propertyPath: "healthCheck.matcher", reason: agents },
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

  it("refuses endpoints from every account unless each connection must be accepted", () => {
    assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("svc", { network: plainNetwork(), allowedPrincipals: ["arn:aws:iam::210987654321:root", "*"] })), [
      { propertyPath: "allowedPrincipals[1]", reason: '"*" lets any AWS account create endpoints to the service and send its traffic through the fleet; allow everyone only with acceptanceRequired: true, so that each connection is accepted before it carries traffic' },
    ]);
    assert.notEqual(validateGwlbApplianceFleetArgs({ network: plainNetwork(), allowedPrincipals: ["*"], acceptanceRequired: true }, new Problems()), undefined);
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
      { propertyPath: "fleet.healthCheckGracePeriodSeconds", reason: "must be at least 300: a new appliance installs Node.js, nftables and the agent through SSM before its first health check can pass, got -1" },
      { propertyPath: "fleet.minHealthyPercentage", reason: "must be from 0 to 100, got 101" },
      { propertyPath: "fleet.detailedMonitoring", reason: 'must be true or false, got "on"' },
    ]);
    // Exactly at the quota is fine when the subnets can hold 300 appliances each.
    const roomy = plainNetwork({ subnetCidrs: { "ap-northeast-2a": "10.21.4.0/22", "ap-northeast-2c": "10.21.8.0/22" } });
    assert.notEqual(validateGwlbApplianceFleetArgs({ network: roomy, fleet: { maxSize: 600 } }, new Problems()), undefined);
  });

  it("takes an image the whole fleet can share", () => {
    assert.deepEqual(["ami-12345", "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", 7].flatMap((image) =>
      problemsOf(() => new GwlbApplianceFleet("img", { network: plainNetwork(), fleet: { image: image as string } })).map((p) => `${p.propertyPath}: ${p.reason}`)), [
      'fleet.image: must be an AMI id ("ami-0123456789abcdef0"), a versioned SSM parameter ("resolve:ssm:/NAME:VERSION"), "latest", or left out to pin the newest Amazon Linux 2023 image at deploy time, got "ami-12345"',
      'fleet.image: must be an AMI id ("ami-0123456789abcdef0"), a versioned SSM parameter ("resolve:ssm:/NAME:VERSION"), "latest", or left out to pin the newest Amazon Linux 2023 image at deploy time, got "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"',
      'fleet.image: must be an AMI id ("ami-0123456789abcdef0"), a versioned SSM parameter ("resolve:ssm:/NAME:VERSION"), "latest", or left out to pin the newest Amazon Linux 2023 image at deploy time, got 7',
    ]);
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

  it("counts every address the stack places in a subnet: the GWLB's 8, the interface endpoints', the appliances'", async () => {
    // Private: 27 usable addresses in a /27, less 8 for the GWLB and 4 for the ssm, ssmmessages, ec2messages and logs endpoints.
    const vpc = await inspectionVpc({ applianceSubnetCidrs: ["10.21.11.0/27", "10.21.12.0/27"] });
    assert.equal(vpc.endpointAddressesPerSubnet, 4);
    assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("small", { network: vpc, fleet: { maxSize: 32 } })), [
      { propertyPath: "fleet.maxSize", reason: "32 appliances put up to 16 in ap-northeast-2a, whose subnet 10.21.11.0/27 has 27 usable addresses; the GWLB takes 8 of them and the network's interface endpoints 4, so at most 15 remain for appliances" },
      { propertyPath: "fleet.maxSize", reason: "32 appliances put up to 16 in ap-northeast-2c, whose subnet 10.21.12.0/27 has 27 usable addresses; the GWLB takes 8 of them and the network's interface endpoints 4, so at most 15 remain for appliances" },
    ]);
    new GwlbApplianceFleet("small", { network: vpc, fleet: { maxSize: 30 } });
    await settle();
    assert.equal(recorder.one(ASG, "small-asg").inputs.maxSize, 30);

    // With an internet gateway there are no endpoints: a /28 holds the GWLB and 3 appliances.
    recorder.reset();
    const public28 = await inspectionVpc({ internetAccess: "igw", applianceSubnetCidrs: ["10.21.11.0/28", "10.21.12.0/28"] });
    assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("pub", { network: public28, fleet: { maxSize: 8 } })).map((p) => p.reason), [
      "8 appliances put up to 4 in ap-northeast-2a, whose subnet 10.21.11.0/28 has 11 usable addresses; the GWLB takes 8 of them, so at most 3 remain for appliances",
      "8 appliances put up to 4 in ap-northeast-2c, whose subnet 10.21.12.0/28 has 11 usable addresses; the GWLB takes 8 of them, so at most 3 remain for appliances",
    ]);
    assert.notEqual(validateGwlbApplianceFleetArgs({ network: public28, fleet: { minSize: 2, maxSize: 6 } }, new Problems()), undefined);
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
    assert.deepEqual(problemsOf(() => new GwlbApplianceFleet("net", { network: plainNetwork({ serviceEndpoints: undefined, endpointAddressesPerSubnet: -1 }) })), [
      { propertyPath: "network.endpointAddressesPerSubnet", reason: "must be from 0 to 255, got -1" },
      { propertyPath: "network.serviceEndpoints", reason: 'must name the interface endpoints\' security group and the S3 prefix list of a network with internetAccess "none": the appliances\' HTTPS may go only there' },
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
      endpointAddressesPerSubnet: 4,
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
        rootVolumeSizeGiB: 16, healthCheckGracePeriodSeconds: 600, minHealthyPercentage: 90, detailedMonitoring: true,
        image: { choice: "deployed" },
      },
      metricsSourceCidrs: [],
      agent: {
        policyText: '{"version":1,"description":"Allow everything (the default policy of GwlbApplianceFleet)","defaultAction":"allow","failMode":"open","rules":[]}',
        policyTier: "Standard",
        fastPath: "auto",
        slowPathMaxPps: 0,
        rolloutMaxConcurrency: "50%",
        rolloutMaxErrors: "0",
        healthWaitSeconds: 120,
      },
      targetCpuPercent: 60,
      logRetentionInDays: 30,
    });

    const stack = new Problems();
    const inner = new Problems();
    assert.equal(validateGwlbApplianceFleetArgs({ network: plainNetwork(), stickiness: "4-tuple" as never }, inner), undefined);
    stack.merge(inner, "inspection.");
    assert.deepEqual(stack.list, [{ propertyPath: "inspection.stickiness", reason: 'must be one of "5-tuple", "source_ip_dest_ip_proto", "source_ip_dest_ip", got "4-tuple"' }]);
    assert.equal(recorder.registrations.length, 0);
  });
});
