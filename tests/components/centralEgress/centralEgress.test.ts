import * as assert from "node:assert/strict";
import { installMocks, recorder, settle, valueOf } from "../../support/mocks";
import { associationLines, tgwRouteLines, vpcRouteLines } from "../../support/routeView";

installMocks();
import { AppSpoke, CentralEgress, CentralEgressArgs } from "../../../components";

const AZS = ["ap-northeast-2a", "ap-northeast-2c"];
const SERVICE = "com.amazonaws.vpce.ap-northeast-2.vpce-svc-0123456789abcdef0";
const inspection = { endpointServiceName: SERVICE, availabilityZones: AZS, stickiness: "5-tuple" };

function hub(name: string, extra: Partial<CentralEgressArgs> = {}): CentralEgress {
  return new CentralEgress(name, { cidrBlock: "10.20.0.0/16", availabilityZones: AZS, inspection, ...extra });
}


describe("CentralEgress", () => {
  beforeEach(() => recorder.reset());

  it("builds the seed's hub: per-AZ subnets, endpoints, NAT gateways, edge table and an explicit-table TGW", async () => {
    const sec = hub("sec");
    await settle();
    assert.deepEqual(recorder.countsByType(), {
      "aws:ec2/eip:Eip": 2,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/natGateway:NatGateway": 2,
      "aws:ec2/route:Route": 8,
      "aws:ec2/routeTable:RouteTable": 7,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 7,
      "aws:ec2/subnet:Subnet": 6,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2/vpcEndpoint:VpcEndpoint": 2,
      "aws:ec2transitgateway/route:Route": 1,
      "aws:ec2transitgateway/routeTable:RouteTable": 2,
      "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": 1,
      "aws:ec2transitgateway/transitGateway:TransitGateway": 1,
      "aws:ec2transitgateway/vpcAttachment:VpcAttachment": 1,
      "gwlb:network:CentralEgress": 1,
    });
    const subnets = recorder.ofType("aws:ec2/subnet:Subnet").map((s) => `${s.name} ${s.inputs.availabilityZone} ${s.inputs.cidrBlock}`).sort();
    assert.deepEqual(subnets, [
      "sec-gwlbe-2a ap-northeast-2a 10.20.31.0/28",
      "sec-gwlbe-2c ap-northeast-2c 10.20.33.0/28",
      "sec-public-2a ap-northeast-2a 10.20.11.0/24",
      "sec-public-2c ap-northeast-2c 10.20.13.0/24",
      "sec-tgw-2a ap-northeast-2a 10.20.41.0/28",
      "sec-tgw-2c ap-northeast-2c 10.20.43.0/28",
    ]);
    assert.deepEqual(sec.subnetCidrs.public, { "ap-northeast-2a": "10.20.11.0/24", "ap-northeast-2c": "10.20.13.0/24" });

    // Seed steps 8 and 9 (nat-first): ingress and NAT returns enter through the same-AZ endpoint.
    assert.deepEqual(vpcRouteLines(), [
      "sec-gwlbe-rt-2a: 0.0.0.0/0 -> sec-igw",
      "sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-igw",
      "sec-ingress-rt: 10.20.11.0/24 -> sec-endpoint-2a",
      "sec-ingress-rt: 10.20.13.0/24 -> sec-endpoint-2c",
      "sec-public-rt-2a: 0.0.0.0/0 -> sec-endpoint-2a",
      "sec-public-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
      "sec-tgw-rt-2a: 0.0.0.0/0 -> sec-nat-2a",
      "sec-tgw-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
    ]);
    assert.deepEqual(associationLines(), [
      "sec-gwlbe-rt-2a <- sec-gwlbe-2a",
      "sec-gwlbe-rt-2c <- sec-gwlbe-2c",
      "sec-hub-tgw-rt <- sec-tgw-attachment",
      "sec-ingress-rt <- sec-igw",
      "sec-public-rt-2a <- sec-public-2a",
      "sec-public-rt-2c <- sec-public-2c",
      "sec-tgw-rt-2a <- sec-tgw-2a",
      "sec-tgw-rt-2c <- sec-tgw-2c",
    ]);
    assert.deepEqual(tgwRouteLines(), ["sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment"]);

    const endpoint = recorder.one("aws:ec2/vpcEndpoint:VpcEndpoint", "sec-endpoint-2a").inputs;
    assert.deepEqual(
      [endpoint.vpcEndpointType, endpoint.serviceName, endpoint.subnetIds.map((id: string) => recorder.byId(id)?.name)],
      ["GatewayLoadBalancer", SERVICE, ["sec-gwlbe-2a"]],
    );
    const tgw = recorder.one("aws:ec2transitgateway/transitGateway:TransitGateway", "sec-tgw").inputs;
    assert.deepEqual(
      [tgw.defaultRouteTableAssociation, tgw.defaultRouteTablePropagation, tgw.autoAcceptSharedAttachments, tgw.amazonSideAsn],
      ["disable", "disable", "disable", 64512],
    );
    const attachment = recorder.one("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "sec-tgw-attachment").inputs;
    assert.deepEqual(
      [attachment.applianceModeSupport, attachment.transitGatewayDefaultRouteTableAssociation, attachment.transitGatewayDefaultRouteTablePropagation,
        attachment.subnetIds.map((id: string) => recorder.byId(id)?.name)],
      ["enable", false, false, ["sec-tgw-2a", "sec-tgw-2c"]],
    );
    const nat = recorder.one("aws:ec2/natGateway:NatGateway", "sec-nat-2c").inputs;
    assert.deepEqual([recorder.byId(nat.subnetId)?.name, recorder.byId(nat.allocationId)?.name], ["sec-public-2c", "sec-nat-eip-2c"]);
  });

  it("routes spoke egress through the endpoint before NAT with inspect-first, and has no edge routes", async () => {
    hub("sec", { egressInspectionOrder: "inspect-first" });
    await settle();
    assert.deepEqual(vpcRouteLines(), [
      "sec-gwlbe-rt-2a: 0.0.0.0/0 -> sec-nat-2a",
      "sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
      "sec-public-rt-2a: 0.0.0.0/0 -> sec-igw",
      "sec-public-rt-2c: 0.0.0.0/0 -> sec-igw",
      "sec-tgw-rt-2a: 0.0.0.0/0 -> sec-endpoint-2a",
      "sec-tgw-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
    ]);
    assert.equal(recorder.ofType("aws:ec2/routeTable:RouteTable").filter((t) => t.name === "sec-ingress-rt").length, 0);
  });

  it("keeps every route target in the table's own AZ with three AZs", async () => {
    const three = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"];
    new CentralEgress("hub3", { cidrBlock: "10.20.0.0/16", availabilityZones: three, inspection: { ...inspection, availabilityZones: three } });
    await settle();
    assert.deepEqual(vpcRouteLines(), [
      "hub3-gwlbe-rt-2a: 0.0.0.0/0 -> hub3-igw",
      "hub3-gwlbe-rt-2b: 0.0.0.0/0 -> hub3-igw",
      "hub3-gwlbe-rt-2c: 0.0.0.0/0 -> hub3-igw",
      "hub3-ingress-rt: 10.20.11.0/24 -> hub3-endpoint-2a",
      "hub3-ingress-rt: 10.20.12.0/24 -> hub3-endpoint-2b",
      "hub3-ingress-rt: 10.20.13.0/24 -> hub3-endpoint-2c",
      "hub3-public-rt-2a: 0.0.0.0/0 -> hub3-endpoint-2a",
      "hub3-public-rt-2b: 0.0.0.0/0 -> hub3-endpoint-2b",
      "hub3-public-rt-2c: 0.0.0.0/0 -> hub3-endpoint-2c",
      "hub3-tgw-rt-2a: 0.0.0.0/0 -> hub3-nat-2a",
      "hub3-tgw-rt-2b: 0.0.0.0/0 -> hub3-nat-2b",
      "hub3-tgw-rt-2c: 0.0.0.0/0 -> hub3-nat-2c",
    ]);
  });

  it("accepts explicit subnets for a small hub", async () => {
    new CentralEgress("small", {
      cidrBlock: "10.20.0.0/24",
      availabilityZones: AZS,
      inspection,
      subnetCidrs: { public: ["10.20.0.0/26", "10.20.0.64/26"], gwlbe: ["10.20.0.128/28", "10.20.0.144/28"], tgw: ["10.20.0.160/28", "10.20.0.176/28"] },
    });
    await settle();
    assert.deepEqual(recorder.ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs.cidrBlock).sort(), [
      "10.20.0.0/26", "10.20.0.128/28", "10.20.0.144/28", "10.20.0.160/28", "10.20.0.176/28", "10.20.0.64/26",
    ]);
  });

  it("accepts its endpoints' connections when the service is this stack's, before any route uses them", async () => {
    const sec = hub("acc", { inspection: { ...inspection, acceptanceRequired: true, endpointServiceId: "vpce-svc-0123456789abcdef0" } });
    new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: AZS });
    await settle();
    const accepters = recorder.ofType("aws:ec2/vpcEndpointConnectionAccepter:VpcEndpointConnectionAccepter");
    const endpoints = Object.fromEntries(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => [e.id, e.name]));
    assert.deepEqual(accepters.map((a) => [a.name, a.inputs.vpcEndpointServiceId, endpoints[a.inputs.vpcEndpointId]]).sort(), [
      ["acc-endpoint-accept-2a", "vpce-svc-0123456789abcdef0", "acc-endpoint-2a"],
      ["acc-endpoint-accept-2c", "vpce-svc-0123456789abcdef0", "acc-endpoint-2c"],
    ]);
    // Every route to an endpoint, the hub's own and those it writes for the spoke, waits for its AZ's acceptance.
    const acceptanceOf = Object.fromEntries(accepters.map((a) => [endpoints[a.inputs.vpcEndpointId], a.urn]));
    const toEndpoints = recorder.ofType("aws:ec2/route:Route").filter((r) => r.inputs.vpcEndpointId !== undefined);
    assert.deepEqual(toEndpoints.map((r) => r.name).sort(), [
      "acc-edge-10-20-11-0-24-2a", "acc-edge-10-20-13-0-24-2c", "acc-public-default-2a", "acc-public-default-2c",
    ]);
    for (const route of toEndpoints) {
      assert.ok(route.dependencies.includes(acceptanceOf[endpoints[route.inputs.vpcEndpointId]]), `${route.name} does not wait for its endpoint's acceptance`);
    }
    assert.deepEqual(sec.pendingEndpointAcceptance, {});
  });

  it("says which endpoints the service's owner must accept when the service is not this stack's", async () => {
    const sec = hub("far", { inspection: { ...inspection, acceptanceRequired: true } });
    await settle();
    assert.deepEqual(recorder.ofType("aws:ec2/vpcEndpointConnectionAccepter:VpcEndpointConnectionAccepter"), []);
    const ids = Object.fromEntries(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => [e.name, e.id]));
    assert.deepEqual(
      { "ap-northeast-2a": await valueOf(sec.pendingEndpointAcceptance["ap-northeast-2a"]), "ap-northeast-2c": await valueOf(sec.pendingEndpointAcceptance["ap-northeast-2c"]) },
      { "ap-northeast-2a": ids["far-endpoint-2a"], "ap-northeast-2c": ids["far-endpoint-2c"] },
    );
  });

  it("compares AZs by id with a service that gives ids (another account names its zones differently)", async () => {
    const remote = { endpointServiceName: SERVICE, availabilityZoneIds: ["apne2-az1", "apne2-az3"], stickiness: "5-tuple" };
    hub("ids", { inspection: remote, availabilityZoneIds: ["apne2-az3", "apne2-az1"] });
    await settle();
    assert.equal(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").length, 2);
  });
});
