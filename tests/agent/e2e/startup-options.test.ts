// End to end: the start-up options that guard an appliance: the GWLB sources are required, several
// workers only with a per-worker socket, and /metrics on a listener of its own (never the health port).
import { strict as assert } from "node:assert";
import { freeTcpPort, httpGet, loopbackPair, runAgentCommand, startAgent, writePolicy } from "../support/agent-process";

const POLICY = { defaultAction: "allow", failMode: "open", rules: [] };

describe("agent e2e: start-up options (bundle)", function () {
  this.timeout(60000);

  it("refuses to start without --gwlb-cidrs (exit 2), naming the option", async () => {
    const good = writePolicy(POLICY);
    const { code, stdout, stderr } = await runAgentCommand(["--config", good, "--listen-address", loopbackPair().agent, "--health-address", "127.0.0.1", "--health-port", String(await freeTcpPort())]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      "appliance-agent: settings is invalid:\n  - --gwlb-cidrs: required (or agent.gwlbCidrs in the document): the CIDRs of the GWLB subnets; there is no default, so that GENEVE from anything else in the VPC is never forwarded\n",
    );
  });

  it("takes the sources from the document's agent section as well", async () => {
    const agent = await startAgent({ policy: { ...POLICY, agent: { gwlbCidrs: ["127.0.0.0/8"] } }, gwlbCidrs: null });
    try {
      assert.equal((await agent.health()).status, 200);
      await agent.waitFor(() => agent.stderr.some((line) => line.includes('"agent started"')), 5000, "agent started");
      const started = agent.stderr.map((line) => JSON.parse(line) as Record<string, unknown>).find((record) => record.message === "agent started");
      assert.deepEqual(started?.gwlbCidrs, ["127.0.0.0/8"]);
    } finally {
      await agent.stop();
    }
  });

  it("refuses several workers on a shared socket (exit 2)", async () => {
    const good = writePolicy(POLICY);
    const { code, stderr } = await runAgentCommand(["--config", good, "--gwlb-cidrs", "127.0.0.1/32", "--listen-address", loopbackPair().agent, "--health-address", "127.0.0.1", "--health-port", String(await freeTcpPort()), "--workers", "3", "--socket-mode", "shared"]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      "appliance-agent: settings is invalid:\n  - --socket-mode shared: refused with --workers 3: on a shared socket one flow's packets reach several workers, which may decide it differently; use --workers 1, or reuseport (Node.js >= 22.12)\n",
    );
  });

  it("refuses a metrics port equal to the health port (exit 2)", async () => {
    const good = writePolicy(POLICY);
    const port = String(await freeTcpPort());
    const { code, stderr } = await runAgentCommand(["--config", good, "--gwlb-cidrs", "127.0.0.1/32", "--health-port", port, "--metrics-port", port]);
    assert.equal(code, 2);
    assert.equal(stderr, `appliance-agent: settings is invalid:\n  - --metrics-port: ${port} is the health port; metrics get a listener of their own (give another port, or 0 to serve /metrics on the health port)\n`);
  });

  it("serves health only on the health port and metrics only on the metrics port", async () => {
    const agent = await startAgent({ policy: POLICY });
    try {
      assert.deepEqual(await httpGet(agent.healthPort, "/metrics"), { status: 404, body: "not found\n" });
      assert.deepEqual(await httpGet(agent.healthPort, "/healthz"), { status: 200, body: "ok: ok\n" });
      assert.deepEqual(await httpGet(agent.metricsPort, "/health"), { status: 404, body: "not found\n" });
      assert.deepEqual(await httpGet(agent.metricsPort, "/"), { status: 404, body: "not found\n" });
      const metrics = await httpGet(agent.metricsPort, "/metrics");
      assert.equal(metrics.status, 200);
      assert.ok(metrics.body.includes("\ngwlb_agent_healthy 1\n"), metrics.body);
    } finally {
      await agent.stop();
    }
  });

  it("--metrics-port 0 serves /metrics on the health port (the old single-port behaviour)", async () => {
    const agent = await startAgent({ policy: POLICY, metricsPort: 0 });
    try {
      const metrics = await httpGet(agent.healthPort, "/metrics");
      assert.equal(metrics.status, 200);
      assert.ok(metrics.body.includes("\ngwlb_agent_healthy 1\n"), metrics.body);
      assert.equal((await agent.health()).status, 200);
    } finally {
      await agent.stop();
    }
  });
});
