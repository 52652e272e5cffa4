// End to end: health, SIGTERM drain timing, policy reload from a file (bad document included),
// SIGHUP, several workers, and command-line errors.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { SETTINGS } from "../../../appliance-agent/src/control/settings";
import { reusePortSupported } from "../../../appliance-agent/src/control/reuse-port";
import { buildDatagram } from "../../../appliance-agent/sim/packets";
import { GwlbSimulator } from "../../../appliance-agent/sim/simulator";
import * as dgram from "node:dgram";
import { freeTcpPort, loopbackPair, runAgentCommand, sleep, startAgent, writePolicy } from "../support/agent-process";

function udp(srcPort: number, dstPort = 53): Buffer {
  return buildDatagram({ inner: { src: "198.51.100.20", dst: "10.0.0.20", protocol: "udp", srcPort, dstPort, payload: 4 } }).datagram;
}

describe("agent e2e: lifecycle (bundle)", function () {
  this.timeout(60000);

  it("drains on SIGTERM: 503 at once, keeps forwarding for the drain period, then exits 0", async () => {
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "closed", rules: [] }, extraArgs: ["--drain-seconds", "2"] });
    const sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 2 });
    try {
      assert.equal((await agent.health()).status, 200);
      assert.equal((await sim.exchange([{ sourcePort: sim.sourcePorts[0], datagram: udp(1000) }])).returned.length, 1);
      const signalledAt = Date.now();
      agent.child.kill("SIGTERM");
      await agent.waitFor(async () => (await agent.health()).status === 503, 1000, "health 503");
      const health = await agent.health();
      assert.deepEqual(health, { status: 503, body: "unhealthy: draining\n" });
      assert.equal((await agent.metrics()).get("gwlb_agent_draining"), 1);
      // The existing flow and a new one are still forwarded while draining.
      const during = await sim.exchange([
        { sourcePort: sim.sourcePorts[0], datagram: udp(1000) },
        { sourcePort: sim.sourcePorts[1], datagram: udp(1001) },
      ]);
      assert.equal(during.returned.length, 2);
      const { code, signal } = await agent.exited;
      const elapsed = Date.now() - signalledAt;
      assert.equal(code, 0);
      assert.equal(signal, null);
      assert.ok(elapsed >= 1900, `exited after ${elapsed} ms, before the 2 s drain period`);
      assert.ok(elapsed < 8000, `exited after ${elapsed} ms`);
      const ends = agent.flowLogs().filter((r) => r.event === "flow_end");
      assert.deepEqual(ends.map((r) => [r.srcPort, r.reason, r.packets]).sort(), [
        [1000, "shutdown", 2],
        [1001, "shutdown", 1],
      ]);
    } finally {
      await sim.close();
      await agent.stop();
    }
  });

  it("reloads the policy file on change; a bad document is rejected and the last good one stays", async () => {
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "closed", rules: [] } });
    const sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 1 });
    const port = sim.sourcePorts[0];
    try {
      assert.equal((await sim.exchange([{ sourcePort: port, datagram: udp(2000, 5353) }])).returned.length, 1);
      writeFileSync(agent.policyFile, JSON.stringify({ defaultAction: "allow", failMode: "closed", rules: [{ name: "no-mdns", action: "deny", protocol: "udp", destination: { ports: 5353 } }] }));
      await agent.waitFor(async () => (await agent.metrics()).get("gwlb_agent_config_version") === 2, 5000, "config version 2");
      // New flows and the existing one (re-decided under the new version) are denied.
      const denied = await sim.exchange(
        [
          { sourcePort: port, datagram: udp(2001, 5353) },
          { sourcePort: port, datagram: udp(2000, 5353) },
          { sourcePort: port, datagram: udp(2002, 53) },
        ],
        { timeoutMs: 500 },
      );
      assert.deepEqual(denied.returned, [2]);
      await agent.waitFor(() => agent.flowLogs().some((r) => r.event === "flow_verdict_change"), 3000, "verdict change log");
      const change = agent.flowLogs().find((r) => r.event === "flow_verdict_change")!;
      assert.deepEqual([change.srcPort, change.verdict, change.rule], [2000, "deny", "no-mdns"]);

      writeFileSync(agent.policyFile, JSON.stringify({ defaultAction: "allow", failMode: "closed", rules: [{ action: "deny", destination: { cidr: "10.0.0.0/33" } }] }));
      await agent.waitFor(async () => (await agent.metrics()).get("gwlb_agent_config_reload_errors_total") === 1, 5000, "reload error");
      assert.ok(agent.stderr.some((line) => line.includes('rules[0].destination.cidr: \\"10.0.0.0/33\\" is not a valid CIDR')), agent.stderr.join("\n"));
      const m = await agent.metrics();
      assert.equal(m.get("gwlb_agent_config_version"), 2);
      assert.equal(m.get("gwlb_agent_config_reloads_total"), 1);
      assert.equal((await agent.health()).status, 200);
      const still = await sim.exchange(
        [
          { sourcePort: port, datagram: udp(2003, 5353) },
          { sourcePort: port, datagram: udp(2004, 53) },
        ],
        { timeoutMs: 500 },
      );
      assert.deepEqual(still.returned, [1]);
    } finally {
      await sim.close();
      await agent.stop();
    }
  });

  it("re-reads the policy on SIGHUP", async () => {
    // The file watch is slowed to 10 minutes so only SIGHUP can cause the reload.
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "closed", rules: [] }, extraArgs: ["--file-poll-ms", "600000"] });
    try {
      writeFileSync(agent.policyFile, JSON.stringify({ defaultAction: "deny", failMode: "closed", rules: [] }));
      agent.child.kill("SIGHUP");
      await agent.waitFor(async () => (await agent.metrics()).get("gwlb_agent_config_version") === 2, 3000, "config version 2");
      agent.child.kill("SIGHUP"); // unchanged document: no new version
      await sleep(300);
      assert.equal((await agent.metrics()).get("gwlb_agent_config_version"), 2);
    } finally {
      await agent.stop();
    }
  });

  it("runs two workers with reusePort under auto (one worker where Node.js lacks it), forward every flow and aggregate metrics", async () => {
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "closed", rules: [] }, workers: 2 });
    const sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 32 });
    try {
      const items = Array.from({ length: 400 }, (_, i) => ({ sourcePort: sim.sourcePorts[i % 32], datagram: udp(10000 + (i % 100)) }));
      const report = await sim.exchange(items, { timeoutMs: 5000 });
      assert.deepEqual(report.missing, []);
      assert.deepEqual(report.mismatched, []);
      const m = await agent.metrics();
      assert.equal(m.get("gwlb_agent_packets_in_total"), 400);
      assert.equal(m.get("gwlb_agent_packets_out_total"), 400);
      // auto picks reusePort where this Node.js has it, else one worker (never a shared socket).
      const supported = await reusePortSupported();
      assert.equal(m.get("gwlb_agent_workers"), supported ? 2 : 1);
      assert.equal(m.get("gwlb_agent_workers_ready"), supported ? 2 : 1);
      assert.equal(m.get(`gwlb_agent_info{socket_mode="${supported ? "reuseport" : "exclusive"}"}`), 1);
      const fallback = agent.stderr.filter((line) => line.includes("running one worker"));
      assert.equal(fallback.length, supported ? 0 : 1);
    } finally {
      await sim.close();
      await agent.stop();
    }
    assert.deepEqual(await agent.exited, { code: 0, signal: null });
  });

  it("documents every option in --help", async () => {
    const { code, stdout } = await runAgentCommand(["--help"]);
    assert.equal(code, 0);
    for (const flag of ["--config", "--ssm-parameter", ...SETTINGS.map((s) => s.flag)]) assert.ok(stdout.includes(`  ${flag} `), `--help lacks ${flag}`);
  });

  it("refuses bad command lines and documents with errors naming the input (exit 2)", async () => {
    const good = writePolicy({ defaultAction: "allow", failMode: "open", rules: [] });
    const cases: Array<[string[], string]> = [
      [[], "appliance-agent: one of --config <file> or --ssm-parameter <name> is required\n"],
      [["--config", good, "--bogus", "1"], "appliance-agent: unknown option --bogus (see --help)\n"],
      [["--config", good, "--health-port", "http"], 'appliance-agent: command line is invalid:\n  - --health-port: "http" is not an integer between 1 and 65535\n'],
      [["--config", good, "--gwlb-cidrs", "10.0.0.0/8,10.1.0.0/99"], 'appliance-agent: command line is invalid:\n  - --gwlb-cidrs: "10.1.0.0/99" is not a valid CIDR\n'],
      [["--config", good, "--tcp-idle-timeout", "30"], 'appliance-agent: command line is invalid:\n  - --tcp-idle-timeout: "30" is not an integer between 60 and 6000\n'],
      [["--config", good, "--ssm-parameter", "/x"], "appliance-agent: give either --config or --ssm-parameter, not both\n"],
      [["--config"], "appliance-agent: --config needs a value\n"],
    ];
    for (const [args, expected] of cases) {
      const { code, stderr } = await runAgentCommand(args);
      assert.equal(stderr, expected, args.join(" "));
      assert.equal(code, 2, args.join(" "));
    }
    const bad = writePolicy({ defaultAction: "allow", failMode: "open", rules: [{ action: "allow", destination: { cidr: "10.0.0.0/33" } }] });
    const { code, stderr } = await runAgentCommand(["--config", bad, "--gwlb-cidrs", "127.0.0.1/32"]);
    assert.equal(code, 2);
    assert.equal(stderr, `appliance-agent: file ${bad} is invalid:\n  - rules[0].destination.cidr: "10.0.0.0/33" is not a valid CIDR\n`);
  });

  it("exits 1 with a clear message when UDP 6081 is taken, with one worker or several", async () => {
    const { agent: address } = loopbackPair();
    const squatter = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => squatter.bind(6081, address, () => resolve()));
    try {
      const good = writePolicy({ defaultAction: "allow", failMode: "open", rules: [] });
      for (const workers of ["1", "2"]) {
        const health = String(await freeTcpPort());
        const args = ["--config", good, "--gwlb-cidrs", "127.0.0.1/32", "--listen-address", address, "--health-address", "127.0.0.1", "--health-port", health, "--metrics-port", "0", "--workers", workers];
        const { code, stderr } = await runAgentCommand(args);
        assert.equal(code, 1, `workers ${workers}`);
        assert.ok(stderr.includes(`cannot bind the GENEVE socket to ${address}:6081: bind EADDRINUSE`), stderr);
      }
    } finally {
      squatter.close();
    }
  });

  it("refuses --socket-mode reuseport where this Node.js lacks it, and runs with it where present", async () => {
    const supported = await reusePortSupported();
    const good = writePolicy({ defaultAction: "allow", failMode: "open", rules: [] });
    if (!supported) {
      const address = loopbackPair().agent;
      const { code, stderr } = await runAgentCommand(["--config", good, "--gwlb-cidrs", "127.0.0.1/32", "--listen-address", address, "--health-address", "127.0.0.1", "--health-port", String(await freeTcpPort()), "--metrics-port", "0", "--workers", "2", "--socket-mode", "reuseport"]);
      assert.equal(code, 1);
      assert.equal(stderr, `appliance-agent: --socket-mode reuseport: this Node.js ${process.version} has no dgram reusePort option (needs >= 22.12); use auto or shared\n`);
      return;
    }
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "open", rules: [] }, workers: 2, extraArgs: ["--socket-mode", "reuseport"] });
    try {
      assert.equal((await agent.metrics()).get('gwlb_agent_info{socket_mode="reuseport"}'), 1);
    } finally {
      await agent.stop();
    }
  });
});
