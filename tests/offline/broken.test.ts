// The tracer on stacks broken on purpose: each break fails with the flow, the hop and the entry at fault.
import { strict as assert } from "node:assert";
import { Failure } from "../../offline/check/checks";
import { ResourceGraph } from "../../offline/model/resourceGraph";
import { traceGraph } from "../../offline/trace/traceGraph";
import { ROUTE, TGW_ATTACHMENT, TGW_ROUTE, TWO_SPOKES, find, idOf, synthesizedGraph, withInputs, without } from "./support/stacks";

const RT = "aws:ec2/routeTable:RouteTable";
const INGRESS = "ingress internet -> app01-alb -> 10.10.21.10|10.10.23.10";
const EGRESS_2A = "egress web server in app01-private-2a -> internet";
const EGRESS_2C = "egress web server in app01-private-2c -> internet";

/** Failures of `flow` without the case label: one line per distinct finding, sorted. */
function findings(failures: readonly Failure[], flow: string): string[] {
  const lines = failures.filter((f) => f.flow === flow).map((f) => `${f.direction} ${f.hop} | ${f.hopText} | ${f.entry} | ${f.message}`);
  return [...new Set(lines)].sort();
}

function flowsFailing(failures: readonly Failure[]): string[] {
  return [...new Set(failures.map((f) => f.flow))].sort();
}

