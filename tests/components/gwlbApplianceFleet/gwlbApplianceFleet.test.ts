import * as assert from "node:assert/strict";
import { AZS, inspectionVpc } from "../../support/fleetNetworks";
import { MOCK_AL2023_IMAGES, installMocks, recorder, settle, valueOf } from "../../support/mocks";

installMocks();
// Imported after the mocks are installed, as a Pulumi program would be.
import { GwlbApplianceFleet, GwlbInspectionService, applianceUserData, principalSlug } from "../../../components";

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


function rules(type: string) {
  return recorder.ofType(type)
    .map((r) => [r.name, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId ?? r.inputs.prefixListId, r.inputs.securityGroupId])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

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
      [T.rolePolicy]: 1,
      // Shipping the agent (agentDelivery.test.ts asserts each): bucket, its four security resources and the bundle;
      // the policy's key and parameter; the install document and its association; two log groups.
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
      "aws:s3/bucketObjectv2:BucketObjectv2": 1,
      "aws:kms/key:Key": 1,
      "aws:ssm/parameter:Parameter": 1,
      "aws:ssm/document:Document": 1,
      "aws:ssm/association:Association": 1,
      "aws:cloudwatch/logGroup:LogGroup": 2,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
      "aws:autoscaling/policy:Policy": 1,
      [T.listener]: 1,
      [T.lb]: 1,
      [T.tg]: 1,
      [T.egress]: 4,
      [T.ingress]: 4,
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
      stickiness: { enabled: false, type: "source_ip_dest_ip_proto" },
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
    assert.deepEqual(fleet.fleetTag, { key: "gwlb:fleet", value: "gwlb-inspection/test/insp" });
    assert.deepEqual(fleet.healthCheck, {
      protocol: "HTTP", port: 80, path: "/healthz", matcher: "200-399", intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3,
    });
    const service2: GwlbInspectionService = fleet; // the hub consumes the fleet through this interface
    assert.equal(service2.stickiness, "5-tuple");
  });

  it("admits GENEVE and health checks from the GWLB subnets only, and sends HTTPS only to the AWS service endpoints", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("insp", { network: vpc });
    await settle();
    const endpointsSg = await valueOf(vpc.serviceEndpoints!.securityGroupId);
    const s3PrefixList = await valueOf(vpc.serviceEndpoints!.s3PrefixListId);
    assert.match(s3PrefixList, /^pl-/);

    const sg = recorder.one(T.sg, "insp-sg");
    assert.deepEqual(Object.keys(sg.inputs).sort(), ["description", "tags", "vpcId"], "no inline rules on the group itself");
    assert.deepEqual(rules(T.ingress), [
      ["insp-geneve-in-2a", "udp", 6081, 6081, "10.21.11.0/24", sg.id],
      ["insp-geneve-in-2c", "udp", 6081, 6081, "10.21.13.0/24", sg.id],
      ["insp-health-in-2a", "tcp", 80, 80, "10.21.11.0/24", sg.id],
      ["insp-health-in-2c", "tcp", 80, 80, "10.21.13.0/24", sg.id],
    ]);
    assert.deepEqual(rules(T.egress), [
      ["insp-geneve-out-2a", "udp", 6081, 6081, "10.21.11.0/24", sg.id],
      ["insp-geneve-out-2c", "udp", 6081, 6081, "10.21.13.0/24", sg.id],
      ["insp-https-to-endpoints", "tcp", 443, 443, endpointsSg, sg.id],
      ["insp-https-to-s3", "tcp", 443, 443, s3PrefixList, sg.id],
    ]);
  });

  it("gives the instances a role that only EC2 may assume, with one inline policy and no managed one", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("insp", { network: vpc });
    await settle();

    const role = recorder.one(T.role, "insp-role");
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), EC2_TRUST);
    // AmazonSSMManagedInstanceCore would grant ssm:GetParameter on every parameter: the inline policy
    // (asserted statement by statement in agentDelivery.test.ts) grants the fleet's own only.
    assert.deepEqual(recorder.ofType(T.attachment), []);
    assert.deepEqual(recorder.ofType(T.rolePolicy).map((p) => [p.name, p.inputs.role]), [["insp-policy", role.id]]);
    assert.equal(recorder.ofType("aws:iam/policy:Policy").length, 0, "no customer managed policies");
    assert.equal(role.inputs.managedPolicyArns, undefined);
    assert.equal(role.inputs.inlinePolicies, undefined);
    assert.deepEqual(recorder.one(T.profile, "insp-instance-profile").inputs, { role: "insp-role", tags: { Name: "insp-instance-profile" } });
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
      // The newest arm64 image when the stack was deployed, pinned: a scale-out boots what its peers run.
      imageId: MOCK_AL2023_IMAGES.arm64,
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
      healthCheckGracePeriod: 600,
      minSize: 2,
      desiredCapacity: 2,
      maxSize: 4,
      launchTemplate: { id: lt.id, version: "1" },
      instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 90 } },
      tags: [
        { key: "Name", value: "insp-asg", propagateAtLaunch: false },
        { key: "gwlb:fleet", value: "gwlb-inspection/test/insp", propagateAtLaunch: true },
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
    // With no service endpoints, SSM's public endpoints are reached over the internet.
    assert.deepEqual(rules(T.egress).filter((r) => String(r[0]).includes("https")), [["pub-https-out", "tcp", 443, 443, "0.0.0.0/0", sg.id]]);
  });

  it("applies every option: health check port and timings, 2-tuple stickiness, rebalance, cross-zone off, x86_64, principals, tags", async () => {
    const vpc = await inspectionVpc();
    const fleet = new GwlbApplianceFleet("opt", {
      network: vpc,
      enableCrossZoneLoadBalancing: false,
      enableDeletionProtection: true,
      healthCheck: { port: 8080, intervalSeconds: 30, timeoutSeconds: 30, healthyThreshold: 2, unhealthyThreshold: 10 },
      deregistrationDelaySeconds: 0,
      stickiness: "source_ip_dest_ip",
      targetFailover: "rebalance",
      acceptanceRequired: true,
      allowedPrincipals: ["arn:aws:iam::210987654321:root", "arn:aws:iam::210987654321:role/hub-deployer", "*"],
      fleet: { architecture: "x86_64", minSize: 3, desiredCapacity: 4, maxSize: 6, rootVolumeSizeGiB: 8, healthCheckGracePeriodSeconds: 600, minHealthyPercentage: 50, detailedMonitoring: false },
      metricsSourceCidrs: ["10.99.0.0/24"],
      tags: { team: "netsec" },
    });
    await settle();

    const lb = recorder.one(T.lb, "opt-gwlb").inputs;
    assert.deepEqual([lb.enableCrossZoneLoadBalancing, lb.enableDeletionProtection, lb.tags], [false, true, { team: "netsec", Name: "opt-gwlb" }]);
    const tg = recorder.one(T.tg, "opt-tg").inputs;
    assert.deepEqual(tg.healthCheck, { enabled: true, protocol: "HTTP", port: "8080", path: "/healthz", matcher: "200-399", interval: 30, timeout: 30, healthyThreshold: 2, unhealthyThreshold: 10 });
    assert.deepEqual(tg.stickiness, { enabled: true, type: "source_ip_dest_ip" });
    assert.deepEqual(tg.targetFailovers, [{ onDeregistration: "rebalance", onUnhealthy: "rebalance" }]);
    assert.equal(tg.deregistrationDelay, 0);
    assert.deepEqual(fleet.healthCheck, { protocol: "HTTP", port: 8080, path: "/healthz", matcher: "200-399", intervalSeconds: 30, timeoutSeconds: 30, healthyThreshold: 2, unhealthyThreshold: 10 });
    assert.equal(fleet.stickiness, "source_ip_dest_ip");

    const sg = recorder.one(T.sg, "opt-sg");
    assert.deepEqual(recorder.one(T.ingress, "opt-health-in-2a").inputs, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 8080, toPort: 8080, cidrIpv4: "10.21.11.0/24",
      description: "HTTP health checks from the GWLB in ap-northeast-2a", tags: { team: "netsec", Name: "opt-health-in-2a" },
    });
    assert.deepEqual(rules(T.ingress).filter((r) => String(r[0]).startsWith("opt-metrics")), [
      ["opt-metrics-in-0", "tcp", 9108, 9108, "10.99.0.0/24", sg.id],
    ]);

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
      [MOCK_AL2023_IMAGES.x86_64, "c7i.large", 8, { enabled: false }, { team: "netsec", Name: "opt-appliance" }],
    );
    const asg = recorder.one(T.asg, "opt-asg").inputs;
    assert.deepEqual(
      [asg.minSize, asg.desiredCapacity, asg.maxSize, asg.healthCheckGracePeriod, asg.instanceRefresh],
      [3, 4, 6, 600, { strategy: "Rolling", preferences: { minHealthyPercentage: 50 } }],
    );
    assert.deepEqual(asg.tags, [
      { key: "team", value: "netsec", propagateAtLaunch: false },
      { key: "Name", value: "opt-asg", propagateAtLaunch: false },
      { key: "gwlb:fleet", value: "gwlb-inspection/test/opt", propagateAtLaunch: true },
    ]);
  });

  it("turns stickiness off when a sticky target group goes back to 5-tuple (the provider keeps an absent block)", async () => {
    const vpc = await inspectionVpc();
    const targetGroupWith = async (stickiness: "source_ip_dest_ip_proto" | "5-tuple") => {
      recorder.reset();
      new GwlbApplianceFleet("sticky", { network: vpc, stickiness });
      await settle();
      return recorder.one(T.tg, "sticky-tg").inputs;
    };
    const before = await targetGroupWith("source_ip_dest_ip_proto");
    const after = await targetGroupWith("5-tuple");
    // The diff a preview would show: the stickiness block and nothing else.
    const changed = Object.keys({ ...before, ...after }).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    assert.deepEqual(changed, ["stickiness"]);
    assert.deepEqual([before.stickiness, after.stickiness], [{ enabled: true, type: "source_ip_dest_ip_proto" }, { enabled: false, type: "source_ip_dest_ip_proto" }]);
  });

  it("sets the listener's TCP idle timeout with 5-tuple stickiness and writes one rule pair per AZ with three AZs", async () => {
    const azs = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"];
    const vpc = await inspectionVpc({ availabilityZones: azs });
    new GwlbApplianceFleet("three", { network: vpc, tcpIdleTimeoutSeconds: 6000, healthCheck: { port: 8443 } });
    await settle();

    assert.equal(recorder.one(T.listener, "three-listener").inputs.tcpIdleTimeoutSeconds, 6000);
    assert.deepEqual(recorder.one(T.tg, "three-tg").inputs.stickiness, { enabled: false, type: "source_ip_dest_ip_proto" });
    assert.deepEqual(recorder.one(T.tg, "three-tg").inputs.healthCheck, {
      enabled: true, protocol: "HTTP", port: "8443", path: "/healthz", matcher: "200-399", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3,
    });
    assert.equal(recorder.one(T.lb, "three-gwlb").inputs.subnetMappings.length, 3);
    assert.equal(recorder.one(T.asg, "three-asg").inputs.vpcZoneIdentifiers.length, 3);
    const sgId = recorder.one(T.sg, "three-sg").id;
    assert.deepEqual(rules(T.ingress), [
      ["three-geneve-in-2a", "udp", 6081, 6081, "10.21.11.0/24", sgId],
      ["three-geneve-in-2b", "udp", 6081, 6081, "10.21.12.0/24", sgId],
      ["three-geneve-in-2c", "udp", 6081, 6081, "10.21.13.0/24", sgId],
      ["three-health-in-2a", "tcp", 8443, 8443, "10.21.11.0/24", sgId],
      ["three-health-in-2b", "tcp", 8443, 8443, "10.21.12.0/24", sgId],
      ["three-health-in-2c", "tcp", 8443, 8443, "10.21.13.0/24", sgId],
    ]);
    assert.deepEqual(rules(T.egress), [
      ["three-geneve-out-2a", "udp", 6081, 6081, "10.21.11.0/24", sgId],
      ["three-geneve-out-2b", "udp", 6081, 6081, "10.21.12.0/24", sgId],
      ["three-geneve-out-2c", "udp", 6081, 6081, "10.21.13.0/24", sgId],
      ["three-https-to-endpoints", "tcp", 443, 443, await valueOf(vpc.serviceEndpoints!.securityGroupId), sgId],
      ["three-https-to-s3", "tcp", 443, 443, await valueOf(vpc.serviceEndpoints!.s3PrefixListId), sgId],
    ]);
  });

  it("boots one image for the whole fleet: pinned at deploy time by default, or as given", async () => {
    const vpc = await inspectionVpc();
    const imageOf = async (name: string, image?: string) => {
      const fleet = new GwlbApplianceFleet(name, { network: vpc, fleet: image === undefined ? {} : { image } });
      await settle();
      return [fleet.image.choice, await valueOf(fleet.image.imageId), recorder.one(T.lt, `${name}-lt`).inputs.imageId];
    };
    assert.deepEqual(await imageOf("dflt"), ["deployed", MOCK_AL2023_IMAGES.arm64, MOCK_AL2023_IMAGES.arm64]);
    const parameter = recorder.invocations.filter((i) => i.token === "aws:ssm/getParameter:getParameter").map((i) => i.inputs.name);
    assert.deepEqual([...new Set(parameter)], ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"]);
    assert.deepEqual(await imageOf("ami", "ami-0123456789abcdef0"), ["pinned", "ami-0123456789abcdef0", "ami-0123456789abcdef0"]);
    const versioned = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64:42";
    assert.deepEqual(await imageOf("ver", versioned), ["versioned-parameter", versioned, versioned]);
    const latest = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
    assert.deepEqual(await imageOf("lat", "latest"), ["latest-at-launch", latest, latest]);
  });

  it("derives the architecture from an explicit instance type and sizes from the ones given", async () => {
    const vpc = await inspectionVpc();
    new GwlbApplianceFleet("x86", { network: vpc, fleet: { instanceType: "c6in.xlarge", minSize: 6 } });
    await settle();
    const lt = recorder.one(T.lt, "x86-lt").inputs;
    assert.deepEqual([lt.imageId, lt.instanceType], [MOCK_AL2023_IMAGES.x86_64, "c6in.xlarge"]);
    const asg = recorder.one(T.asg, "x86-asg").inputs;
    assert.deepEqual([asg.minSize, asg.desiredCapacity, asg.maxSize], [6, 6, 6]);
  });

  it("names principal resources stably from the principal itself", () => {
    assert.equal(principalSlug("*"), "everyone");
    assert.equal(principalSlug("arn:aws:iam::210987654321:root"), "210987654321-root");
    assert.equal(principalSlug("arn:aws-us-gov:iam::210987654321:user/ops"), "210987654321-user-ops");
  });
});
