// End to end: deny rules, fail-open vs fail-closed, idle expiry, eviction at the cap, flow ends.
import { strict as assert } from "node:assert";
import { TCP_ACK, TCP_SYN, buildDatagram, buildIpv4, buildIpv6, buildUdp, encapsulate, ipv6FragmentHeader } from "../../../appliance-agent/sim/packets";
import { GwlbSimulator } from "../../../appliance-agent/sim/simulator";
import { RunningAgent, startAgent } from "../support/agent-process";

async function withAgent(
  options: Parameters<typeof startAgent>[0],
  body: (agent: RunningAgent, sim: GwlbSimulator) => Promise<void>,
): Promise<void> {
  const agent = await startAgent(options);
  const sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 8 });
  try {
    await body(agent, sim);
  } finally {
    await sim.close();
    await agent.stop();
  }
}

function udp(src: string, dst: string, srcPort: number, dstPort: number): Buffer {
  return buildDatagram({ inner: { src, dst, protocol: "udp", srcPort, dstPort, payload: 12 } }).datagram;
}

/** A later IPv4 fragment: well-formed GENEVE, but no 5-tuple can be read. */
function laterFragment(): Buffer {
  return encapsulate(buildIpv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, payload: Buffer.alloc(32, 1), fragmentOffset: 4 }));
}