describe("offline tracer: broken stacks", function () {
  this.timeout(120000);
  let dev: ResourceGraph;
  before(async () => {
    dev = await synthesizedGraph();
  });

  it("a missing edge route: ingress to the ALB node and egress returns through NAT-2a skip the endpoint", () => {
    const edge = idOf(dev, RT, "sec-ingress-rt");
    const traced = traceGraph(without(dev, find(dev, ROUTE, { routeTableId: edge, destinationCidrBlock: "10.20.11.0/24" })));
    assert.deepEqual(flowsFailing(traced.failures), [EGRESS_2A, EGRESS_2C, INGRESS].sort());
    assert.ok(findings(traced.failures, INGRESS).includes(
      "forward 2 | sec-ingress-rt: 10.20.0.0/16 -> local | sec-ingress-rt (local) | client -> app01-alb: north-south traffic arrives without crossing a GWLB endpoint"));
    assert.ok(findings(traced.failures, EGRESS_2A).includes(
      "return 2 | sec-ingress-rt: 10.20.0.0/16 -> local | sec-ingress-rt (local) | internet -> web server in app01-private-2a: north-south traffic arrives without crossing a GWLB endpoint"));
    // Only the cases through AZ 2a fail: 2c's edge route is intact.
    assert.ok(traced.failures.every((f) => f.caseLabel.includes("ap-northeast-2a")));
  });

  it("a public route pointing at the other AZ's endpoint", () => {
    const table = idOf(dev, RT, "sec-public-rt-2a");
    const other = idOf(dev, "aws:ec2/vpcEndpoint:VpcEndpoint", "sec-endpoint-2c");
    const route = find(dev, ROUTE, { routeTableId: table, destinationCidrBlock: "0.0.0.0/0" });
    const traced = traceGraph(withInputs(dev, route, { vpcEndpointId: other }));
    assert.deepEqual(findings(traced.failures, EGRESS_2A), [
      "forward 6 | sec-public-rt-2a: 0.0.0.0/0 -> sec-endpoint-2c | sec-public-default-2a | route target in another AZ: sec-public-rt-2a sends 0.0.0.0/0 to sec-endpoint-2c in ap-northeast-2c, but the packet is in ap-northeast-2a",
      "return 2 | sec-ingress-rt: 10.20.11.0/24 -> sec-endpoint-2a | sec-edge-10-20-11-0-24-2a | asymmetric: the return crosses sec-endpoint-2a (ap-northeast-2a) but the way there crossed sec-endpoint-2c (ap-northeast-2c)",
    ]);
    assert.ok(findings(traced.failures, INGRESS).includes(
      "return 7 | sec-public-rt-2a: 0.0.0.0/0 -> sec-endpoint-2c | sec-public-default-2a | route target in another AZ: sec-public-rt-2a sends 0.0.0.0/0 to sec-endpoint-2c in ap-northeast-2c, but the packet is in ap-northeast-2a"));
  });

  it("a spoke without its route to the hub (the spoke table's default route)", () => {
    const table = idOf(dev, RT, "app01-private-rt");
    const traced = traceGraph(without(dev, find(dev, ROUTE, { routeTableId: table, destinationCidrBlock: "0.0.0.0/0" })));
    assert.deepEqual(findings(traced.failures, EGRESS_2A), [
      "forward 1 | app01-private-rt: no route for 192.0.2.80 | app01-private-rt | web server in app01-private-2a -> internet: does not arrive: app01-private-rt has no route for 192.0.2.80",
    ]);
    assert.deepEqual(findings(traced.failures, INGRESS), [
      "return 2 | app01-private-rt: no route for 10.20.11.148 | app01-private-rt | 10.10.21.10 -> app01-alb: does not arrive: app01-private-rt has no route for 10.20.11.148",
      "return 2 | app01-private-rt: no route for 10.20.11.148 | app01-private-rt | 10.10.23.10 -> app01-alb: does not arrive: app01-private-rt has no route for 10.20.11.148",
      "return 2 | app01-private-rt: no route for 10.20.13.148 | app01-private-rt | 10.10.21.10 -> app01-alb: does not arrive: app01-private-rt has no route for 10.20.13.148",
      "return 2 | app01-private-rt: no route for 10.20.13.148 | app01-private-rt | 10.10.23.10 -> app01-alb: does not arrive: app01-private-rt has no route for 10.20.13.148",
    ]);
  });

  it("a spoke without the hub table's route back to it", () => {
    const traced = traceGraph(without(dev, find(dev, TGW_ROUTE, { destinationCidrBlock: "10.10.0.0/16" }, (r) => r.inputs.blackhole !== true)));
    assert.deepEqual(findings(traced.failures, EGRESS_2C), [
      "return 7 | sec-hub-tgw-rt: no route for 10.10.23.100 | sec-hub-tgw-rt | internet -> web server in app01-private-2c: does not arrive: sec-hub-tgw-rt has no route for 10.10.23.100",
    ]);
    assert.ok(findings(traced.failures, INGRESS).includes(
      "forward 8 | sec-hub-tgw-rt: no route for 10.10.23.10 | sec-hub-tgw-rt | app01-alb -> 10.10.23.10: does not arrive: sec-hub-tgw-rt has no route for 10.10.23.10"));
  });

  it("a missing return route: the public table's route to the spoke, so NAT replies loop back into the endpoint", () => {
    const table = idOf(dev, RT, "sec-public-rt-2a");
    const traced = traceGraph(without(dev, find(dev, ROUTE, { routeTableId: table, destinationCidrBlock: "10.10.0.0/16" })));
    assert.deepEqual(findings(traced.failures, EGRESS_2A), [
      "return 6 | sec-public-rt-2a: 0.0.0.0/0 -> sec-endpoint-2a | sec-public-default-2a | asymmetric: the return crosses sec-endpoint-2a (ap-northeast-2a), sec-endpoint-2a (ap-northeast-2a) but the way there crossed sec-endpoint-2a (ap-northeast-2a)",
    ]);
  });

  it("appliance mode off on the hub attachment while spokes in different AZs talk (east-west inspect)", async () => {
    const graph = await synthesizedGraph({ spokes: TWO_SPOKES, eastWest: "inspect" });
    const hub = find(graph, TGW_ATTACHMENT, { applianceModeSupport: "enable" });
    const traced = traceGraph(withInputs(graph, hub, { applianceModeSupport: "disable" }));
    // Same-AZ pairs stay symmetric; the four cross-AZ pairs (each with 2 appliance cases) fail.
    assert.deepEqual(flowsFailing(traced.failures), [
      "east-west web server in app01-private-2a -> web server in app02-private-2c",
      "east-west web server in app01-private-2c -> web server in app02-private-2a",
      "east-west web server in app02-private-2a -> web server in app01-private-2c",
      "east-west web server in app02-private-2c -> web server in app01-private-2a",
    ]);
    assert.equal(traced.failures.length, 8);
    assert.deepEqual(findings(traced.failures, "east-west web server in app01-private-2a -> web server in app02-private-2c"), [
      "return 4 | sec-tgw-rt-2c: 10.10.0.0/16 -> sec-endpoint-2c | app01-hub-tgw-2c | asymmetric: the return crosses sec-endpoint-2c (ap-northeast-2c) but the way there crossed sec-endpoint-2a (ap-northeast-2a); sec-tgw-attachment runs without appliance mode, so each direction keeps its own AZ",
    ]);
  });

  it("east-west block without its blackholes: spoke traffic leaves through NAT, uninspected", async () => {
    const graph = await synthesizedGraph({ spokes: TWO_SPOKES });
    const blackholes = graph.resources.filter((r) => r.type === TGW_ROUTE && r.inputs.blackhole === true);
    assert.equal(blackholes.length, 2);
    const traced = traceGraph(without(graph, ...blackholes));
    const flow = "east-west web server in app01-private-2a -> web server in app02-private-2c";
    assert.deepEqual(findings(traced.failures, flow), [
      "forward 2 | sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment | sec-spoke-tgw-default | web server in app01-private-2a -> web server in app02-private-2c: east-west traffic arrives without crossing a GWLB endpoint",
      "return 2 | sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment | sec-spoke-tgw-default | web server in app02-private-2c -> web server in app01-private-2a: east-west traffic arrives without crossing a GWLB endpoint",
    ]);
    assert.equal(flowsFailing(traced.failures).length, 8);
    // The way it went: through the hub's NAT gateway, as the walkthrough's accidental path.
    const leaked = traced.cases.find((c) => c.flow === flow)!;
    assert.ok(leaked.forward[0].hops.some((h) => h.kind === "nat"));
  });

  it("a loop: the endpoint subnet's default route sent back to the NAT gateway", () => {
    const table = idOf(dev, RT, "sec-gwlbe-rt-2a");
    const nat = idOf(dev, "aws:ec2/natGateway:NatGateway", "sec-nat-2a");
    const route = find(dev, ROUTE, { routeTableId: table, destinationCidrBlock: "0.0.0.0/0" });
    const { gatewayId: _igw, ...rest } = route.inputs;
    const looped = { resources: dev.resources.map((r) => (r === route ? { ...r, inputs: { ...rest, natGatewayId: nat } } : r)) };
    const traced = traceGraph(looped);
    assert.deepEqual(findings(traced.failures, EGRESS_2A).filter((f) => f.includes("loops")), [
      "forward 8 | sec-gwlbe-rt-2a: 0.0.0.0/0 -> sec-nat-2a | sec-gwlbe-default-2a | web server in app01-private-2a -> internet: loops: the packet comes back to sec-public-2a as 10.20.11.5 -> 192.0.2.80, round and round",
    ]);
  });

  it("a blackhole on a north-south path is not a designed block", () => {
    const spokeDefault = find(dev, TGW_ROUTE, { destinationCidrBlock: "0.0.0.0/0" });
    const traced = traceGraph(withInputs(dev, spokeDefault, { blackhole: true, transitGatewayAttachmentId: undefined }));
    assert.deepEqual(findings(traced.failures, EGRESS_2A), [
      "forward 2 | sec-spoke-tgw-rt: 0.0.0.0/0 -> blackhole | sec-spoke-tgw-default | web server in app01-private-2a -> internet: blackholed by sec-spoke-tgw-default (0.0.0.0/0), which no east-west block calls for",
    ]);
  });
});
