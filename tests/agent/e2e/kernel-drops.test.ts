// End to end: datagrams the kernel dropped while the agent could not read show up in /metrics.
import * as assert from "node:assert/strict";
import * as os from "node:os";
import { buildDatagram } from "../../../appliance-agent/sim/packets";
import { GwlbSimulator } from "../../../appliance-agent/sim/simulator";
import { startAgent } from "../support/agent-process";

describe("kernel socket statistics (bundle)", () => {
  it("counts the datagrams the kernel dropped while the agent could not read: received + dropped = sent", async function () {
    if (os.platform() !== "linux") this.skip();
    const agent = await startAgent({ policy: { defaultAction: "allow", failMode: "open", rules: [] }, extraArgs: ["--receive-buffer", "65536", "--flow-logs", "off"] });
    const sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 4 });
    const SENT = 400;
    try {
      const { datagram } = buildDatagram({ inner: { src: "10.10.21.100", dst: "198.51.100.7", protocol: "udp", srcPort: 4000, dstPort: 443, totalLength: 1400 } });
      agent.child.kill("SIGSTOP"); // the agent stops reading; the 128 KiB receive buffer fills
      try {
        for (let i = 0; i < SENT; i++) sim.send(sim.sourcePorts[i % 4], datagram);
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        agent.child.kill("SIGCONT");
      }
      let metrics = await agent.metrics();
      const accounted = () => (metrics.get("gwlb_agent_packets_in_total") ?? 0) + (metrics.get("gwlb_agent_socket_receive_drops_total") ?? 0);
      await agent.waitFor(async () => {
        metrics = await agent.metrics();
        return accounted() === SENT;
      }, 5000, "every datagram received or counted as a kernel drop");
      assert.equal(accounted(), SENT);
      assert.ok((metrics.get("gwlb_agent_socket_receive_drops_total") ?? 0) > 0, "the small buffer overflowed");
      assert.equal(metrics.get("gwlb_agent_socket_receive_queue_bytes"), 0);
    } finally {
      await sim.close();
      await agent.stop();
    }
  });
});
