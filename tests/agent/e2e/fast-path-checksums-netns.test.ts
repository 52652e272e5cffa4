// The fast path swaps the outer addresses with raw writes and updates no checksum: a swap of two
// words leaves the IP header's sum and the UDP pseudo-header's sum as they were. Checked here with
// checksum offload off on both veth ends, so the GWLB side's kernel computes the UDP checksum of
// every datagram it sends and verifies every one it receives (a wrong one is dropped and counted
// in Udp InCsumErrors; the IP header's checksum is verified on every receive anyway). A control
// corrupts one byte of forwarded datagrams on egress to show that the check does catch it.
import { strict as assert } from "node:assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { udpCounters } from "../../../appliance-agent/bench/sys";
import { buildDatagram } from "../../../appliance-agent/sim/packets";
import { FORWARDED_MARK } from "../../../appliance-agent/src/dataplane/fast-path-elements";
import { agentBundle, parseMetrics, scratchDir, sleep } from "../support/agent-process";
import { APPLIANCE, GWLB, GwlbPeer, NetnsPair, netnsUnavailable, tearDownAgentNamespaces, waitUntil } from "../support/netns";
import { METRICS_PORT } from "../../../common/contract";

const HEALTH = 8082;
const ALLOW = { defaultAction: "allow", failMode: "closed", rules: [] };
const PACKETS = 5;

function datagram(): Buffer {
  return buildDatagram({ inner: { src: "10.1.0.1", dst: "10.2.0.1", protocol: "udp", srcPort: 5000, dstPort: 443, totalLength: 200 } }).datagram;
}

/** The Udp counters of a namespace's /proc/net/snmp, by name. */
function namespaceUdpCounters(ns: string): Map<string, number> {
  return udpCounters(execFileSync("ip", ["netns", "exec", ns, "cat", "/proc/net/snmp"], { encoding: "utf8" }));
}

function unavailable(): string | null {
  const reason = netnsUnavailable();
  if (reason !== null) return reason;
  if (spawnSync("ethtool", ["--version"]).status !== 0) return "ethtool is not installed (.ci/run installs it)";
  return null;
}

describe("agent e2e: the fast path's returns carry valid checksums (offload off, verified by the receiver)", function () {
  this.timeout(60_000);
  const reason = unavailable();
  const net = new NetnsPair();
  let peer: GwlbPeer;
  let child: ChildProcess | null = null;
  let stderr = "";

  before(async function () {
    if (reason !== null) {
      if (process.env.CI === "true") throw new Error(`these tests must run in CI: ${reason}`);
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    net.create();
    for (const [ns, dev] of [[net.gwlbNs, net.gwlbDev], [net.applianceNs, net.applianceDev]]) {
      execFileSync("ip", ["netns", "exec", ns, "ethtool", "-K", dev, "tx", "off", "rx", "off"], { stdio: "pipe" });
    }
    peer = await GwlbPeer.start(net.gwlbNs);
    const policyFile = path.join(scratchDir(), `checksums-${process.pid}.json`);
    writeFileSync(policyFile, JSON.stringify(ALLOW));
    const args = ["netns", "exec", net.applianceNs, process.execPath, await agentBundle(), "--config", policyFile, "--listen-address", APPLIANCE,
      "--gwlb-cidrs", `${GWLB}/32`, "--health-address", APPLIANCE, "--health-port", String(HEALTH), "--workers", "1",
      "--fast-path", "nft", "--fast-path-poll-ms", "200", "--drain-seconds", "0"];
    child = spawn("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => stderr.includes('"agent started"'), "agent started", 20_000);
    // The first packet goes through the agent (its return checksummed by its own kernel), and the
    // egress chain learns the flow from that return.
    await peer.send(datagram(), 42000);
    await waitFor(async () => net.kernelFlowElements() === 1 && (await peer.returns()).length === 0, "the flow offloaded");
  });

  after(async () => {
    if (reason === null) await tearDownAgentNamespaces(net, child, peer);
  });

  function waitFor(predicate: () => Promise<boolean> | boolean, what: string, timeoutMs = 8000): Promise<void> {
    return waitUntil(predicate, what, () => `agent stderr: ${stderr}`, timeoutMs);
  }

  async function packetsIn(): Promise<number | undefined> {
    return parseMetrics((await peer.get(`http://${APPLIANCE}:${METRICS_PORT}/metrics`)).body).get("gwlb_agent_packets_in_total");
  }

  /** Sends PACKETS datagrams of the offloaded flow; what came back, and the GWLB side's Udp counters' change. */
  async function sendOffloaded(): Promise<{ returns: string[]; received: number; checksumErrors: number; agentPackets: number }> {
    await peer.returns();
    const [before, agentBefore] = [namespaceUdpCounters(net.gwlbNs), await packetsIn()];
    for (let i = 0; i < PACKETS; i++) await peer.send(datagram(), 42000);
    await sleep(300);
    const returns = (await peer.returns()).map((r) => `${r.from}:${r.fromPort} ${r.hex}`);
    const after = namespaceUdpCounters(net.gwlbNs);
    const delta = (name: string): number => after.get(name)! - before.get(name)!;
    return { returns, received: delta("InDatagrams"), checksumErrors: delta("InCsumErrors"), agentPackets: (await packetsIn())! - agentBefore! };
  }

  it("returns the offloaded flow's datagrams from the kernel byte for byte, every UDP checksum verified by the GWLB side", async () => {
    const sent = await sendOffloaded();
    assert.deepEqual(sent.returns, Array.from({ length: PACKETS }, () => `${APPLIANCE}:42000 ${datagram().toString("hex")}`));
    assert.equal(sent.checksumErrors, 0);
    assert.equal(sent.received, PACKETS);
    // From the kernel: the agent saw none of them.
    assert.equal(sent.agentPackets, 0);
  });

  it("control: the same datagrams with one byte changed after the fast path are dropped by the GWLB side as checksum errors", async () => {
    // A raw write (no checksum update) of the inner packet's TTL in what the fast path forwards (its mark).
    const table = `table netdev corrupt { chain out { type filter hook egress device "${net.applianceDev}" priority 0; meta mark ${FORWARDED_MARK} @th,448,8 set 7; }; }`;
    execFileSync("ip", ["netns", "exec", net.applianceNs, "nft", "-f", "-"], { input: table, stdio: ["pipe", "pipe", "pipe"] });
    try {
      const sent = await sendOffloaded();
      assert.deepEqual(sent.returns, []);
      assert.equal(sent.checksumErrors, PACKETS);
      assert.equal(sent.agentPackets, 0);
    } finally {
      net.nft("delete", "table", "netdev", "corrupt");
    }
  });
});
