// End to end on Node.js 24 (the appliances' runtime): workers that each bind UDP 6081 with
// SO_REUSEPORT, which Node.js 20 cannot do (the Node.js 20 runs cover the shared socket).
// The binary comes from the npm registry (appliance-agent/node24.ts); without it the suite skips,
// except under CI=true where a missing Node.js 24 is a failure.
import { strict as assert } from "node:assert";
import { GENEVE_PORT } from "../../../common/contract";
import { buildDatagram } from "../../../appliance-agent/sim/packets";
import { GwlbSimulator } from "../../../appliance-agent/sim/simulator";
import { readKernelSocketStats } from "../../../appliance-agent/src/control/kernel-socket-stats";
import { startAgent } from "../support/agent-process";
import { NODE24_VERSION, node24Binary } from "../../../appliance-agent/node24";

function udp(srcPort: number): Buffer {
  return buildDatagram({ inner: { src: "198.51.100.24", dst: "10.0.0.24", protocol: "udp", srcPort, dstPort: 53, payload: 4 } }).datagram;
}

describe(`agent e2e: reusePort workers on Node.js ${NODE24_VERSION} (bundle)`, function () {
  this.timeout(60000);
  let node24: string;

  before(async function () {
    this.timeout(6 * 60 * 1000); // a first run downloads about 50 MB
    try {
      node24 = await node24Binary();
    } catch (error) {
      const why = `no Node.js ${NODE24_VERSION}: ${(error as Error).message}`;
      if (process.env.CI === "true") throw new Error(`${why} (CI=true: the reusePort tests must run)`);
      process.stderr.write(`      skipping the Node.js 24 tests, ${why}\n`);
      this.skip();
    }
  });

  it("runs two workers that each bind UDP 6081 with reusePort, forward every flow and aggregate metrics", async () => {
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "closed", rules: [] }, workers: 2, extraArgs: ["--socket-mode", "reuseport"], nodeBinary: node24 });
    const sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 32 });
    try {
      // Two GENEVE sockets on the agent's address and port: one per worker, not one shared.
      assert.equal((await readKernelSocketStats(agent.addresses.agent, GENEVE_PORT))?.sockets, 2);
      const items = Array.from({ length: 400 }, (_, i) => ({ sourcePort: sim.sourcePorts[i % 32], datagram: udp(10000 + (i % 100)) }));
      const report = await sim.exchange(items, { timeoutMs: 5000 });
      assert.deepEqual(report.missing, []);
      assert.deepEqual(report.mismatched, []);
      const m = await agent.metrics();
      assert.equal(m.get("gwlb_agent_packets_in_total"), 400);
      assert.equal(m.get("gwlb_agent_packets_out_total"), 400);
      assert.equal(m.get("gwlb_agent_workers"), 2);
      assert.equal(m.get("gwlb_agent_workers_ready"), 2);
      assert.equal(m.get('gwlb_agent_info{socket_mode="reuseport"}'), 1);
      // The kernel spreads the 32 GWLB source ports over both workers' sockets.
      await agent.waitFor(() => new Set(agent.flowLogs().map((r) => r.worker)).size === 2, 3000, "flow logs from both workers");
      assert.deepEqual([...new Set(agent.flowLogs().map((r) => r.worker))].sort(), [0, 1]);
    } finally {
      await sim.close();
      await agent.stop();
    }
    assert.deepEqual(await agent.exited, { code: 0, signal: null });
  });

  it("picks reusePort by itself under --socket-mode auto", async () => {
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "open", rules: [] }, workers: 2, nodeBinary: node24 });
    try {
      const m = await agent.metrics();
      assert.equal(m.get('gwlb_agent_info{socket_mode="reuseport"}'), 1);
      assert.equal(m.get('gwlb_agent_info{socket_mode="shared"}'), undefined);
    } finally {
      await agent.stop();
    }
  });
});
