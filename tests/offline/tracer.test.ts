// The tracer on healthy stacks: every case of every flow passes, in both egress inspection orders,
// two and three AZs, one and two spokes, east-west inspect and block; seed steps 8 and 9 hop by hop.
import { strict as assert } from "node:assert";
import { hopLines } from "../../offline/report/traceReport";
import { traceGraph } from "../../offline/trace/traceGraph";
import { FlowCase } from "../../offline/trace/types";
import { ResourceGraph } from "../../offline/model/resourceGraph";
import { THREE_AZS, TWO_SPOKES, synthesizedGraph } from "./support/stacks";

const WORKLOAD_ONLY = [{ name: "app01", cidrBlock: "10.10.0.0/16", workload: true }];

/** The seed's walk: every choice in AZ 2c (and the NLB address there). */
function seedCase(cases: readonly FlowCase[], flowStart: string): FlowCase {
  const hits = cases.filter((c) => c.flow.startsWith(flowStart) && c.choices.every((x) => x.value === "ap-northeast-2c" || x.value === "10.10.23.10"));
  assert.equal(hits.length, 1, `one seed case of ${flowStart}`);
  return hits[0];
}

/** The public address the mocks gave the NAT gateway of `az` (ids depend on what ran before). */
function natPublicIp(graph: ResourceGraph, az: string): string {
  const eip = graph.resources.find((r) => r.type === "aws:ec2/eip:Eip" && r.name.endsWith(`-${az.slice(-2)}`))!;
  return eip.outputs.publicIp as string;
}

function kinds(cases: readonly FlowCase[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cases) out[c.kind] = (out[c.kind] ?? 0) + 1;
  return out;
}

