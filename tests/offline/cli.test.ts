// The job's command line: options parsed with clear errors, and `npm start`'s exit codes end to end
// (a healthy export passes, a broken one exits 1 naming the flow, hop and entry).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseJobArgs } from "../../offline/cli/args";
import { recorder } from "../../offline/mockRuntime";
import { toStackExport } from "../../offline/model/stateExport";
import { PROJECT_DIR, synthesize } from "../../offline/synthesize";

function runJob(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(PROJECT_DIR, "offline", "main.ts"), ...args], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("offline: the command line", function () {
  this.timeout(180000);

  it("parses stacks, overrides and options", () => {
    assert.deepEqual(parseJobArgs(["prod", "--set", "eastWest=inspect", "--set", "fleetMinSize=3", "--json", "--no-datapath", "--out", "pics"]), {
      stack: "prod", overrides: { eastWest: "inspect", fleetMinSize: 3 }, stateFile: undefined, outDir: "pics", datapathMode: "auto", json: true, allCases: false, datapath: false, draw: true, help: false,
    });
    assert.equal(parseJobArgs([]).stack, "dev");
  });

  const bad: Array<[string[], string]> = [
    [["--set", "novalue"], '--set needs KEY=VALUE, got "novalue"'],
    [["--state"], "--state needs a value"],
    [["--state", "x.json", "dev"], "--state traces an exported stack: it takes no STACK and no --set"],
    [["--frobnicate"], "unknown option --frobnicate"],
    [["a", "b"], 'one stack at a time: got "a" and "b"'],
    [["--datapath", "fast"], '--datapath must be auto, namespaces or simulated, got "fast"'],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(" ")}`, () => assert.throws(() => parseJobArgs(argv), { message }));
  }

  it("exits 0 on a healthy export and 1 on a broken one, printing the failure", async () => {
    await synthesize("dev");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gwlb-cli-"));
    try {
      const doc = toStackExport([...recorder.registrations]);
      fs.writeFileSync(path.join(dir, "healthy.json"), JSON.stringify(doc));
      const healthy = runJob(["--state", path.join(dir, "healthy.json"), "--no-datapath", "--no-draw"]);
      assert.equal(healthy.status, 0, healthy.stderr);
      assert.match(healthy.stdout, /All 40 cases of 3 flows pass every check\./);

      const hub = doc.deployment.resources.find((r) => r.type === "aws:ec2transitgateway/vpcAttachment:VpcAttachment" && r.inputs?.applianceModeSupport === "enable")!;
      // A spoke attachment with no subnet in AZ 2c: the spoke's 2c subnet cannot reach the TGW.
      const spoke = doc.deployment.resources.find((r) => r.type === "aws:ec2transitgateway/vpcAttachment:VpcAttachment" && r !== hub)!;
      spoke.inputs!.subnetIds = (spoke.inputs!.subnetIds as string[]).slice(0, 1);
      fs.writeFileSync(path.join(dir, "broken.json"), JSON.stringify(doc));
      const broken = runJob(["--state", path.join(dir, "broken.json"), "--no-datapath", "--no-draw", "--json"]);
      assert.equal(broken.status, 1, broken.stderr);
      const data = JSON.parse(broken.stdout) as { pass: boolean; failures: Array<{ flow: string; hop: number; hopText: string; entry: string; message: string }> };
      assert.equal(data.pass, false);
      const egress = data.failures.find((f) => f.flow === "egress web server in app01-private-2c -> internet")!;
      assert.deepEqual([egress.hop, egress.hopText, egress.entry, egress.message], [
        1, "app01-private-rt: 0.0.0.0/0 -> sec-tgw", "app01-tgw-attachment",
        "web server in app01-private-2c -> internet: does not arrive: app01-tgw-attachment has no subnet in ap-northeast-2c, so app01-private-2c cannot reach the transit gateway",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 naming a missing state file", () => {
    const result = runJob(["--state", "/nonexistent/state.json", "--no-datapath"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--state \/nonexistent\/state\.json: no such file/);
  });
});
