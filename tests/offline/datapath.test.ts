// The local data path end to end on loopback: the ingress flow's HTTP request and response carried
// through the agent bundle by the GWLB simulator; SSH to the ALB denied, dropped and counted.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { endpointIdBits, runLocalDataPath } from "../../offline/datapath/runDataPath";
import { seedPage } from "../../offline/datapath/seedWebServer";
import { stackPolicy } from "../../offline/datapath/stackPolicy";
import { traceGraph } from "../../offline/trace/traceGraph";
import { synthesizedGraph } from "./support/stacks";

describe("offline: the local data path", function () {
  this.timeout(120000);

  it("derives the stack's policy: its VPCs internal, the ALB's port inbound, SSH denied by name, the rest denied", async () => {
    const traced = traceGraph(await synthesizedGraph());
    assert.deepEqual(stackPolicy(traced), {
      version: 1,
      description: "offline job: the stack's inspection policy",
      defaultAction: "deny",
      failMode: "closed",
      internalCidrs: ["10.21.0.0/16", "10.20.0.0/16", "10.10.0.0/16"],
      rules: [
        { name: "no-ssh", action: "deny", protocol: "tcp", destination: { ports: 22 } },
        { name: "web-in", action: "allow", protocol: "tcp", direction: "inbound", destination: { ports: [80] } },
        { name: "egress", action: "allow", direction: "outbound" },
      ],
    });
  });

  it("reads the 64-bit GENEVE endpoint id from a vpce id", () => {
    assert.equal(endpointIdBits("vpce-0000003c"), 0x3cn);
    assert.equal(endpointIdBits("vpce-0123456789abcdef0"), 0x123456789abcdef0n);
  });

  it("returns the seed's page through the agent and drops and counts the denied SSH flow", async () => {
    const traced = traceGraph(await synthesizedGraph());
    const lines: string[] = [];
    const report = await runLocalDataPath(traced, { log: (...args) => lines.push(args.join(" ")), mode: "simulated" });
    assert.equal(report.mode, "simulated-packets");
    assert.equal(report.ok, true);
    assert.deepEqual(report.denied, { returned: false, policyDrops: 1, ruleVerdicts: 1 });
    const page = seedPage({ privateIp: "10.10.23.100", availabilityZone: "ap-northeast-2c", region: "ap-northeast-2" });
    assert.ok(report.page!.startsWith("HTTP/1.1 200 OK\r\n"));
    assert.ok(report.page!.endsWith(`\r\n\r\n${page}`), "the body is the seed's page for the traced web server");
    assert.deepEqual(report.segments.map((s) => s.replace(/length \d+/, "length N")), [
      "192.0.2.50.55585 > 10.20.13.148.80: Flags [S], length N: returned by the agent",
      "10.20.13.148.80 > 192.0.2.50.55585: Flags [S.], length N: returned by the agent",
      "192.0.2.50.55585 > 10.20.13.148.80: Flags [.], length N: returned by the agent",
      "192.0.2.50.55585 > 10.20.13.148.80: Flags [P.], length N: returned by the agent",
      "10.20.13.148.80 > 192.0.2.50.55585: Flags [P.], length N: returned by the agent",
      "10.20.13.148.80 > 192.0.2.50.55585: Flags [F.], length N: returned by the agent",
      "192.0.2.50.55585 > 10.20.13.148.80: Flags [F.], length N: returned by the agent",
      "192.0.2.50.55585 > 10.20.13.148.22: Flags [S], length N: DROPPED by the agent",
    ]);
    const starts = report.flowLogs.filter((r) => r.event === "flow_start").map((r) => [r.src, r.srcPort, r.dst, r.dstPort, r.verdict, r.rule]);
    assert.deepEqual(starts, [
      ["192.0.2.50", 55585, "10.20.13.148", 80, "allow", "web-in"],
      ["192.0.2.50", 55585, "10.20.13.148", 22, "deny", "no-ssh"],
    ]);
    assert.ok(lines.some((l) => l.startsWith("mode: simulated packets")), "says which mode ran");
  });

  it("as root, carries real TCP through the agent in network namespaces of its own, and cleans them up", async function () {
    // CI runs as root: there the namespace mode must run, not be skipped.
    if (process.getuid?.() !== 0) {
      if (process.env.CI === "true") assert.fail("CI must run as root to test the namespace mode");
      this.skip();
    }
    const traced = traceGraph(await synthesizedGraph());
    const lines: string[] = [];
    const report = await runLocalDataPath(traced, { log: (...args) => lines.push(args.join(" ")), mode: "namespaces" });
    assert.equal(report.mode, "network-namespaces");
    assert.equal(report.ok, true, lines.join("\n"));
    const page = seedPage({ privateIp: "10.10.23.100", availabilityZone: "ap-northeast-2c", region: "ap-northeast-2" });
    assert.ok(report.page!.startsWith("HTTP/1.1 200 OK\r\n"));
    assert.ok(report.page!.endsWith(`\r\n\r\n${page}`));
    assert.equal(report.denied!.returned, false);
    assert.equal(report.denied!.ruleVerdicts, 1);
    assert.ok(report.denied!.policyDrops >= 1, "every SYN of the SSH attempt is dropped and counted");
    const starts = report.flowLogs.filter((r) => r.event === "flow_start").map((r) => [r.src, r.dst, r.dstPort, r.verdict, r.rule]);
    assert.deepEqual(starts, [["198.18.1.2", "198.18.2.2", 80, "allow", "web-in"], ["198.18.1.2", "198.18.2.2", 22, "deny", "no-ssh"]]);
    const left = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    assert.ok(!left.includes(`gj${process.pid % 100000}-`), `namespaces left behind: ${left}`);
  });
});