describe("agent e2e: policy and flow table (bundle)", function () {
  this.timeout(60000);

  it("applies deny rules per flow, both directions, and counts verdicts per rule", async () => {
    const policy = {
      defaultAction: "allow",
      failMode: "closed",
      rules: [
        { name: "block-ssh", action: "deny", protocol: "tcp", destination: { ports: 22 } },
        { name: "block-net", action: "deny", source: { cidr: "192.0.2.0/24" } },
      ],
    };
    await withAgent({ policy }, async (agent, sim) => {
      const [p0, p1] = sim.sourcePorts;
      const sshSyn = buildDatagram({ inner: { src: "198.51.100.1", dst: "10.0.0.5", protocol: "tcp", srcPort: 50000, dstPort: 22, tcpFlags: TCP_SYN } }).datagram;
      const sshReply = buildDatagram({ inner: { src: "10.0.0.5", dst: "198.51.100.1", protocol: "tcp", srcPort: 22, dstPort: 50000, tcpFlags: TCP_SYN | TCP_ACK } }).datagram;
      const webSyn = buildDatagram({ inner: { src: "198.51.100.1", dst: "10.0.0.5", protocol: "tcp", srcPort: 50001, dstPort: 443, tcpFlags: TCP_SYN } }).datagram;
      const webAck = buildDatagram({ inner: { src: "10.0.0.5", dst: "198.51.100.1", protocol: "tcp", srcPort: 443, dstPort: 50001, tcpFlags: TCP_ACK } }).datagram;
      const blocked = udp("192.0.2.77", "10.0.0.5", 4000, 53);
      const report = await sim.exchange(
        [
          { sourcePort: p0, datagram: sshSyn },
          { sourcePort: p0, datagram: sshReply },
          { sourcePort: p1, datagram: webSyn },
          { sourcePort: p1, datagram: webAck },
          { sourcePort: p1, datagram: blocked },
        ],
        { timeoutMs: 500 },
      );
      assert.deepEqual(report.returned, [2, 3]);
      assert.deepEqual(report.missing, [0, 1, 4]);
      const m = await agent.metrics();
      assert.equal(m.get('gwlb_agent_drops_total{reason="policy_deny"}'), 3);
      assert.equal(m.get('gwlb_agent_verdicts_total{action="deny",rule="block-ssh"}'), 1);
      assert.equal(m.get('gwlb_agent_verdicts_total{action="deny",rule="block-net"}'), 1);
      assert.equal(m.get('gwlb_agent_verdicts_total{action="allow",rule="default"}'), 1);
      await agent.waitFor(() => agent.flowLogs().filter((r) => r.event === "flow_start").length === 3, 3000, "3 flow starts");
      const ssh = agent.flowLogs().find((r) => r.dstPort === 22)!;
      assert.deepEqual([ssh.src, ssh.dst, ssh.verdict, ssh.rule], ["198.51.100.1", "10.0.0.5", "deny", "block-ssh"]);
    });
  });

  it("forwards unclassifiable packets under fail-open and drops them under fail-closed", async () => {
    for (const failMode of ["open", "closed"] as const) {
      await withAgent({ policy: { defaultAction: "deny", failMode, rules: [] } }, async (agent, sim) => {
        const report = await sim.exchange([{ sourcePort: sim.sourcePorts[0], datagram: laterFragment() }], { timeoutMs: 500 });
        const m = await agent.metrics();
        assert.equal(m.get('gwlb_agent_unclassified_packets_total{reason="non_first_fragment"}'), 1, failMode);
        if (failMode === "open") {
          assert.equal(report.returned.length, 1);
          assert.equal(m.get("gwlb_agent_unclassified_forwarded_total"), 1);
          assert.equal(m.get('gwlb_agent_drops_total{reason="unclassifiable"}'), 0);
        } else {
          assert.equal(report.returned.length, 0);
          assert.equal(m.get("gwlb_agent_unclassified_forwarded_total"), 0);
          assert.equal(m.get('gwlb_agent_drops_total{reason="unclassifiable"}'), 1);
        }
      });
    }
  });

  it("expires idle flows and logs their end with counts", async () => {
    await withAgent({ policy: { defaultAction: "allow", failMode: "closed", rules: [] }, extraArgs: ["--idle-timeout", "1"] }, async (agent, sim) => {
      const datagram = udp("198.51.100.9", "10.0.0.9", 33333, 53);
      const report = await sim.exchange([
        { sourcePort: sim.sourcePorts[0], datagram },
        { sourcePort: sim.sourcePorts[0], datagram },
        { sourcePort: sim.sourcePorts[0], datagram },
      ]);
      assert.equal(report.returned.length, 3);
      assert.equal((await agent.metrics()).get("gwlb_agent_active_flows"), 1);
      await agent.waitFor(async () => (await agent.metrics()).get("gwlb_agent_active_flows") === 0, 5000, "idle expiry");
      const m = await agent.metrics();
      assert.equal(m.get("gwlb_agent_flows_expired_total"), 1);
      await agent.waitFor(() => agent.flowLogs().some((r) => r.event === "flow_end"), 3000, "flow end log");
      const end = agent.flowLogs().find((r) => r.event === "flow_end")!;
      assert.deepEqual(
        [end.reason, end.packets, end.bytes, end.src, end.srcPort, end.dst, end.dstPort, end.protocol],
        ["idle", 3, 3 * 40, "198.51.100.9", 33333, "10.0.0.9", 53, "udp"],
      );
    });
  });

  it("evicts at the flow table cap but keeps forwarding every packet", async () => {
    await withAgent({ policy: { defaultAction: "allow", failMode: "closed", rules: [] }, extraArgs: ["--max-flows", "4"] }, async (agent, sim) => {
      const items = Array.from({ length: 10 }, (_, i) => ({ sourcePort: sim.sourcePorts[i % 8], datagram: udp("198.51.100.10", "10.0.0.10", 20000 + i, 53) }));
      const report = await sim.exchange(items);
      assert.equal(report.returned.length, 10);
      const m = await agent.metrics();
      assert.equal(m.get("gwlb_agent_active_flows"), 4);
      assert.equal(m.get("gwlb_agent_flow_evictions_total"), 6);
      assert.equal(m.get("gwlb_agent_flows_created_total"), 10);
      await agent.waitFor(() => agent.flowLogs().filter((r) => r.reason === "evicted").length === 6, 3000, "6 evicted flow ends");
      const evictedPorts = agent
        .flowLogs()
        .filter((r) => r.reason === "evicted")
        .map((r) => r.srcPort);
      assert.deepEqual(evictedPorts, [20000, 20001, 20002, 20003, 20004, 20005]);
    });
  });

  it("gives later fragments the verdict of their first fragment (IPv4 and IPv6), even fail-closed", async () => {
    const policy = { defaultAction: "allow", failMode: "closed", rules: [{ name: "no-syslog", action: "deny", protocol: "udp", destination: { ports: 514 } }] };
    await withAgent({ policy }, async (agent, sim) => {
      const v4 = (dstPort: number, id: number): Buffer[] => {
        const udpHeader = buildUdp("198.51.100.30", "10.0.0.30", 40000, dstPort, Buffer.alloc(24, 7));
        return [
          encapsulate(buildIpv4({ src: "198.51.100.30", dst: "10.0.0.30", protocol: 17, id, payload: udpHeader.subarray(0, 16), moreFragments: true })),
          encapsulate(buildIpv4({ src: "198.51.100.30", dst: "10.0.0.30", protocol: 17, id, payload: udpHeader.subarray(16), fragmentOffset: 2 })),
        ];
      };
      const v6 = (dstPort: number, id: number): Buffer[] => {
        const udpHeader = buildUdp("2001:db8::30", "2001:db8::31", 40000, dstPort, Buffer.alloc(24, 7));
        return [
          encapsulate(buildIpv6({ src: "2001:db8::30", dst: "2001:db8::31", nextHeader: 17, payload: udpHeader.subarray(0, 16), extensionHeaders: [ipv6FragmentHeader(0, true, id)] })),
          encapsulate(buildIpv6({ src: "2001:db8::30", dst: "2001:db8::31", nextHeader: 17, payload: udpHeader.subarray(16), extensionHeaders: [ipv6FragmentHeader(2, false, id)] })),
        ];
      };
      const port = sim.sourcePorts[0];
      const datagrams = [...v4(53, 0x1111), ...v4(514, 0x2222), ...v6(53, 0x33334444), ...v6(514, 0x55556666), v4(53, 0x7777)[1]];
      const report = await sim.exchange(
        datagrams.map((datagram) => ({ sourcePort: port, datagram })),
        { timeoutMs: 500 },
      );
      assert.deepEqual(report.returned, [0, 1, 4, 5]);
      const m = await agent.metrics();
      assert.equal(m.get("gwlb_agent_fragments_matched_total"), 4);
      assert.equal(m.get('gwlb_agent_drops_total{reason="policy_deny"}'), 4);
      assert.equal(m.get('gwlb_agent_drops_total{reason="unclassifiable"}'), 1);
      assert.equal(m.get('gwlb_agent_unclassified_packets_total{reason="non_first_fragment"}'), 1);
    });
  });
});
