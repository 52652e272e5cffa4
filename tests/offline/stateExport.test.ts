// `--state`: a `pulumi stack export` document (version 3) built from a synthesized stack reads back
// into the same graph and traces to the same cases; a broken export fails the same way; bad
// documents are refused with the field at fault named.
import { strict as assert } from "node:assert";
import { recorder } from "../../offline/mockRuntime";
import { hopLines } from "../../offline/report/traceReport";
import { graphFromRecords } from "../../offline/model/resourceGraph";
import { readStackExport, toStackExport } from "../../offline/model/stateExport";
import { synthesize } from "../../offline/synthesize";
import { traceGraph } from "../../offline/trace/traceGraph";

describe("offline: reading a stack export (--state)", function () {
  this.timeout(120000);

  it("traces an export of the synthesized dev stack exactly as the synthesized graph", async () => {
    await synthesize("dev");
    const records = [...recorder.registrations];
    const doc = toStackExport(records);
    assert.equal(doc.version, 3);
    assert.equal(doc.deployment.resources.length, records.length);
    const route = doc.deployment.resources.find((r) => r.type === "aws:ec2/route:Route")!;
    assert.deepEqual(Object.keys(route).sort(), ["custom", "dependencies", "id", "inputs", "outputs", "parent", "type", "urn"]);

    const fromExport = traceGraph(readStackExport(JSON.stringify(doc), "dev.json"));
    const fromSynthesis = traceGraph(graphFromRecords(records));
    assert.deepEqual(fromExport.failures, []);
    assert.equal(fromExport.cases.length, 40);
    assert.deepEqual(fromExport.cases.map((c) => [c.flow, hopLines(c.forward), hopLines(c.back)]), fromSynthesis.cases.map((c) => [c.flow, hopLines(c.forward), hopLines(c.back)]));
  });

  it("catches a break made in the export document itself (the edge route of AZ 2c deleted)", async () => {
    await synthesize("dev");
    const doc = toStackExport([...recorder.registrations]);
    const edgeTable = doc.deployment.resources.find((r) => r.type === "aws:ec2/routeTableAssociation:RouteTableAssociation" && r.inputs?.gatewayId)!.inputs!.routeTableId;
    doc.deployment.resources = doc.deployment.resources.filter((r) => !(r.type === "aws:ec2/route:Route" && r.inputs?.routeTableId === edgeTable && r.inputs?.destinationCidrBlock === "10.20.13.0/24"));
    const traced = traceGraph(readStackExport(JSON.stringify(doc), "broken.json"));
    const first = traced.failures.find((f) => f.flow.startsWith("ingress"))!;
    assert.deepEqual([first.direction, first.hop, first.hopText, first.entry], ["forward", 2, "sec-ingress-rt: 10.20.0.0/16 -> local", "sec-ingress-rt (local)"]);
  });

  it("traces web servers deployed as plain instances registered by id (the seed's Terraform way)", async () => {
    await synthesize("dev");
    const doc = toStackExport([...recorder.registrations]);
    const resources = doc.deployment.resources;
    const asg = resources.find((r) => r.type === "aws:autoscaling/group:Group" && r.urn.endsWith("::app01-web-asg"))!;
    const webGroup = resources.find((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.urn.endsWith("::app01-web-tg"))!;
    const [subnet2a, subnet2c] = asg.inputs!.vpcZoneIdentifiers as string[];
    const instance = (name: string, subnetId: string, privateIp: string) => ({
      urn: `urn:pulumi:dev::gwlb-inspection::aws:ec2/instance:Instance::${name}`, type: "aws:ec2/instance:Instance", id: `i-${name}`,
      inputs: { subnetId, tags: { Name: name } }, outputs: { privateIp }, dependencies: [],
    });
    const attach = (name: string) => ({
      urn: `urn:pulumi:dev::gwlb-inspection::aws:lb/targetGroupAttachment:TargetGroupAttachment::${name}-tga`, type: "aws:lb/targetGroupAttachment:TargetGroupAttachment", id: `${name}-tga`,
      inputs: { targetGroupArn: webGroup.outputs!.arn, targetId: `i-${name}`, port: 80 }, outputs: {}, dependencies: [],
    });
    doc.deployment.resources = [
      ...resources.filter((r) => r !== asg),
      instance("app01-web-01-pri-2a", subnet2a, "10.10.21.57"), instance("app01-web-02-pri-2c", subnet2c, "10.10.23.100"),
      attach("app01-web-01-pri-2a"), attach("app01-web-02-pri-2c"),
    ];
    const traced = traceGraph(readStackExport(JSON.stringify(doc), "instances.json"));
    assert.deepEqual(traced.failures, []);
    const reached = new Set(traced.cases.filter((c) => c.kind === "ingress").map((c) => c.forward[1].outcome.kind === "arrived" ? c.forward[1].outcome.at : ""));
    assert.deepEqual([...reached].sort(), ["app01-web-01-pri-2a", "app01-web-02-pri-2c"]);
    assert.deepEqual([...new Set(traced.cases.filter((c) => c.kind === "egress").map((c) => c.flow))], [
      "egress app01-web-01-pri-2a -> internet", "egress app01-web-02-pri-2c -> internet",
    ]);
  });

  it("reads inline routes from a table's inputs, never from its outputs (which list every route of the table)", async () => {
    await synthesize("dev");
    const doc = toStackExport([...recorder.registrations]);
    const resources = doc.deployment.resources;
    const routes = resources.filter((r) => r.type === "aws:ec2/route:Route");
    const tables = resources.filter((r) => r.type === "aws:ec2/routeTable:RouteTable");
    const inline = (table: (typeof tables)[number]) => routes.filter((r) => r.inputs?.routeTableId === table.id).map((r) => {
      const { routeTableId: _table, destinationCidrBlock, ...target } = r.inputs as Record<string, unknown>;
      return { cidrBlock: destinationCidrBlock, ...target };
    });
    // As a Terraform-style program writes them: every route inline, no Route resources.
    const inlined = { ...doc, deployment: { resources: [...resources.filter((r) => !routes.includes(r) && !tables.includes(r)), ...tables.map((t) => ({ ...t, inputs: { ...t.inputs, routes: inline(t) } }))] } };
    assert.deepEqual(traceGraph(readStackExport(JSON.stringify(inlined), "inline.json")).failures, []);
    // As a real export reads: the outputs list the separate Route resources too; deleting one must still show.
    const listed = tables.map((t) => ({ ...t, outputs: { ...t.outputs, routes: inline(t) } }));
    const edgeDefault = routes.find((r) => r.inputs?.destinationCidrBlock === "10.20.13.0/24")!;
    const broken = { ...doc, deployment: { resources: [...resources.filter((r) => r !== edgeDefault && !tables.includes(r)), ...listed] } };
    const failures = traceGraph(readStackExport(JSON.stringify(broken), "listed.json")).failures;
    assert.ok(failures.some((f) => f.hopText === "sec-ingress-rt: 10.20.0.0/16 -> local" && f.entry === "sec-ingress-rt (local)"), "the deleted edge route is missed");
  });

  it("unwraps plaintext secrets and takes names from the Name tag, else the URN", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify("10.9.0.0/16") };
    const graph = readStackExport(JSON.stringify({
      version: 3,
      deployment: { resources: [
        { urn: "urn:pulumi:prod::p::aws:ec2/vpc:Vpc::main", type: "aws:ec2/vpc:Vpc", id: "vpc-1", inputs: { cidrBlock: secret }, outputs: {} },
        { urn: "urn:pulumi:prod::p::aws:ec2/subnet:Subnet::web", type: "aws:ec2/subnet:Subnet", id: "subnet-1", inputs: { tags: { Name: "web-2a" } } },
      ] },
    }), "prod.json");
    assert.deepEqual(graph.resources.map((r) => [r.name, r.id, r.inputs.cidrBlock ?? null]), [["main", "vpc-1", "10.9.0.0/16"], ["web-2a", "subnet-1", null]]);
  });

  const bad: Array<[string, string, string]> = [
    ["not JSON", "{", "x.json: not JSON"],
    ["an old version", JSON.stringify({ version: 2, deployment: { resources: [] } }), 'x.json: version is 2; only version 3 exports (`pulumi stack export`) are read'],
    ["no resources", JSON.stringify({ version: 3, deployment: {} }), "x.json: deployment.resources must be an array"],
    ["a resource without a type", JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:a" }] } }), "x.json: deployment.resources[0].type must be a non-empty string (urn:a)"],
    ["inputs that are not an object", JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:a", type: "t", inputs: [] }] } }), "x.json: deployment.resources[0].inputs must be an object (urn:a)"],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(() => readStackExport(text, "x.json"), (err: Error) => err.message.startsWith(message));
    });
  }
});
