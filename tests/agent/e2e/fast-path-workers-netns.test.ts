// The kernel fast path with two reusePort workers on Node.js 24 (the appliances' runtime), in
// network namespaces: one table shared by both workers, each flow installed once by the worker
// the kernel steers its GWLB source port to, and a reload re-decides the flows of both.
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildDatagram } from "../../../appliance-agent/sim/packets";
import { agentBundle, parseMetrics, scratchDir, sleep } from "../support/agent-process";
import { APPLIANCE, GWLB, GwlbPeer, NetnsPair, netnsUnavailable, tearDownAgentNamespaces, waitUntil } from "../support/netns";
import { NODE24_VERSION, node24Binary } from "../../../appliance-agent/node24";
import { METRICS_PORT } from "../../../common/contract";

const HEALTH = 8081;
const FLOWS = 16;
const ALLOW = { defaultAction: "allow", failMode: "closed", rules: [] };

function flow(i: number): Buffer {
  return buildDatagram({ inner: { src: "10.1.0.1", dst: "10.2.0.1", protocol: "udp", srcPort: 6000 + i, dstPort: 443, totalLength: 64 } }).datagram;
}

describe(`agent e2e: fast path shared by reusePort workers on Node.js ${NODE24_VERSION}, in network namespaces`, function () {
  this.timeout(120_000);
  const reason = netnsUnavailable();
  const net = new NetnsPair();
  let peer: GwlbPeer;
  let child: ChildProcess | null = null;
  const stdout: string[] = [];
  let stderr = "";
  let policyFile = "";

  before(async function () {
    this.timeout(6 * 60 * 1000); // a first run downloads Node.js 24
    let why = reason;
    let node24 = "";
    if (why === null) {
      try {
        node24 = await node24Binary();
      } catch (error) {
        why = `no Node.js ${NODE24_VERSION}: ${(error as Error).message}`;
      }
    }
    if (why !== null) {
      if (process.env.CI === "true") throw new Error(`these tests must run in CI: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    net.create();
    peer = await GwlbPeer.start(net.gwlbNs);
    policyFile = path.join(scratchDir(), `workers-${process.pid}.json`);
    writeFileSync(policyFile, JSON.stringify(ALLOW));
    const args = ["netns", "exec", net.applianceNs, node24, await agentBundle(), "--config", policyFile, "--listen-address", APPLIANCE,
      "--gwlb-cidrs", `${GWLB}/32`, "--health-address", APPLIANCE, "--health-port", String(HEALTH), "--workers", "2",
      "--fast-path", "nft", "--fast-path-poll-ms", "200", "--drain-seconds", "0"];
    child = spawn("ip", args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (chunk: Buffer) => stdout.push(...chunk.toString().split("\n").filter((line) => line.startsWith("{"))));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => stderr.includes('"agent started"'), "agent started", 20_000);
  });

  after(async () => {
    if (reason === null) await tearDownAgentNamespaces(net, child, peer);
  });

  async function metrics(): Promise<Map<string, number>> {
    // The metrics listener of its own (METRICS_PORT), apart from the health port.
    return parseMetrics((await peer.get(`http://${APPLIANCE}:${METRICS_PORT}/metrics`)).body);
  }

  function waitFor(predicate: () => Promise<boolean> | boolean, what: string, timeoutMs = 8000): Promise<void> {
    return waitUntil(predicate, what, () => `agent stderr: ${stderr}`, timeoutMs);
  }

  it("picks reusePort under --socket-mode auto, installs each flow once, and the kernel returns the rest", async () => {
    const m0 = await metrics();
    assert.equal(m0.get('gwlb_agent_info{socket_mode="reuseport"}'), 1);
    assert.equal(m0.get("gwlb_agent_workers_ready"), 2);
    for (let i = 0; i < FLOWS; i++) await peer.send(flow(i), 41000 + i);
    // Learned by the kernel from each worker's returns: one element per flow (one direction each).
    await waitFor(async () => (await metrics()).get("gwlb_agent_fast_path_flows") === FLOWS && net.kernelFlowElements() === FLOWS, `${FLOWS} flows installed`);
    assert.equal((await peer.returns()).length, FLOWS);
    for (let i = 0; i < FLOWS; i++) await peer.send(flow(i), 41000 + i);
    await sleep(300);
    const returns = await peer.returns();
    assert.deepEqual(
      returns.map((r) => `${r.fromPort} ${r.hex}`).sort(),
      Array.from({ length: FLOWS }, (_, i) => `${41000 + i} ${flow(i).toString("hex")}`).sort(),
    );
    const m = await metrics();
    assert.equal(m.get("gwlb_agent_packets_in_total"), FLOWS);
    assert.equal(m.get("gwlb_agent_fast_path_installs_total"), FLOWS);
    // The kernel spread the 16 GWLB source ports over both workers (a 2 in 65,536 chance otherwise).
    const workers = new Set(stdout.map((line) => (JSON.parse(line) as { worker: number }).worker));
    assert.deepEqual([...workers].sort(), [0, 1]);
  });

  it("re-decides the offloaded flows of both workers on a reload, so none passes after a deny", async () => {
    writeFileSync(policyFile, JSON.stringify({ ...ALLOW, defaultAction: "deny" }));
    child!.kill("SIGHUP");
    await waitFor(async () => (await metrics()).get("gwlb_agent_config_version") === 2, "policy version 2");
    await sleep(1000);
    await peer.returns();
    for (let i = 0; i < FLOWS; i++) await peer.send(flow(i), 41000 + i);
    await sleep(300);
    assert.deepEqual(await peer.returns(), []);
    const changes = stdout.map((line) => JSON.parse(line) as { event: string; worker: number; verdict: string }).filter((e) => e.event === "flow_verdict_change");
    assert.equal(changes.length, FLOWS);
    assert.deepEqual([...new Set(changes.map((e) => e.verdict))], ["deny"]);
    assert.deepEqual([...new Set(changes.map((e) => e.worker))].sort(), [0, 1]);
  });
});
