// The picture: Mermaid and Graphviz text, SVG and PNG rendered offline, every endpoint named, the
// drawn packets' hops as numbered edges.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildDiagram } from "../../offline/render/diagram";
import { drawDiagram } from "../../offline/render/draw";
import { toMermaid } from "../../offline/render/mermaid";
import { traceGraph } from "../../offline/trace/traceGraph";
import { TWO_SPOKES, synthesizedGraph } from "./support/stacks";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("offline: the picture", function () {
  this.timeout(120000);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "gwlb-render-"));
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it("renders the dev stack to Mermaid, DOT, SVG and PNG, naming every GWLB endpoint", async () => {
    const traced = traceGraph(await synthesizedGraph({ spokes: TWO_SPOKES, eastWest: "inspect" }));
    const diagram = buildDiagram(traced, "dev");
    const files = await drawDiagram(diagram, outDir);
    assert.deepEqual(Object.values(files).map((f) => path.basename(f)), ["topology.mmd", "topology.dot", "topology.svg", "topology.png"]);
    // Graphviz writes "-" as the entity &#45; in SVG text.
    const svg = fs.readFileSync(files.svg, "utf8").replace(/&#45;/g, "-");
    const mermaid = fs.readFileSync(files.mermaid, "utf8");
    for (const endpoint of ["sec-endpoint-2a", "sec-endpoint-2c"]) {
      assert.ok(svg.includes(`GWLB endpoint ${endpoint}`), `${endpoint} in the SVG`);
      assert.ok(mermaid.includes(`GWLB endpoint ${endpoint}`), `${endpoint} in the Mermaid text`);
    }
    assert.ok(svg.startsWith("<?xml") && svg.includes("<svg"), "an SVG document");
    const png = fs.readFileSync(files.png);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.equal(png.readUInt32BE(16), 2400); // rendered at 2400 px wide
    // One packet per colour: ingress, egress and east-west, there and back.
    assert.deepEqual(diagram.legend.map((l) => l.split(":")[0]), ["I", "E", "W", "solid"]);
    assert.deepEqual([...new Set(diagram.edges.map((e) => e.color))], ["#d62728", "#1f77b4", "#2ca02c"]);
  });

  it("writes the seed's ingress hops as numbered Mermaid edges", async () => {
    const traced = traceGraph(await synthesizedGraph());
    const text = toMermaid(buildDiagram(traced, "dev"));
    const ids = new Map([...text.matchAll(/^\s+(n\d+)\["([^"]+)"\]$/gm)].map((m) => [m[1], m[2].split("<br/>")[0]]));
    const ingress = [...text.matchAll(/^\s+(n\d+) -->\|(I\d+)\| (n\d+)$/gm)].map((m) => `${m[2]}: ${ids.get(m[1])} -> ${ids.get(m[3])}`);
    assert.deepEqual(ingress, [
      "I1: Internet -> IGW sec-igw",
      "I2: IGW sec-igw -> GWLB endpoint sec-endpoint-2c",
      "I3: GWLB endpoint sec-endpoint-2c -> GWLB appliance-gwlb",
      "I3: GWLB appliance-gwlb -> GWLB endpoint sec-endpoint-2c",
      "I4: GWLB endpoint sec-endpoint-2c -> app01-alb node ap-northeast-2c",
      "I7: app01-alb node ap-northeast-2c -> TGW sec-tgw",
      "I9: TGW sec-tgw -> app01-tgw-attachment",
      "I10: app01-tgw-attachment -> app01-web-nlb node ap-northeast-2c",
      "I12: app01-web-nlb node ap-northeast-2c -> web server in app01-private-2c",
    ]);
  });
});
