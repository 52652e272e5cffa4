// End to end over loopback with the bundled agent: byte-identical returns with the right
// ports, many source ports, jumbo frames, spoofed sources, malformed datagrams, metrics and
// flow logs.
import { strict as assert } from "node:assert";
import { AWS_OPTION_CLASS } from "../../../appliance-agent/src/dataplane/geneve";
import { TCP_ACK, TCP_SYN, buildDatagram, encapsulate, buildInnerPacket } from "../../../appliance-agent/sim/packets";
import { ExchangeItem, GwlbSimulator } from "../../../appliance-agent/sim/simulator";
import { RunningAgent, startAgent } from "../support/agent-process";

const ALLOW_ALL = { defaultAction: "allow", failMode: "closed", rules: [] };

describe("agent e2e: forwarding (bundle)", function () {
  this.timeout(60000);
  let agent: RunningAgent;
  let sim: GwlbSimulator;

  before(async () => {
    agent = await startAgent({ policy: ALLOW_ALL });
    sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 40 });
  });
  after(async () => {
    await sim?.close();
    await agent?.stop();
  });

  it("returns IPv4/IPv6 TCP, UDP and ICMP datagrams byte for byte, from the agent, with each GWLB source port kept", async () => {
    const ports = sim.sourcePorts;
    const items: ExchangeItem[] = [];
    for (let i = 0; i < 120; i++) {
      const v6 = i % 2 === 1;
      const protocol = (["tcp", "udp", "icmp"] as const)[i % 3];
      const { datagram } = buildDatagram({
        inner: {
          src: v6 ? `2001:db8::${i.toString(16)}` : `198.18.0.${i}`,
          dst: v6 ? "2001:db8::ffff" : "10.10.21.100",
          protocol,
          srcPort: 30000 + i,
          dstPort: 443,
          tcpFlags: TCP_SYN,
          icmpId: i,
          payload: i,
        },
        geneve: { endpointId: BigInt(i % 3) + 0x1000n, attachmentId: 0x77n, flowCookie: 0x100 + i },
      });
      items.push({ sourcePort: ports[i % ports.length], datagram });
    }
    const report = await sim.exchange(items, { timeoutMs: 5000 });
    assert.deepEqual(report.mismatched, []);
    assert.deepEqual(report.missing, []);
    assert.equal(report.returned.length, 120);
    // Every one of the 40 source ports was answered from a return socket of its own.
    assert.equal((await agent.metrics()).get("gwlb_agent_return_sockets"), 40);
  });

  it("returns jumbo datagrams (8,500-byte inner packets, 8,540-byte GENEVE payload) whole", async () => {
    const v4 = buildDatagram({ inner: { src: "198.18.1.1", dst: "10.10.21.100", protocol: "tcp", srcPort: 5555, dstPort: 80, totalLength: 8500 } }).datagram;
    const v6 = buildDatagram({ inner: { src: "2001:db8::5", dst: "2001:db8::6", protocol: "udp", srcPort: 5555, dstPort: 80, totalLength: 8500 } }).datagram;
    assert.equal(v4.length, 8540);
    assert.equal(v6.length, 8540);
    const report = await sim.exchange([
      { sourcePort: sim.sourcePorts[0], datagram: v4 },
      { sourcePort: sim.sourcePorts[1], datagram: v6 },
    ]);
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.mismatched, []);
  });

  it("drops malformed datagrams and counts each by reason", async () => {
    const before = await agent.metrics();
    const inner = buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp" });
    const badVersion = encapsulate(inner);
    badVersion[0] |= 0x40;
    const critical = encapsulate(inner, { extraOptions: [{ optionClass: 0x0999, type: 0x81, data: Buffer.alloc(4) }] });
    const wrongLength = encapsulate(inner, { omitAwsOptions: ["cookie"], extraOptions: [{ optionClass: AWS_OPTION_CLASS, type: 3, data: Buffer.alloc(8) }] });
    const items: ExchangeItem[] = [
      { sourcePort: sim.sourcePorts[0], datagram: Buffer.from([0, 0, 8]) },
      { sourcePort: sim.sourcePorts[0], datagram: badVersion },
      { sourcePort: sim.sourcePorts[0], datagram: badVersion },
      { sourcePort: sim.sourcePorts[0], datagram: encapsulate(inner).subarray(0, 20) },
      { sourcePort: sim.sourcePorts[0], datagram: encapsulate(inner, { omitAwsOptions: ["endpoint"] }) },
      { sourcePort: sim.sourcePorts[0], datagram: critical },
      { sourcePort: sim.sourcePorts[0], datagram: wrongLength },
      // Fail-closed: a later fragment cannot be classified and is dropped.
      { sourcePort: sim.sourcePorts[0], datagram: encapsulate(Buffer.concat([inner.subarray(0, 6), Buffer.from([0x00, 0x10]), inner.subarray(8)])) },
    ];
    const report = await sim.exchange(items, { timeoutMs: 400 });
    assert.equal(report.returned.length, 0);
    assert.deepEqual(report.mismatched, []);
    const after = await agent.metrics();
    const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    assert.equal(delta('gwlb_agent_drops_total{reason="geneve_truncated"}'), 1);
    assert.equal(delta('gwlb_agent_drops_total{reason="geneve_bad_version"}'), 2);
    assert.equal(delta('gwlb_agent_drops_total{reason="geneve_options_past_end"}'), 1);
    assert.equal(delta('gwlb_agent_drops_total{reason="aws_option_missing"}'), 1);
    assert.equal(delta('gwlb_agent_drops_total{reason="geneve_unknown_critical_option"}'), 1);
    assert.equal(delta('gwlb_agent_drops_total{reason="aws_option_bad_length"}'), 1);
    assert.equal(delta('gwlb_agent_drops_total{reason="unclassifiable"}'), 1);
    assert.equal(delta('gwlb_agent_unclassified_packets_total{reason="non_first_fragment"}'), 1);
    assert.equal(delta("gwlb_agent_packets_in_total"), 8);
    assert.equal(delta("gwlb_agent_packets_out_total"), 0);
    // Every datagram reached the agent: the kernel dropped none on the GENEVE socket.
    assert.equal(after.get("gwlb_agent_socket_receive_drops_total"), 0);
  });

  it("ignores and counts datagrams from sources outside the GWLB CIDRs", async () => {
    const spoofer = await GwlbSimulator.start({ gwlbAddress: agent.addresses.spoof, agentAddress: agent.addresses.agent, returnPort: 6081, sourcePortCount: 2 });
    try {
      const before = await agent.metrics();
      const datagram = buildDatagram({ inner: { src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1, dstPort: 2 } }).datagram;
      const report = await spoofer.exchange(
        [0, 1, 2].map((i) => ({ sourcePort: spoofer.sourcePorts[i % 2], datagram })),
        { timeoutMs: 400 },
      );
      assert.equal(report.returned.length, 0);
      assert.deepEqual(report.mismatched, []);
      const after = await agent.metrics();
      assert.equal((after.get('gwlb_agent_drops_total{reason="source_not_allowed"}') ?? 0) - (before.get('gwlb_agent_drops_total{reason="source_not_allowed"}') ?? 0), 3);
    } finally {
      await spoofer.close();
    }
  });

  it("counts packets and bytes exactly and logs flow start with 5-tuple, ids, verdict and rule", async () => {
    const before = await agent.metrics();
    const port = sim.sourcePorts[3];
    const syn = buildDatagram({
      inner: { src: "203.0.113.50", dst: "10.10.21.100", protocol: "tcp", srcPort: 61000, dstPort: 8443, tcpFlags: TCP_SYN },
      geneve: { endpointId: 0xabcdef0123456789n, attachmentId: 0x0a0b0c0d0e0f1011n, flowCookie: 1 },
    }).datagram;
    const synAck = buildDatagram({
      inner: { src: "10.10.21.100", dst: "203.0.113.50", protocol: "tcp", srcPort: 8443, dstPort: 61000, tcpFlags: TCP_SYN | TCP_ACK },
      geneve: { endpointId: 0xabcdef0123456789n, attachmentId: 0x0a0b0c0d0e0f1011n, flowCookie: 2 },
    }).datagram;
    const report = await sim.exchange([
      { sourcePort: port, datagram: syn },
      { sourcePort: port, datagram: synAck },
    ]);
    assert.equal(report.returned.length, 2);
    const after = await agent.metrics();
    const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    assert.equal(delta("gwlb_agent_packets_in_total"), 2);
    assert.equal(delta("gwlb_agent_packets_out_total"), 2);
    assert.equal(delta("gwlb_agent_bytes_in_total"), syn.length + synAck.length);
    assert.equal(delta("gwlb_agent_bytes_out_total"), syn.length + synAck.length);
    assert.equal(delta("gwlb_agent_flows_created_total"), 1);
    assert.equal(delta('gwlb_agent_verdicts_total{action="allow",rule="default"}'), 1);
    await agent.waitFor(() => agent.flowLogs().some((r) => r.src === "203.0.113.50"), 3000, "flow log");
    const record = agent.flowLogs().find((r) => r.src === "203.0.113.50")!;
    assert.deepEqual(
      { ...record, time: typeof record.time },
      {
        event: "flow_start",
        time: "string",
        worker: 0,
        endpointId: "abcdef0123456789",
        attachmentId: "0a0b0c0d0e0f1011",
        protocol: "tcp",
        src: "203.0.113.50",
        srcPort: 61000,
        dst: "10.10.21.100",
        dstPort: 8443,
        verdict: "allow",
        rule: "default",
        packets: 1,
        bytes: 40,
      },
    );
    assert.equal(after.get("gwlb_agent_config_version"), 1);
    assert.equal(after.get("gwlb_agent_healthy"), 1);
    // One return socket per observed GWLB source port: all 40 were used by earlier tests.
    assert.equal(after.get("gwlb_agent_return_sockets"), 40);
  });
});
