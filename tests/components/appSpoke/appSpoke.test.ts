import * as assert from "node:assert/strict";
import { installMocks, recorder, settle, valueOf } from "../../support/mocks";
import { associationLines, tgwRouteLines, vpcRouteLines } from "../../support/routeView";

installMocks();
import * as awsx from "@pulumi/awsx";
import { AppSpoke, CentralEgress, CentralEgressArgs, spokeVpcFromAwsx } from "../../../components";

const AZS = ["ap-northeast-2a", "ap-northeast-2c"];
const inspection = { endpointServiceName: "com.amazonaws.vpce.ap-northeast-2.vpce-svc-0123456789abcdef0", availabilityZones: AZS, stickiness: "5-tuple" };

function hub(extra: Partial<CentralEgressArgs> = {}): CentralEgress {
  return new CentralEgress("sec", { cidrBlock: "10.20.0.0/16", availabilityZones: AZS, inspection, ...extra });
}


/** Lines of the hub's base routes (no spoke), for filtering them out of a full listing. */
const HUB_BASE_NAT_FIRST = [
  "sec-gwlbe-rt-2a: 0.0.0.0/0 -> sec-igw",
  "sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-igw",
  "sec-ingress-rt: 10.20.11.0/24 -> sec-endpoint-2a",
  "sec-ingress-rt: 10.20.13.0/24 -> sec-endpoint-2c",
  "sec-public-rt-2a: 0.0.0.0/0 -> sec-endpoint-2a",
  "sec-public-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
  "sec-tgw-rt-2a: 0.0.0.0/0 -> sec-nat-2a",
  "sec-tgw-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
];

