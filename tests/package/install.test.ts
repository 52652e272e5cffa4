/**
 * The components as a package: `npm pack` the repository, install the tarball into a scratch
 * consumer project from the npm cache the main install filled, type-check a program that uses all
 * four components as the README shows, and synthesize it under the consumer's own mocks.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const CONSUMER = path.join(__dirname, "consumer");

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
}

function installedVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

describe("the installable package", function () {
  this.timeout(600_000);
  let scratch: string;
  let tarball: string;
  let files: string[];

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gwlb-consumer-"));
    // `prepare` (the build) runs first and prints to the same stdout; the JSON report is the last thing printed.
    const output = run("npm", ["pack", "--json", "--pack-destination", scratch], ROOT);
    const packed = JSON.parse(output.slice(output.search(/^\[/m))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(scratch, packed[0].filename);
    files = packed[0].files.map((f) => f.path).sort();
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("ships the built components, their declarations and the agent bundle, and nothing else", () => {
    assert.ok(files.includes("dist/components/index.js") && files.includes("dist/components/index.d.ts"), files.join("\n"));
    // The components import the contract and the CIDR library shared with the agent.
    assert.ok(files.includes("dist/common/contract.js") && files.includes("dist/common/cidr.d.ts"), files.join("\n"));
    // The agent's bundle (the fleet ships it by default) and the agent's policy types and validator (the fleet's policy input).
    assert.ok(files.includes("dist/appliance-agent.js") && files.includes("dist/appliance-agent/src/policy/schema.js"), files.join("\n"));
    const unexpected = files.filter((f) => !(f === "package.json" || f === "README.md" || f === "dist/appliance-agent.js"
      || /^dist\/(components|common|appliance-agent\/src\/(policy|shared))\/.+\.(js|d\.ts)$/.test(f)));
    assert.deepEqual(unexpected, []);
  });

  it("installs into another project that type-checks and synthesizes all four components", () => {
    const app = path.join(scratch, "app");
    fs.mkdirSync(app);
    for (const file of ["index.ts", "synth.ts", "tsconfig.json"]) fs.copyFileSync(path.join(CONSUMER, file), path.join(app, file));
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({
      name: "scratch-consumer",
      private: true,
      dependencies: {
        "gwlb-inspection": `file:${tarball}`,
        "@pulumi/pulumi": installedVersion("@pulumi/pulumi"),
        "@pulumi/aws": installedVersion("@pulumi/aws"),
        "@pulumi/awsx": installedVersion("@pulumi/awsx"),
      },
      devDependencies: { typescript: installedVersion("typescript"), "@types/node": installedVersion("@types/node") },
    }, null, 2));
    // Tarballs come from the npm cache the main install filled; npm may still ask the registry for
    // package metadata, which `npm ci` does not cache.
    run("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], app);

    // Peer dependencies: the consumer's one Pulumi runtime, not a copy nested under the package.
    assert.equal(fs.existsSync(path.join(app, "node_modules", "gwlb-inspection", "node_modules")), false);

    run(path.join(app, "node_modules", ".bin", "tsc"), ["-p", "."], app);
    const result = JSON.parse(run(process.execPath, [path.join(app, "out", "synth.js")], app).trim()) as {
      total: number; components: string[]; outputs: Record<string, unknown>;
    };
    assert.deepEqual(result.components, [
      "gwlb:inspection:GwlbApplianceFleet appliances",
      "gwlb:network:AppSpoke legacy",
      "gwlb:network:AppSpoke orders",
      "gwlb:network:CentralEgress hub",
      "gwlb:network:InspectionVpc inspection",
    ]);
    // 13 + 33 + 42 + 43 + 11 children (as the in-repo public API test counts them), the 5
    // components and the awsx VPC (a program required under mocks has no stack resource).
    assert.equal(result.total, 142 + 5 + 1);
    assert.deepEqual(result.outputs, { albDnsName: "orders-alb.elb.amazonaws.com", endpointServiceName: "com.amazonaws.vpce.appliances-endpoint-service-id" });
  });
});
