import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../program/config";
import { MOCK_AL2023_IMAGES, recorder } from "../../offline/mockRuntime";
import { PROJECT_DIR, summarize, synthesize } from "../../offline/synthesize";
import { problemsOfAsync } from "../support/inputErrors";
import { tgwRouteLines, vpcRouteLines } from "../support/routeView";

const THREE_AZS = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"];
const TWO_SPOKES = [
  { name: "app01", cidrBlock: "10.10.0.0/16", workload: true, publicIngress: true },
  { name: "app02", cidrBlock: "10.11.0.0/16", workload: true },
];

function rejected(overrides: Record<string, unknown>) {
  return problemsOfAsync(() => synthesize("dev", overrides));
}

describe("the dev stack (index.ts under mocks)", function () {
  this.timeout(120000);

  it("declares a default in Pulumi.yaml for every key the program reads", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown; value?: unknown; type?: string }> };
    assert.deepEqual(Object.keys(project.config).sort(), Object.keys(CONFIG_KEYS).sort());
    for (const [key, spec] of Object.entries(project.config)) {
      // Typed keys carry a default; the one list of objects (no project-config type exists for it) a value.
      if (spec.type) assert.notEqual(spec.default, undefined, key);
      else assert.deepEqual([key, spec.value !== undefined], ["spokes", true]);
    }
  });

  it("synthesizes the seed's topology: resource counts per component and type", async () => {
    const s = await synthesize("dev");
    assert.deepEqual(summarize(s.registrations).map((g) => [g.type, g.name, g.total]), [
      ["gwlb:network:InspectionVpc", "appliance", 13],
      ["gwlb:inspection:GwlbApplianceFleet", "appliance", 33],
      ["gwlb:network:CentralEgress", "sec", 42],
      ["gwlb:network:AppSpoke", "app01", 42],
    ]);
    assert.deepEqual(recorder.countsByType(), {
      "aws:autoscaling/group:Group": 2,
      "aws:autoscaling/policy:Policy": 1,
      "aws:cloudwatch/logGroup:LogGroup": 2,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
      "aws:ec2/eip:Eip": 2,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/launchTemplate:LaunchTemplate": 2,
      "aws:ec2/natGateway:NatGateway": 2,
      "aws:ec2/route:Route": 13,
      "aws:ec2/routeTable:RouteTable": 9,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 13,
      "aws:ec2/securityGroup:SecurityGroup": 4,
      "aws:ec2/subnet:Subnet": 12,
      "aws:ec2/vpc:Vpc": 3,
      "aws:ec2/vpcEndpoint:VpcEndpoint": 7,
      "aws:ec2/vpcEndpointService:VpcEndpointService": 1,
      "aws:ec2transitgateway/route:Route": 3,
      "aws:ec2transitgateway/routeTable:RouteTable": 2,
      "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": 2,
      "aws:ec2transitgateway/transitGateway:TransitGateway": 1,
      "aws:ec2transitgateway/vpcAttachment:VpcAttachment": 2,
      "aws:iam/instanceProfile:InstanceProfile": 2,
      "aws:iam/role:Role": 2,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
      "aws:kms/key:Key": 1,
      "aws:lb/listener:Listener": 3,
      "aws:lb/loadBalancer:LoadBalancer": 3,
      "aws:lb/targetGroup:TargetGroup": 3,
      "aws:lb/targetGroupAttachment:TargetGroupAttachment": 2,
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketObjectv2:BucketObjectv2": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:ssm/association:Association": 1,
      "aws:ssm/document:Document": 1,
      "aws:ssm/parameter:Parameter": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 8,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 9,
      "gwlb:inspection:GwlbApplianceFleet": 1,
      "gwlb:network:AppSpoke": 1,
      "gwlb:network:CentralEgress": 1,
      "gwlb:network:InspectionVpc": 1,
    });
    assert.deepEqual(Object.keys(s.outputs).sort(), [
      "agent", "albDnsNames", "endpointIds", "endpointServiceName", "endpointsAwaitingAcceptance", "fleetAutoScalingGroupName", "fleetImage", "gwlbArn", "natPublicIps", "transitGatewayId",
    ]);
    assert.deepEqual(s.outputs.endpointsAwaitingAcceptance, {});
    assert.deepEqual(s.outputs.fleetImage, { choice: "deployed", imageId: MOCK_AL2023_IMAGES.arm64 });
    assert.deepEqual(Object.keys(s.outputs.albDnsNames as object), ["app01"]);
    assert.deepEqual(Object.keys(s.outputs.endpointIds as object), ["ap-northeast-2a", "ap-northeast-2c"]);
    // The hub's endpoints connect to the fleet's endpoint service.
    const service = recorder.ofType("aws:ec2/vpcEndpointService:VpcEndpointService")[0];
    for (const e of recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((r) => r.inputs.vpcEndpointType === "GatewayLoadBalancer")) {
      assert.equal(e.inputs.serviceName, `com.amazonaws.vpce.ap-northeast-2.${service.id}`);
    }
  });

  it("holds every route of seed steps 8 (ingress) and 9 (egress), nat-first", async () => {
    await synthesize("dev");
    assert.deepEqual(vpcRouteLines(), [
      // step 9.1: app01-pri-rt sends everything to the TGW
      "app01-private-rt: 0.0.0.0/0 -> sec-tgw",
      // steps 8.8 / 9.11: after inspection the endpoint subnet goes out through the IGW; spoke returns via the TGW
      "sec-gwlbe-rt-2a: 0.0.0.0/0 -> sec-igw",
      "sec-gwlbe-rt-2a: 10.10.0.0/16 -> sec-tgw",
      "sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-igw",
      "sec-gwlbe-rt-2c: 10.10.0.0/16 -> sec-tgw",
      // step 8.2: sec-ingress-rt sends the ALB's (and NAT's) subnet to the endpoint of its AZ
      "sec-ingress-rt: 10.20.11.0/24 -> sec-endpoint-2a",
      "sec-ingress-rt: 10.20.13.0/24 -> sec-endpoint-2c",
      // step 9.5: sec-pub-2x-rt sends internet-bound traffic to the endpoint; the ALB reaches the NLB via the TGW
      "sec-public-rt-2a: 0.0.0.0/0 -> sec-endpoint-2a",
      "sec-public-rt-2a: 10.10.0.0/16 -> sec-tgw",
      "sec-public-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
      "sec-public-rt-2c: 10.10.0.0/16 -> sec-tgw",
      // step 9.4: sec-tgw-2x-rt sends spoke egress to the NAT gateway of its AZ
      "sec-tgw-rt-2a: 0.0.0.0/0 -> sec-nat-2a",
      "sec-tgw-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
    ]);
    assert.deepEqual(tgwRouteLines(), [
      "sec-hub-tgw-rt: 10.10.0.0/16 -> app01-tgw-attachment",
      // step 9.2: gwlb-tg-out-tgrt
      "sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment",
      "sec-spoke-tgw-rt: 10.10.0.0/16 -> blackhole",
    ]);
  });

  it("holds the inspect-first routes when the spoke has no public ingress", async () => {
    await synthesize("dev", { egressInspectionOrder: "inspect-first", spokes: [{ name: "app01", cidrBlock: "10.10.0.0/16", workload: true }] });
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
    assert.equal(recorder.ofType("aws:lb/loadBalancer:LoadBalancer").filter((lb) => lb.inputs.loadBalancerType === "application").length, 0);
  });

  for (const order of ["nat-first", "inspect-first"] as const) {
    it(`scales to three AZs and two spokes with east-west inspection (${order})`, async () => {
      const spokes = order === "nat-first" ? TWO_SPOKES : TWO_SPOKES.map((s) => ({ ...s, publicIngress: false }));
      await synthesize("dev", { availabilityZones: THREE_AZS, spokes, eastWest: "inspect", egressInspectionOrder: order });
      const lines = vpcRouteLines();
      const expected: string[] = ["app01-private-rt: 0.0.0.0/0 -> sec-tgw", "app02-private-rt: 0.0.0.0/0 -> sec-tgw"];
      ["2a", "2b", "2c"].forEach((az, i) => {
        const pub = `10.20.1${i + 1}.0/24`;
        if (order === "nat-first") {
          expected.push(`sec-ingress-rt: ${pub} -> sec-endpoint-${az}`);
          expected.push(`sec-public-rt-${az}: 0.0.0.0/0 -> sec-endpoint-${az}`, `sec-gwlbe-rt-${az}: 0.0.0.0/0 -> sec-igw`, `sec-tgw-rt-${az}: 0.0.0.0/0 -> sec-nat-${az}`);
        } else {
          expected.push(`sec-public-rt-${az}: 0.0.0.0/0 -> sec-igw`, `sec-gwlbe-rt-${az}: 0.0.0.0/0 -> sec-nat-${az}`, `sec-tgw-rt-${az}: 0.0.0.0/0 -> sec-endpoint-${az}`);
        }
        for (const spoke of ["10.10.0.0/16", "10.11.0.0/16"]) {
          expected.push(`sec-public-rt-${az}: ${spoke} -> ${order === "nat-first" ? "sec-tgw" : `sec-endpoint-${az}`}`);
          expected.push(`sec-gwlbe-rt-${az}: ${spoke} -> sec-tgw`);
          expected.push(`sec-tgw-rt-${az}: ${spoke} -> sec-endpoint-${az}`);
        }
      });
      assert.deepEqual(lines, expected.sort());
      assert.deepEqual(tgwRouteLines(), [
        "sec-hub-tgw-rt: 10.10.0.0/16 -> app01-tgw-attachment",
        "sec-hub-tgw-rt: 10.11.0.0/16 -> app02-tgw-attachment",
        "sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment",
      ]);
      assert.equal(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "GatewayLoadBalancer").length, 3);
      assert.equal(recorder.ofType("aws:ec2/natGateway:NatGateway").length, 3);
      assert.equal(recorder.ofType("aws:ec2/subnet:Subnet").length, 3 + 9 + 6 + 6);
      assert.equal(recorder.one("aws:lb/loadBalancer:LoadBalancer", "appliance-gwlb").inputs.subnetMappings.length, 3);
    });
  }

  it("parents every child to its component and orders routes to an endpoint after the endpoint", async () => {
    const s = await synthesize("dev");
    const components = new Set(s.registrations.filter((r) => r.type.startsWith("gwlb:")).map((r) => r.urn));
    for (const r of s.registrations) {
      if (r.type.startsWith("gwlb:")) continue;
      assert.ok(components.has(r.parentUrn), `${r.type} ${r.name} is parented to ${r.parentUrn}`);
    }
    const endpointRoutes = recorder.ofType("aws:ec2/route:Route").filter((r) => r.inputs.vpcEndpointId);
    assert.equal(endpointRoutes.length, 4);
    for (const route of endpointRoutes) {
      const endpoint = recorder.byId(route.inputs.vpcEndpointId)!;
      assert.ok(route.dependencies.includes(endpoint.urn), `${route.name} does not wait for ${endpoint.name}`);
    }
  });

  it("accepts the hub's endpoint connections itself when the stack's service requires acceptance", async () => {
    const s = await synthesize("dev", { endpointAcceptanceRequired: true });
    const accepters = s.registrations.filter((r) => r.type === "aws:ec2/vpcEndpointConnectionAccepter:VpcEndpointConnectionAccepter");
    const service = s.registrations.find((r) => r.type === "aws:ec2/vpcEndpointService:VpcEndpointService")!;
    assert.deepEqual(accepters.map((a) => [a.name, a.inputs.vpcEndpointServiceId]).sort(), [["sec-endpoint-accept-2a", service.id], ["sec-endpoint-accept-2c", service.id]]);
    assert.equal(service.inputs.acceptanceRequired, true);
    assert.deepEqual(s.outputs.endpointsAwaitingAcceptance, {});
  });

  it("reports every bad setting of the stack at once, under its config key, before any resource", async () => {
    const errors = await rejected({
      hubVpcCidr: "10.10.0.0/16",
      stickiness: "source_ip_dest_ip",
      fleetMinSize: 5,
      availabilityZones: ["ap-northeast-2a", "ap-northeast-2a"],
      spokes: [{ name: "app01", cidrBlock: "10.10.0.0/17" }, { name: "App 2", cidrBlock: "10.11.0.0/33", publicIngress: true }],
    });
    assert.equal(recorder.registrations.length, 0);
    assert.deepEqual(errors, [
      { propertyPath: "spokes[1].name", reason: 'must be 1-16 lowercase letters, digits or hyphens starting with a letter, got "App 2"' },
      { propertyPath: "spokes[0].cidrBlock", reason: "10.10.0.0/17 overlaps hubVpcCidr (10.10.0.0/16)" },
      { propertyPath: "availabilityZones[1]", reason: '"ap-northeast-2a" is listed twice' },
      { propertyPath: "stickiness", reason: '"source_ip_dest_ip" stickiness does not work with transit gateway appliance mode, which the hub attachment uses; use "5-tuple"' },
      { propertyPath: "spokes[1].cidrBlock", reason: '"10.11.0.0/33" has a prefix length above 32' },
      { propertyPath: "spokes[1].publicIngress", reason: "needs workload: the ALB forwards to the workload's NLB" },
    ]);
  });

  it("stops the deployment on a bad policy rule with the agent's message, under agentPolicy", async () => {
    const policy = { defaultAction: "deny", failMode: "closed", rules: [{ action: "allow" }, { action: "allow" }, { action: "allow", destination: { cidr: "10.0.0.0/33" } }] };
    assert.deepEqual(await rejected({ agentPolicy: JSON.stringify(policy) }), [
      { propertyPath: "agentPolicy.rules[2].destination.cidr", reason: '"10.0.0.0/33" is not a valid CIDR' },
    ]);
    assert.deepEqual((await rejected({ agentPolicy: "no-such-policy.json" })).map((e) => e.propertyPath), ["agentPolicy"]);
    assert.equal(recorder.registrations.length, 0);
  });

  it("outputs where the agent is delivered from: bucket, bundle, document, association, parameter, log groups", async () => {
    const s = await synthesize("dev");
    const agent = s.outputs.agent as Record<string, unknown>;
    const sha256 = createHash("sha256").update(fs.readFileSync(path.join(PROJECT_DIR, "dist", "appliance-agent.js"))).digest("hex");
    const bucket = s.registrations.find((r) => r.type === "aws:s3/bucket:Bucket")!;
    const association = s.registrations.find((r) => r.type === "aws:ssm/association:Association")!;
    // The mocks keep the stack name of the first program this process ran ("dev" alone, "test" in the whole suite).
    const root = `/gwlb/gwlb-inspection/${pulumi.getStack()}/appliance`;
    assert.deepEqual(agent, {
      bucket: `appliance-artifacts-${bucket.id.slice(-8)}`,
      bundleKey: `agent/appliance-agent-${sha256}.js`,
      bundleSha256: sha256,
      documentName: "appliance-install-agent",
      documentVersion: "1",
      associationId: `assoc-${association.id.slice(-8)}`,
      policyParameter: `${root}/policy`,
      logGroups: { agent: `${root}/agent`, flows: `${root}/flows` },
    });
  });

  it("refuses inspected public ingress through an inspect-first hub", async () => {
    assert.deepEqual(await rejected({ egressInspectionOrder: "inspect-first" }), [{
      propertyPath: "spokes[0].publicIngress",
      reason: 'cannot be inspected through a hub with egressInspectionOrder "inspect-first": its endpoint subnets send 0.0.0.0/0 to the NAT gateways, so the ALB\'s replies would leave through NAT, not the endpoint that saw the request; use "nat-first" or put the ALB in its own ingress VPC',
    }]);
  });
});