describe("AppSpoke", () => {
  beforeEach(() => recorder.reset());

  it("attaches the seed's app01 spoke with its web tier and public ALB (nat-first, east-west blocked)", async () => {
    const sec = hub();
    const app = new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: AZS, workload: true, publicIngress: true });
    await settle();

    const spokeOwn = recorder.registrations.filter((r) => r.name.startsWith("app01"));
    const counts: Record<string, number> = {};
    for (const r of spokeOwn) counts[r.type] = (counts[r.type] ?? 0) + 1;
    assert.deepEqual(Object.fromEntries(Object.entries(counts).sort()), {
      "aws:autoscaling/group:Group": 1,
      "aws:ec2/launchTemplate:LaunchTemplate": 1,
      "aws:ec2/route:Route": 5,
      "aws:ec2/routeTable:RouteTable": 1,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
      "aws:ec2/securityGroup:SecurityGroup": 2,
      "aws:ec2/subnet:Subnet": 4,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2transitgateway/route:Route": 2,
      "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": 1,
      "aws:ec2transitgateway/vpcAttachment:VpcAttachment": 1,
      "aws:iam/instanceProfile:InstanceProfile": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
      "aws:lb/listener:Listener": 2,
      "aws:lb/loadBalancer:LoadBalancer": 2,
      "aws:lb/targetGroup:TargetGroup": 2,
      "aws:lb/targetGroupAttachment:TargetGroupAttachment": 2,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 4,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4,
      "gwlb:network:AppSpoke": 1,
    });

    // Seed step 9: app01-pri-rt sends everything to the TGW; the hub returns spoke traffic via the TGW.
    assert.deepEqual(vpcRouteLines().filter((l) => !HUB_BASE_NAT_FIRST.includes(l)), [
      "app01-private-rt: 0.0.0.0/0 -> sec-tgw",
      "sec-gwlbe-rt-2a: 10.10.0.0/16 -> sec-tgw",
      "sec-gwlbe-rt-2c: 10.10.0.0/16 -> sec-tgw",
      "sec-public-rt-2a: 10.10.0.0/16 -> sec-tgw",
      "sec-public-rt-2c: 10.10.0.0/16 -> sec-tgw",
    ]);
    assert.deepEqual(tgwRouteLines(), [
      "sec-hub-tgw-rt: 10.10.0.0/16 -> app01-tgw-attachment",
      "sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment",
      "sec-spoke-tgw-rt: 10.10.0.0/16 -> blackhole",
    ]);
    assert.ok(associationLines().includes("sec-spoke-tgw-rt <- app01-tgw-attachment"));
    const attachment = recorder.one("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "app01-tgw-attachment").inputs;
    assert.deepEqual(
      [attachment.applianceModeSupport, attachment.transitGatewayDefaultRouteTableAssociation, attachment.transitGatewayDefaultRouteTablePropagation,
        attachment.subnetIds.map((id: string) => recorder.byId(id)?.name)],
      ["disable", false, false, ["app01-tgw-2a", "app01-tgw-2c"]],
    );

    // The internal NLB has fixed addresses; the ALB reaches them as ip targets in AZ "all".
    assert.deepEqual(app.nlbAddresses, { "ap-northeast-2a": "10.10.21.10", "ap-northeast-2c": "10.10.23.10" });
    const nlb = recorder.one("aws:lb/loadBalancer:LoadBalancer", "app01-web-nlb").inputs;
    assert.deepEqual([nlb.loadBalancerType, nlb.internal], ["network", true]);
    assert.deepEqual(nlb.subnetMappings.map((m: { subnetId: string; privateIpv4Address: string }) => [recorder.byId(m.subnetId)?.name, m.privateIpv4Address]), [
      ["app01-private-2a", "10.10.21.10"],
      ["app01-private-2c", "10.10.23.10"],
    ]);
    const targets = recorder.ofType("aws:lb/targetGroupAttachment:TargetGroupAttachment").map((t) => [t.name, t.inputs.targetId, t.inputs.port, t.inputs.availabilityZone]).sort();
    assert.deepEqual(targets, [["app01-alb-target-2a", "10.10.21.10", 80, "all"], ["app01-alb-target-2c", "10.10.23.10", 80, "all"]]);
    const albTg = recorder.one("aws:lb/targetGroup:TargetGroup", "app01-alb-tg").inputs;
    assert.deepEqual([albTg.protocol, albTg.port, albTg.targetType, recorder.byId(albTg.vpcId)?.name], ["HTTP", 80, "ip", "sec-vpc"]);
    const alb = recorder.one("aws:lb/loadBalancer:LoadBalancer", "app01-alb").inputs;
    assert.deepEqual([alb.loadBalancerType, alb.internal, alb.dropInvalidHeaderFields, alb.subnets.map((id: string) => recorder.byId(id)?.name)],
      ["application", false, true, ["sec-public-2a", "sec-public-2c"]]);

    const rules = [
      ...recorder.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => ["in", r.name, recorder.byId(r.inputs.securityGroupId)?.name, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4]),
      ...recorder.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => ["out", r.name, recorder.byId(r.inputs.securityGroupId)?.name, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4]),
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    assert.deepEqual(rules, [
      ["in", "app01-alb-http-in-0", "app01-alb-sg", "tcp", 80, 80, "0.0.0.0/0"],
      ["out", "app01-alb-to-nlb-2a", "app01-alb-sg", "tcp", 80, 80, "10.10.21.10/32"],
      ["out", "app01-alb-to-nlb-2c", "app01-alb-sg", "tcp", 80, 80, "10.10.23.10/32"],
      ["in", "app01-web-http-in-0", "app01-web-sg", "tcp", 80, 80, "10.10.0.0/16"],
      ["in", "app01-web-http-in-1", "app01-web-sg", "tcp", 80, 80, "10.20.11.0/24"],
      ["in", "app01-web-http-in-2", "app01-web-sg", "tcp", 80, 80, "10.20.13.0/24"],
      ["out", "app01-web-out-443", "app01-web-sg", "tcp", 443, 443, "0.0.0.0/0"],
      ["out", "app01-web-out-80", "app01-web-sg", "tcp", 80, 80, "0.0.0.0/0"],
    ]);

    const lt = recorder.one("aws:ec2/launchTemplate:LaunchTemplate", "app01-web-lt").inputs;
    assert.equal(lt.imageId, "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    assert.deepEqual(lt.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    assert.deepEqual(lt.blockDeviceMappings, [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: 8, encrypted: "true", deleteOnTermination: "true" } }]);
    assert.equal(lt.keyName, undefined);
    const page = Buffer.from(lt.userData, "base64").toString();
    assert.match(page, /<h1>Gateway Load Balancer Test:<\/h1>/);
    assert.match(page, /X-aws-ec2-metadata-token-ttl-seconds/);
    const asg = recorder.one("aws:autoscaling/group:Group", "app01-web-asg").inputs;
    assert.deepEqual([asg.minSize, asg.desiredCapacity, asg.maxSize, asg.vpcZoneIdentifiers.map((id: string) => recorder.byId(id)?.name)],
      [2, 2, 2, ["app01-private-2a", "app01-private-2c"]]);
  });

  it("owns the resources of its attachment, which the hub builds through attachSpoke", async () => {
    const sec = hub();
    const app = new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: AZS });
    await settle();
    // The URNs the SDK gives the children (no recorder involved): the attachment and the hub's return
    // route are children of the spoke, so they are deleted with it, not with the hub.
    const spokeChild = (type: string, name: string) => `urn:pulumi:test::gwlb-inspection::gwlb:network:AppSpoke$${type}::${name}`;
    assert.equal(await valueOf(app.attachment.urn), spokeChild("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "app01-tgw-attachment"));
    assert.equal(await valueOf(sec.vpc.urn), "urn:pulumi:test::gwlb-inspection::gwlb:network:CentralEgress$aws:ec2/vpc:Vpc::sec-vpc");
    assert.deepEqual(sec.attachedSpokes, [{ name: "app01", cidrBlock: "10.10.0.0/16" }]);
    const owned = recorder.registrations.filter((r) => r.name.startsWith("app01-hub-") || ["app01-tgw-attachment", "app01-tgw-rt-association", "app01-east-west-blackhole"].includes(r.name));
    assert.deepEqual(owned.map((r) => r.name).sort(), [
      "app01-east-west-blackhole", "app01-hub-gwlbe-2a", "app01-hub-gwlbe-2c", "app01-hub-public-2a", "app01-hub-public-2c",
      "app01-hub-tgw-return", "app01-tgw-attachment", "app01-tgw-rt-association",
    ]);
    const appUrn = await valueOf(app.urn);
    for (const r of owned) assert.equal(r.parentUrn, appUrn, r.name);
  });

  it("routes east-west traffic through the same-AZ endpoint when the hub inspects it", async () => {
    const sec = hub({ eastWest: "inspect" });
    new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: AZS });
    new AppSpoke("app02", { hub: sec, cidrBlock: "10.11.0.0/16", availabilityZones: AZS });
    await settle();
    assert.deepEqual(vpcRouteLines().filter((l) => l.startsWith("sec-tgw-rt")), [
      "sec-tgw-rt-2a: 0.0.0.0/0 -> sec-nat-2a",
      "sec-tgw-rt-2a: 10.10.0.0/16 -> sec-endpoint-2a",
      "sec-tgw-rt-2a: 10.11.0.0/16 -> sec-endpoint-2a",
      "sec-tgw-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
      "sec-tgw-rt-2c: 10.10.0.0/16 -> sec-endpoint-2c",
      "sec-tgw-rt-2c: 10.11.0.0/16 -> sec-endpoint-2c",
    ]);
    assert.deepEqual(tgwRouteLines(), [
      "sec-hub-tgw-rt: 10.10.0.0/16 -> app01-tgw-attachment",
      "sec-hub-tgw-rt: 10.11.0.0/16 -> app02-tgw-attachment",
      "sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment",
    ]);
  });

  it("sends NAT replies for the spoke into the endpoint with inspect-first", async () => {
    const sec = hub({ egressInspectionOrder: "inspect-first" });
    new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: AZS });
    await settle();
    assert.deepEqual(vpcRouteLines(), [
      "app01-private-rt: 0.0.0.0/0 -> sec-tgw",
      "sec-gwlbe-rt-2a: 0.0.0.0/0 -> sec-nat-2a",
      "sec-gwlbe-rt-2a: 10.10.0.0/16 -> sec-tgw",
      "sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
      "sec-gwlbe-rt-2c: 10.10.0.0/16 -> sec-tgw",
      "sec-public-rt-2a: 0.0.0.0/0 -> sec-igw",
      "sec-public-rt-2a: 10.10.0.0/16 -> sec-endpoint-2a",
      "sec-public-rt-2c: 0.0.0.0/0 -> sec-igw",
      "sec-public-rt-2c: 10.10.0.0/16 -> sec-endpoint-2c",
      "sec-tgw-rt-2a: 0.0.0.0/0 -> sec-endpoint-2a",
      "sec-tgw-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
    ]);
  });

  it("adopts an existing awsx VPC: attachment in its private subnets, default route in their route tables", async () => {
    const sec = hub();
    const legacy = new awsx.ec2.Vpc("legacy", { cidrBlock: "10.30.0.0/16", availabilityZoneNames: AZS, natGateways: { strategy: "None" } });
    new AppSpoke("legacy-spoke", { hub: sec, availabilityZones: AZS, existingVpc: spokeVpcFromAwsx(legacy, "10.30.0.0/16", AZS.length) });
    await settle();
    const awsxVpc = recorder.one("awsx:ec2:Vpc", "legacy");
    const suffix = awsxVpc.id.slice(-6);
    const attachment = recorder.one("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "legacy-spoke-tgw-attachment").inputs;
    assert.deepEqual([attachment.vpcId, attachment.subnetIds], [`vpc-${awsxVpc.id.slice(-8)}`, [`subnet-${suffix}p0`, `subnet-${suffix}p1`]]);
    assert.deepEqual(vpcRouteLines().filter((l) => l.startsWith("rtb-of")), [
      `rtb-of-subnet-${suffix}p0: 0.0.0.0/0 -> sec-tgw`,
      `rtb-of-subnet-${suffix}p1: 0.0.0.0/0 -> sec-tgw`,
    ]);
    assert.deepEqual(recorder.invocations.filter((i) => i.token === "aws:ec2/getRouteTable:getRouteTable").map((i) => i.inputs.subnetId).sort(),
      [`subnet-${suffix}p0`, `subnet-${suffix}p1`]);
    assert.equal(recorder.ofType("aws:ec2/vpc:Vpc").filter((v) => v.name.startsWith("legacy")).length, 0);
    assert.ok(tgwRouteLines().includes("sec-hub-tgw-rt: 10.30.0.0/16 -> legacy-spoke-tgw-attachment"));
  });

});