describe("offline tracer: healthy stacks", function () {
  this.timeout(120000);

  it("traces seed step 8 (ingress) and step 9 (egress) of the dev stack hop by hop, every case passing", async () => {
    const graph = await synthesizedGraph();
    const traced = traceGraph(graph);
    assert.deepEqual(traced.failures, []);
    // Ingress: 2 ALB nodes x 2 targets x 2 web servers x 2 hub AZs (the NLB's reply) x 2 appliances.
    assert.deepEqual(kinds(traced.cases), { ingress: 32, egress: 8 });
    const ingress = seedCase(traced.cases, "ingress internet -> app01-alb");
    assert.deepEqual(hopLines(ingress.forward), [
      " 1. sec-igw: 198.51.100.12 -> 10.20.13.148 (app01-alb node ap-northeast-2c)",
      " 2. sec-ingress-rt: 10.20.13.0/24 -> sec-endpoint-2c",
      " 3. sec-endpoint-2c -> appliance-endpoint-service -> appliance-gwlb -> appliance in ap-northeast-2c (GENEVE UDP 6081) -> sec-endpoint-2c",
      " 4. sec-gwlbe-rt-2c: 10.20.0.0/16 -> local",
      " 5. app01-alb node ap-northeast-2c 10.20.13.148",
      " 6. app01-alb: 10.20.13.148 -> target 10.10.23.10:80 (ip target, availability zone all)",
      " 7. sec-public-rt-2c: 10.10.0.0/16 -> sec-tgw",
      " 8. sec-hub-tgw-rt: 10.10.0.0/16 -> app01-tgw-attachment",
      " 9. app01-tgw-attachment: into ap-northeast-2c (appliance mode off: stays in the source AZ)",
      "10. app01-private-rt: 10.10.0.0/16 -> local",
      "11. app01-web-nlb node ap-northeast-2c 10.10.23.10",
      "12. app01-web-nlb: 10.10.23.10 -> web server in app01-private-2c 10.10.23.100",
    ]);
    assert.deepEqual(hopLines(ingress.back), [
      " 1. web server in app01-private-2c -> app01-web-nlb 10.10.23.10",
      " 2. app01-private-rt: 0.0.0.0/0 -> sec-tgw",
      " 3. sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment",
      " 4. sec-tgw-attachment: into ap-northeast-2c (appliance mode: hashed once per flow, both directions)",
      " 5. sec-tgw-rt-2c: 10.20.0.0/16 -> local",
      " 6. app01-alb node ap-northeast-2c 10.20.13.148",
      " 7. sec-public-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
      " 8. sec-endpoint-2c -> appliance-endpoint-service -> appliance-gwlb -> appliance in ap-northeast-2c (GENEVE UDP 6081) -> sec-endpoint-2c",
      " 9. sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-igw",
      "10. sec-igw: 10.20.13.148 -> 198.51.100.12 -> internet 192.0.2.50",
    ]);
    const egress = seedCase(traced.cases, "egress web server in app01-private-2c");
    const eip = natPublicIp(graph, "ap-northeast-2c");
    assert.deepEqual(hopLines(egress.forward), [
      " 1. app01-private-rt: 0.0.0.0/0 -> sec-tgw",
      " 2. sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment",
      " 3. sec-tgw-attachment: into ap-northeast-2c (appliance mode: hashed once per flow, both directions)",
      " 4. sec-tgw-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
      " 5. sec-nat-2c: source 10.10.23.100 -> 10.20.13.5",
      " 6. sec-public-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
      " 7. sec-endpoint-2c -> appliance-endpoint-service -> appliance-gwlb -> appliance in ap-northeast-2c (GENEVE UDP 6081) -> sec-endpoint-2c",
      " 8. sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-igw",
      ` 9. sec-igw: 10.20.13.5 -> ${eip} -> internet 192.0.2.80`,
    ]);
    assert.deepEqual(hopLines(egress.back), [
      ` 1. sec-igw: ${eip} -> 10.20.13.5 (sec-nat-2c)`,
      " 2. sec-ingress-rt: 10.20.13.0/24 -> sec-endpoint-2c",
      " 3. sec-endpoint-2c -> appliance-endpoint-service -> appliance-gwlb -> appliance in ap-northeast-2c (GENEVE UDP 6081) -> sec-endpoint-2c",
      " 4. sec-gwlbe-rt-2c: 10.20.0.0/16 -> local",
      " 5. sec-nat-2c: destination 10.20.13.5 -> 10.10.23.100",
      " 6. sec-public-rt-2c: 10.10.0.0/16 -> sec-tgw",
      " 7. sec-hub-tgw-rt: 10.10.0.0/16 -> app01-tgw-attachment",
      " 8. app01-tgw-attachment: into ap-northeast-2c (appliance mode off: stays in the source AZ)",
      " 9. app01-private-rt: 10.10.0.0/16 -> local",
      "10. web server in app01-private-2c 10.10.23.100",
    ]);
  });

  it("traces inspect-first egress through the endpoint before NAT, so the appliance sees the spoke's address", async () => {
    const graph = await synthesizedGraph({ egressInspectionOrder: "inspect-first", spokes: WORKLOAD_ONLY });
    const traced = traceGraph(graph);
    assert.deepEqual(traced.failures, []);
    assert.deepEqual(kinds(traced.cases), { egress: 8 });
    const egress = seedCase(traced.cases, "egress web server in app01-private-2c");
    const eip = natPublicIp(graph, "ap-northeast-2c");
    assert.deepEqual(hopLines(egress.forward), [
      " 1. app01-private-rt: 0.0.0.0/0 -> sec-tgw",
      " 2. sec-spoke-tgw-rt: 0.0.0.0/0 -> sec-tgw-attachment",
      " 3. sec-tgw-attachment: into ap-northeast-2c (appliance mode: hashed once per flow, both directions)",
      " 4. sec-tgw-rt-2c: 0.0.0.0/0 -> sec-endpoint-2c",
      " 5. sec-endpoint-2c -> appliance-endpoint-service -> appliance-gwlb -> appliance in ap-northeast-2c (GENEVE UDP 6081) -> sec-endpoint-2c",
      " 6. sec-gwlbe-rt-2c: 0.0.0.0/0 -> sec-nat-2c",
      " 7. sec-nat-2c: source 10.10.23.100 -> 10.20.13.5",
      " 8. sec-public-rt-2c: 0.0.0.0/0 -> sec-igw",
      ` 9. sec-igw: 10.20.13.5 -> ${eip} -> internet 192.0.2.80`,
    ]);
    assert.deepEqual(hopLines(egress.back), [
      ` 1. sec-igw: ${eip} -> 10.20.13.5 (sec-nat-2c)`,
      " 2. sec-nat-2c: destination 10.20.13.5 -> 10.10.23.100",
      " 3. sec-public-rt-2c: 10.10.0.0/16 -> sec-endpoint-2c",
      " 4. sec-endpoint-2c -> appliance-endpoint-service -> appliance-gwlb -> appliance in ap-northeast-2c (GENEVE UDP 6081) -> sec-endpoint-2c",
      " 5. sec-gwlbe-rt-2c: 10.10.0.0/16 -> sec-tgw",
      " 6. sec-hub-tgw-rt: 10.10.0.0/16 -> app01-tgw-attachment",
      " 7. app01-tgw-attachment: into ap-northeast-2c (appliance mode off: stays in the source AZ)",
      " 8. app01-private-rt: 10.10.0.0/16 -> local",
      " 9. web server in app01-private-2c 10.10.23.100",
    ]);
  });

  const shapes: Array<{ title: string; overrides: Record<string, unknown>; cases: Record<string, number>; blocked: number }> = [
    // 3 ALB nodes x 3 targets x 3 web servers x 3 hub AZs x 3 appliances; 3 subnets x 3 hub AZs x 3 appliances.
    { title: "three AZs, one spoke", overrides: { availabilityZones: THREE_AZS }, cases: { ingress: 243, egress: 27 }, blocked: 0 },
    // East-west block: 2x2 subnet pairs each way, all stopped by the blackholes.
    { title: "two AZs, two spokes, east-west block", overrides: { spokes: TWO_SPOKES }, cases: { ingress: 32, egress: 16, "east-west": 8 }, blocked: 8 },
    // East-west inspect: each pair once per hub AZ (appliance mode hashes one AZ per flow) and appliance.
    { title: "two AZs, two spokes, east-west inspect", overrides: { spokes: TWO_SPOKES, eastWest: "inspect" }, cases: { ingress: 32, egress: 16, "east-west": 32 }, blocked: 0 },
    { title: "three AZs, two spokes, east-west inspect, inspect-first", overrides: { availabilityZones: THREE_AZS, spokes: TWO_SPOKES.map((s) => ({ ...s, publicIngress: false })), eastWest: "inspect", egressInspectionOrder: "inspect-first" }, cases: { egress: 54, "east-west": 162 }, blocked: 0 },
  ];
  for (const shape of shapes) {
    it(`passes every case: ${shape.title}`, async () => {
      const traced = traceGraph(await synthesizedGraph(shape.overrides));
      assert.deepEqual(traced.failures, []);
      assert.deepEqual(kinds(traced.cases), shape.cases);
      assert.equal(traced.cases.filter((c) => c.designedBlock).length, shape.blocked);
      for (const c of traced.cases.filter((x) => x.kind === "east-west" && !x.designedBlock)) {
        const there = c.forward.flatMap((l) => l.hops).filter((h) => h.kind === "endpoint").map((h) => h.endpointName);
        const back = c.back.flatMap((l) => l.hops).filter((h) => h.kind === "endpoint").map((h) => h.endpointName);
        assert.equal(there.length, 1, c.flow);
        assert.deepEqual(back, there, c.flow);
      }
    });
  }
});
