// The kernel fast path end to end, in two network namespaces (root; CI runs as root): the
// bundled agent in one, the GWLB's side in the other, nftables doing the forwarding.
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildDatagram, buildIpv4, buildIpv6, buildUdp, encapsulate, ipv6FragmentHeader, ipv6OptionsHeader } from "../../../appliance-agent/sim/packets";
import { agentBundle, parseMetrics, scratchDir, sleep } from "../support/agent-process";
import { APPLIANCE, GWLB, GwlbPeer, NetnsPair, OUTSIDER, netnsUnavailable, waitUntil } from "../support/netns";
import { METRICS_PORT } from "../../../common/contract";

const HEALTH = 8080;
const ALLOW_ALL = { defaultAction: "allow", failMode: "closed", rules: [{ name: "no-dns", action: "deny", protocol: "udp", destination: { ports: 53 } }] };

function udpDatagram(srcPort: number, dstPort: number, totalLength = 64): Buffer {
  return buildDatagram({ inner: { src: "10.1.0.1", dst: "10.2.0.1", protocol: "udp", srcPort, dstPort, totalLength } }).datagram;
}

class NsAgent {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      this.stdout.push(...lines);
    });
    child.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }
  flowLogs(): Array<Record<string, unknown>> {
    return this.stdout.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  /** Who keeps element timeouts, as the agent said at start ("poll" or "packet"). */
  timeoutRefresh(): string {
    const line = this.stderr.join("").split("\n").find((l) => l.includes('"fast path on'));
    const mode = line === undefined ? undefined : (JSON.parse(line) as { timeoutRefresh?: string }).timeoutRefresh;
    if (mode !== "poll" && mode !== "packet") throw new Error(`no timeoutRefresh in the agent's start line: ${line}`);
    return mode;
  }
  async stop(signal: NodeJS.Signals): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

describe("agent e2e: kernel fast path in network namespaces", function () {
  this.timeout(60_000);
  const reason = netnsUnavailable();
  const net = new NetnsPair();
  let peer: GwlbPeer;
  let agent: NsAgent | null = null;
  let policyFile: string;

  before(async function () {
    if (reason !== null) {
      if (process.env.CI === "true") throw new Error(`namespace tests cannot run in CI: ${reason}`);
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    net.create();
    peer = await GwlbPeer.start(net.gwlbNs);
  });

  after(() => {
    peer?.close();
    if (reason === null) net.destroy();
  });

  afterEach(async () => {
    if (agent !== null && agent.child.exitCode === null) await agent.stop("SIGKILL");
    agent = null;
    net.nft("delete", "table", "netdev", "gwlb_agent");
  });

  /** Spawns the agent in the appliance's namespace (`wrapper` goes before node there). */
  async function spawnAgent(policy: unknown, extra: string[], wrapper: string[]): Promise<NsAgent> {
    policyFile = path.join(scratchDir(), `fastpath-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(policyFile, JSON.stringify(policy));
    const bundle = await agentBundle();
    const args = ["netns", "exec", net.applianceNs, ...wrapper, process.execPath, bundle, "--config", policyFile, "--listen-address", APPLIANCE,
      "--gwlb-cidrs", `${GWLB}/32`, "--health-address", APPLIANCE, "--health-port", String(HEALTH), "--workers", "1",
      ...(extra.includes("--fast-path-poll-ms") ? [] : ["--fast-path-poll-ms", "200"]), "--drain-seconds", "0", ...extra];
    agent = new NsAgent(spawn("ip", args, { stdio: ["ignore", "pipe", "pipe"] }));
    return agent;
  }

  async function start(policy: unknown, extra: string[] = [], wrapper: string[] = []): Promise<NsAgent> {
    const started = await spawnAgent(policy, extra, wrapper);
    await waitFor(async () => (await peer.get(`http://${APPLIANCE}:${HEALTH}/health`)).status === 200, "health 200");
    // The table is set up after the sockets are bound, so health may answer before it is in place.
    await waitFor(() => started.stderr.join("").includes('"agent started"'), "agent started");
    return started;
  }

  /**
   * `flows` flows offloaded by the agent and in the kernel as one element each: written by the
   * agent (a denial, or the first flow of an endpoint, which waits for the endpoint's bank) or
   * learned by the egress chain from the agent's return.
   */
  async function flowsInstalled(flows: number, what: string): Promise<void> {
    let seen = "";
    const predicate = async (): Promise<boolean> => {
      const [agentFlows, kernelFlows] = [(await metrics()).get("gwlb_agent_fast_path_flows"), net.kernelFlowElements()];
      seen = `the agent's ${agentFlows} and the kernel's ${kernelFlows}`;
      return agentFlows === flows && kernelFlows === flows;
    };
    await waitFor(predicate, what, 8000, () => `${flows} flows wanted, last seen ${seen}`);
  }

  async function metrics(): Promise<Map<string, number>> {
    // The default metrics listener (METRICS_PORT), apart from the health port.
    return parseMetrics((await peer.get(`http://${APPLIANCE}:${METRICS_PORT}/metrics`)).body);
  }

  /** `seen` adds what the predicate last saw to the timeout's message. */
  function waitFor(predicate: () => Promise<boolean> | boolean, what: string, timeoutMs = 8000, seen?: () => string): Promise<void> {
    return waitUntil(predicate, what, () => `${seen === undefined ? "" : `${seen()}; `}agent stderr: ${agent?.stderr.join("")}`, timeoutMs);
  }

  /**
   * The command prefix of a mount namespace in which the agent's `nft -i` channel starts only
   * once the file `gate` exists (its listings and table set-up do not wait): /usr/sbin/nft, the
   * first place the agent looks, is a script there that waits and runs the real nft, bound at
   * another path.
   */
  function gatedChannel(gate: string): string[] {
    const dir = scratchDir();
    const real = path.join(dir, "nft.real");
    const gated = path.join(dir, "nft-gated");
    writeFileSync(real, "");
    writeFileSync(gated, `#!/bin/sh\nfor a in "$@"; do [ "$a" = "-i" ] && while [ ! -e ${gate} ]; do sleep 0.05; done; done\nexec ${real} "$@"\n`, { mode: 0o755 });
    return ["unshare", "-m", "sh", "-c", `mount --bind /usr/sbin/nft ${real} && mount --bind ${gated} /usr/sbin/nft && exec "$0" "$@"`];
  }

  /**
   * The command prefix of a mount namespace whose /usr/sbin/nft acts as a kernel without in-place
   * element timeout updates would: an `add element` to the agent's probe table succeeds and
   * changes nothing (everything else runs the real nft).
   */
  function kernelWithoutTimeoutUpdates(): string[] {
    const dir = scratchDir();
    const real = path.join(dir, "nft.real");
    const fake = path.join(dir, "nft-no-timeout-update");
    writeFileSync(real, "");
    writeFileSync(fake, `#!/bin/sh\n[ "$1" = add ] && [ "$2" = element ] && [ "$4" = gwlb_agent_probe ] && exit 0\nexec ${real} "$@"\n`, { mode: 0o755 });
    return ["unshare", "-m", "sh", "-c", `mount --bind /usr/sbin/nft ${real} && mount --bind ${fake} /usr/sbin/nft && exec "$0" "$@"`];
  }

  /** Sends the first packet through the agent and waits until the flow is in the kernel. */
  async function offload(datagram: Buffer, port: number): Promise<void> {
    await peer.send(datagram, port);
    await flowsInstalled(1, "the flow installed");
    await peer.returns();
  }

  it("returns an allowed flow's later packets from the kernel byte for byte, ports kept, agent counters still", async () => {
    await start(ALLOW_ALL, ["--fast-path", "nft"]);
    const datagram = udpDatagram(4000, 443, 1400);
    await offload(datagram, 40001);
    const before = await metrics();
    assert.equal(before.get("gwlb_agent_packets_in_total"), 1);
    for (let i = 0; i < 5; i++) await peer.send(datagram, 40001);
    await sleep(300);
    const returns = await peer.returns();
    assert.deepEqual(returns, Array.from({ length: 5 }, () => ({ from: APPLIANCE, fromPort: 40001, hex: datagram.toString("hex") })));
    await waitFor(async () => (await metrics()).get("gwlb_agent_fast_path_packets_total") === 5, "kernel counts polled");
    const after = await metrics();
    assert.equal(after.get("gwlb_agent_packets_in_total"), 1);
    assert.equal(after.get("gwlb_agent_packets_out_total"), 1);
    assert.equal(after.get("gwlb_agent_fast_path_bytes_total"), 5 * 1400);
  });

  it("learns an allowed flow from the agent's return of its first packet, one element for both directions; the flow log has both directions' kernel counts", async () => {
    const running = await start(ALLOW_ALL, ["--fast-path", "nft", "--idle-timeout", "2"]);
    const udp = (src: string, dst: string, srcPort: number, dstPort: number): Buffer =>
      buildDatagram({ inner: { src, dst, protocol: "udp", srcPort, dstPort, totalLength: 80 } }).datagram;
    // The endpoint's first flow (another one) gets it a bank; this flow's element is then learned on egress.
    await offload(udpDatagram(4019, 8052), 40020);
    const forward = udp("10.1.0.1", "10.2.0.1", 4020, 8053);
    const reverse = udp("10.2.0.1", "10.1.0.1", 8053, 4020);
    await peer.send(forward, 40021);
    await flowsInstalled(2, "the second flow learned");
    await peer.send(reverse, 40022);
    await sleep(100);
    await peer.returns();
    for (let i = 0; i < 3; i++) {
      await peer.send(forward, 40021);
      await peer.send(reverse, 40022);
    }
    await sleep(300);
    const returned = (await peer.returns()).map((r) => `${r.fromPort} ${r.hex}`).sort();
    assert.deepEqual(returned, [...Array(3).fill(`40021 ${forward.toString("hex")}`), ...Array(3).fill(`40022 ${reverse.toString("hex")}`)].sort());
    // The agent saw each flow's first packet only; the reverse direction never reached it.
    assert.equal((await metrics()).get("gwlb_agent_packets_in_total"), 2);
    assert.equal(net.kernelFlowElements(), 2);
    const ended = (): Record<string, unknown> | undefined => running.flowLogs().find((log) => log.event === "flow_end" && log.dstPort === 8053);
    await waitFor(() => ended() !== undefined, "flow_end", 10_000);
    const end = ended()!;
    assert.deepEqual([end.reason, end.packets, end.bytes, end.verdict], ["idle", 8, 640, "allow"]);
    assert.equal((await metrics()).get("gwlb_agent_fast_path_installs_total"), 2);
  });

  it("gives each GWLB endpoint a bank of its own: a rule for one endpoint decides the same 5-tuple differently for the other, in the kernel", async () => {
    const policy = { defaultAction: "allow", failMode: "closed", rules: [{ name: "not-b", action: "deny", protocol: "udp", endpointIds: ["00000000000000bb"], destination: { ports: 7100 } }] };
    const running = await start(policy, ["--fast-path", "nft"]);
    const inner = { src: "10.1.0.1", dst: "10.2.0.1", protocol: "udp" as const, srcPort: 4100, dstPort: 7100, totalLength: 64 };
    const fromA = buildDatagram({ inner, geneve: { endpointId: 0xaan } }).datagram;
    const fromB = buildDatagram({ inner, geneve: { endpointId: 0xbbn } }).datagram;
    await offload(fromA, 40031);
    await peer.send(fromB, 40032);
    await flowsInstalled(2, "both endpoints' flows installed");
    assert.deepEqual(await peer.returns(), []);
    for (let i = 0; i < 3; i++) {
      await peer.send(fromA, 40031);
      await peer.send(fromB, 40032);
    }
    await sleep(300);
    assert.deepEqual(await peer.returns(), Array.from({ length: 3 }, () => ({ from: APPLIANCE, fromPort: 40031, hex: fromA.toString("hex") })));
    // One poll may have listed A's set before the packets and B's after them: wait for both counts.
    await waitFor(async () => {
      const counted = await metrics();
      return counted.get("gwlb_agent_fast_path_dropped_packets_total") === 3 && counted.get("gwlb_agent_fast_path_packets_total") === 3;
    }, "kernel drops and forwards polled");
    const m = await metrics();
    assert.equal(m.get("gwlb_agent_packets_in_total"), 2);
    assert.equal(m.get("gwlb_agent_fast_path_endpoints"), 2);
    // Both elements were written by the agent (each endpoint's first flow waits for its bank), so
    // they count only the kernel's 3 packets: once each, or twice where the chain refreshes timeouts.
    const counts = 3 * (running.timeoutRefresh() === "poll" ? 1 : 2);
    assert.match(net.nft("list", "set", "netdev", "gwlb_agent", "a4u_0").stdout, new RegExp(`0xa010001 \\. 0xa020001 \\. 0x1004 \\. 0x1bbc counter packets ${counts} `));
    assert.match(net.nft("list", "set", "netdev", "gwlb_agent", "d4u_1").stdout, new RegExp(`0xa010001 \\. 0xa020001 \\. 0x1004 \\. 0x1bbc counter packets ${counts} `));
  });

  it("keeps the flows of endpoints beyond --fast-path-endpoints on the slow path", async () => {
    await start(ALLOW_ALL, ["--fast-path", "nft", "--fast-path-endpoints", "1"]);
    const inner = { src: "10.1.0.1", dst: "10.2.0.1", protocol: "udp" as const, srcPort: 4101, dstPort: 7101, totalLength: 64 };
    const fromA = buildDatagram({ inner, geneve: { endpointId: 0xaan } }).datagram;
    const fromB = buildDatagram({ inner, geneve: { endpointId: 0xbbn } }).datagram;
    await offload(fromA, 40033);
    for (let i = 0; i < 3; i++) await peer.send(fromB, 40034);
    await waitFor(async () => (await metrics()).get("gwlb_agent_packets_out_total") === 4, "the agent returned the other endpoint's packets");
    const m = await metrics();
    assert.equal(m.get("gwlb_agent_fast_path_endpoints"), 1);
    assert.equal(m.get("gwlb_agent_fast_path_endpoints_refused_total"), 1);
    assert.equal(m.get("gwlb_agent_fast_path_flows"), 1);
    assert.equal(net.kernelFlowElements(), 1);
    assert.equal((await peer.returns()).filter((r) => r.fromPort === 40034 && r.hex === fromB.toString("hex")).length, 3);
  });

  it("keeps a flow whose element it wrote while polls could not see it yet (its nft channel late to start)", async () => {
    const gate = path.join(scratchDir(), `channel-gate-${Math.random().toString(36).slice(2)}`);
    // Polls of 400 ms: three of them well within the ten a written flow is given, on a loaded machine too.
    await start(ALLOW_ALL, ["--fast-path", "nft", "--fast-path-poll-ms", "400"], gatedChannel(gate));
    const datagram = udpDatagram(4002, 443);
    try {
      // The endpoint's first flow: the agent writes its element, the first line of a channel that has not started.
      await peer.send(datagram, 40003);
      await waitFor(async () => (await metrics()).get("gwlb_agent_fast_path_flows") === 1, "the flow written");
      const polls = async (): Promise<number> => (await metrics()).get("gwlb_agent_fast_path_polls_total")!;
      const written = await polls();
      // Three polls end after it (two whole ones at least), each without the element: a learned flow would be given up.
      await waitFor(async () => (await polls()) >= written + 3, "three polls without the element");
      assert.equal((await metrics()).get("gwlb_agent_fast_path_flows"), 1);
      assert.equal(net.kernelFlowElements(), 0);
    } finally {
      // Also when this fails: the gated nft -i would otherwise wait on after the agent is killed.
      writeFileSync(gate, "");
    }
    await flowsInstalled(1, "the written flow in the kernel, and still the agent's");
    await peer.returns();
    for (let i = 0; i < 3; i++) await peer.send(datagram, 40003);
    await sleep(300);
    assert.deepEqual(await peer.returns(), Array.from({ length: 3 }, () => ({ from: APPLIANCE, fromPort: 40003, hex: datagram.toString("hex") })));
    await waitFor(async () => (await metrics()).get("gwlb_agent_fast_path_packets_total") === 3, "kernel counts polled");
    const m = await metrics();
    assert.equal(m.get("gwlb_agent_packets_in_total"), 1);
    assert.equal(m.get("gwlb_agent_fast_path_removals_total"), 0);
  });

  it("drops a denied flow in the kernel", async () => {
    await start(ALLOW_ALL, ["--fast-path", "nft"]);
    const datagram = udpDatagram(4001, 53);
    await peer.send(datagram, 40002);
    await flowsInstalled(1, "the denied flow installed");
    await sleep(100);
    for (let i = 0; i < 4; i++) await peer.send(datagram, 40002);
    await waitFor(async () => (await metrics()).get("gwlb_agent_fast_path_dropped_packets_total") === 4, "kernel drops polled");
    const m = await metrics();
    assert.equal(m.get("gwlb_agent_packets_in_total"), 1);
    assert.equal(m.get('gwlb_agent_drops_total{reason="policy_deny"}'), 1);
    assert.deepEqual(await peer.returns(), []);
  });

  it("stops an offloaded flow within a second of a reload that denies it", async () => {
    const running = await start(ALLOW_ALL, ["--fast-path", "nft"]);
    const datagram = udpDatagram(4002, 8080);
    await offload(datagram, 40003);
    writeFileSync(policyFile, JSON.stringify({ ...ALLOW_ALL, defaultAction: "deny", rules: [] }));
    running.child.kill("SIGHUP");
    await waitFor(async () => (await metrics()).get("gwlb_agent_config_version") === 2, "policy version 2", 3000);
    await sleep(1000);
    await peer.returns();
    for (let i = 0; i < 3; i++) await peer.send(datagram, 40003);
    await sleep(300);
    assert.deepEqual(await peer.returns(), []);
    const change = running.flowLogs().find((log) => log.event === "flow_verdict_change");
    assert.equal(change?.verdict, "deny");
  });

  it("logs flow_end on idle expiry with the kernel's packets and bytes", async () => {
    const running = await start(ALLOW_ALL, ["--fast-path", "nft", "--idle-timeout", "2"]);
    const datagram = udpDatagram(4003, 9000, 100);
    await offload(datagram, 40004);
    for (let i = 0; i < 3; i++) await peer.send(datagram, 40004);
    await waitFor(() => running.flowLogs().some((log) => log.event === "flow_end"), "flow_end", 10_000);
    const end = running.flowLogs().find((log) => log.event === "flow_end")!;
    assert.deepEqual([end.reason, end.packets, end.bytes, end.verdict], ["idle", 4, 400, "allow"]);
    assert.equal((await metrics()).get("gwlb_agent_fast_path_flows"), 0);
  });

  it("keeps an active offloaded flow's element past its idle timeout by refreshing it at polls, one count per packet", async function () {
    const running = await start(ALLOW_ALL, ["--fast-path", "nft", "--idle-timeout", "2"]);
    if (running.timeoutRefresh() !== "poll") {
      if (process.env.CI === "true") throw new Error("this kernel does not update element timeouts in place");
      console.log("      skipped: this kernel does not update element timeouts in place (--fast-path-timeout-refresh packet)");
      this.skip();
    }
    assert.doesNotMatch(net.nft("list", "table", "netdev", "gwlb_agent").stdout, / update @/);
    const datagram = udpDatagram(4005, 9001, 100);
    await offload(datagram, 40006);
    // The element is learned with 2 s + 2 s of slack: 5 s of packets, 250 ms apart, outlast it.
    const sent = 20;
    for (let i = 0; i < sent; i++) {
      await peer.send(datagram, 40006);
      await sleep(250);
    }
    const returns = await peer.returns();
    assert.equal(returns.length, sent);
    assert.ok(returns.every((r) => r.fromPort === 40006 && r.hex === datagram.toString("hex")), "byte for byte, port kept");
    await waitFor(async () => (await metrics()).get("gwlb_agent_fast_path_packets_total") === sent, "kernel counts polled");
    const m = await metrics();
    // Every packet after the first came back from the kernel, and the element was refreshed, never lost.
    assert.equal(m.get("gwlb_agent_packets_in_total"), 1);
    assert.equal(m.get("gwlb_agent_fast_path_installs_total"), 1);
    // About one per half slack (1 s) of traffic, not one per poll (25 in those 5 s).
    const refreshes = m.get("gwlb_agent_fast_path_timeout_refreshes_total")!;
    assert.ok(refreshes >= 3 && refreshes <= 10, `refreshes: ${refreshes}`);
    // The agent wrote the element (the endpoint's first flow waits for its bank): one count per forwarded packet.
    assert.match(net.nft("list", "set", "netdev", "gwlb_agent", "a4u_0").stdout, new RegExp(`counter packets ${sent} bytes ${sent * 168} timeout 4s `));
    await waitFor(() => running.flowLogs().some((log) => log.event === "flow_end"), "flow_end", 10_000);
    const end = running.flowLogs().find((log) => log.event === "flow_end")!;
    assert.deepEqual([end.reason, end.packets, end.bytes], ["idle", 1 + sent, 100 * (1 + sent)]);
    await waitFor(() => net.kernelFlowElements() === 0, "the element deleted with its flow");
  });

  it("with --fast-path-timeout-refresh packet, refreshes timeouts in the chain and credits its two counts per packet exactly", async () => {
    const running = await start(ALLOW_ALL, ["--fast-path", "nft", "--fast-path-timeout-refresh", "packet"]);
    assert.equal(running.timeoutRefresh(), "packet");
    assert.match(net.nft("list", "chain", "netdev", "gwlb_agent", "in4_0").stdout, / update @a4u_0 \{ @th,480,32 \. @th,512,32 \. @th,544,16 \. @th,560,16 timeout 2m\b/);
    const datagram = udpDatagram(4006, 9002, 100);
    await offload(datagram, 40007);
    for (let i = 0; i < 3; i++) await peer.send(datagram, 40007);
    await sleep(300);
    assert.equal((await peer.returns()).length, 3);
    await waitFor(async () => (await metrics()).get("gwlb_agent_fast_path_packets_total") === 3, "kernel counts polled");
    const m = await metrics();
    assert.equal(m.get("gwlb_agent_fast_path_bytes_total"), 300);
    assert.equal(m.get("gwlb_agent_fast_path_timeout_refreshes_total"), 0);
    // Written by the agent (the endpoint's first flow): two counts for each of the kernel's 3 packets.
    assert.match(net.nft("list", "set", "netdev", "gwlb_agent", "a4u_0").stdout, /counter packets 6 bytes 1008 timeout 2m /);
  });

  it("where the kernel keeps an element's expiry when it is added again, refreshes timeouts per packet under auto, and refuses poll at start", async () => {
    const running = await start(ALLOW_ALL, ["--fast-path", "nft"], kernelWithoutTimeoutUpdates());
    assert.equal(running.timeoutRefresh(), "packet");
    assert.match(net.nft("list", "chain", "netdev", "gwlb_agent", "in4_0").stdout, / @a4u_0 update @a4u_0 \{ /);
    // The probe's scratch table is gone.
    assert.notEqual(net.nft("list", "table", "netdev", "gwlb_agent_probe").status, 0);
    await running.stop("SIGKILL");
    net.nft("delete", "table", "netdev", "gwlb_agent");
    const refused = await spawnAgent(ALLOW_ALL, ["--fast-path", "nft", "--fast-path-timeout-refresh", "poll"], kernelWithoutTimeoutUpdates());
    assert.equal(await refused.exited, 1);
    assert.match(refused.stderr.join(""), /--fast-path nft: --fast-path-timeout-refresh poll: this kernel does not update an element's timeout in place/);
    assert.notEqual(net.nft("list", "table", "netdev", "gwlb_agent").status, 0);
    assert.notEqual(net.nft("list", "table", "netdev", "gwlb_agent_probe").status, 0);
  });

  it("never fast-paths fragments, IP options, OAM or truncated datagrams of an offloaded flow", async () => {
    await start({ ...ALLOW_ALL, failMode: "open" }, ["--fast-path", "nft"]);
    const datagram = udpDatagram(4004, 7000);
    await offload(datagram, 40005);
    const udp = buildUdp("10.1.0.1", "10.2.0.1", 4004, 7000, Buffer.alloc(36, 1));
    const variants = [
      encapsulate(buildIpv4({ src: "10.1.0.1", dst: "10.2.0.1", protocol: 17, payload: udp, moreFragments: true })),
      encapsulate(buildIpv4({ src: "10.1.0.1", dst: "10.2.0.1", protocol: 17, payload: udp, options: Buffer.from([1, 1, 1, 0]) })),
      (() => {
        const oam = Buffer.from(datagram);
        oam[1] |= 0x80;
        return oam;
      })(),
      (() => {
        const truncated = Buffer.from(datagram.subarray(0, datagram.length - 10));
        return truncated;
      })(),
    ];
    for (const variant of variants) await peer.send(variant, 40005);
    await sleep(300);
    const m = await metrics();
    assert.equal(m.get("gwlb_agent_packets_in_total"), 1 + variants.length);
    assert.equal(m.get('gwlb_agent_drops_total{reason="geneve_oam_packet"}'), 1);
    assert.equal(m.get('gwlb_agent_unclassified_packets_total{reason="inner_truncated"}'), 1);
  });

  it("never fast-paths IPv6 extension headers of an offloaded IPv6 flow: the agent returns each one itself", async () => {
    await start(ALLOW_ALL, ["--fast-path", "nft"]);
    const [src, dst] = ["fd00:1::1", "fd00:2::1"];
    const udp = buildUdp(src, dst, 4010, 7010, Buffer.alloc(36, 2));
    const plain = encapsulate(buildIpv6({ src, dst, nextHeader: 17, payload: udp }));
    await offload(plain, 40011);
    assert.match(net.nft("list", "set", "netdev", "gwlb_agent", "a6u_0").stdout, /counter packets/);
    await peer.send(plain, 40011);
    const variants = [
      encapsulate(buildIpv6({ src, dst, nextHeader: 17, payload: udp, extensionHeaders: [ipv6OptionsHeader(0)] })), // hop-by-hop
      encapsulate(buildIpv6({ src, dst, nextHeader: 17, payload: udp, extensionHeaders: [ipv6OptionsHeader(60)] })), // destination options
      encapsulate(buildIpv6({ src, dst, nextHeader: 17, payload: udp, extensionHeaders: [ipv6FragmentHeader(0, false)] })), // atomic fragment
    ];
    for (const variant of variants) await peer.send(variant, 40011);
    await sleep(300);
    // The plain packet came back from the kernel; only the first one and the variants reached the agent.
    assert.equal((await metrics()).get("gwlb_agent_packets_in_total"), 1 + variants.length);
    const returned = (await peer.returns()).filter((r) => r.fromPort === 40011).map((r) => r.hex);
    assert.deepEqual(returned.sort(), [plain, ...variants].map((d) => d.toString("hex")).sort());
  });

  it("sheds what reaches the agent beyond --slow-path-max-pps in the kernel, and offloaded flows still pass", async () => {
    await start(ALLOW_ALL, ["--fast-path", "nft", "--slow-path-max-pps", "1"]);
    const admitted = udpDatagram(4006, 7002);
    await offload(admitted, 40007); // one token of the 64-packet burst
    // A flood of new flows (each one packet): the burst's other 63 tokens reach the agent, the
    // rest is dropped in the ingress chain (the refill is one token a second).
    const floodStart = Date.now();
    for (let i = 0; i < 100; i++) await peer.send(udpDatagram(5000 + i, 7003), 40008);
    // A loaded machine may take over a second to send them: each second refills one token.
    const refills = Math.floor((Date.now() - floodStart) / 1000);
    for (let i = 0; i < 3; i++) await peer.send(admitted, 40007);
    await sleep(300);
    const returns = await peer.returns();
    assert.equal(returns.filter((r) => r.fromPort === 40007).length, 3);
    const received = (await metrics()).get("gwlb_agent_packets_in_total")!;
    assert.ok(received >= 64 && received <= 64 + refills + 1, `agent received ${received}, refills ${refills}`);
    assert.equal(returns.filter((r) => r.fromPort === 40008).length, received - 1);
  });

  it("never forwards an offloaded flow's packets from a source outside the GWLB CIDRs", async () => {
    await start(ALLOW_ALL, ["--fast-path", "nft"]);
    const datagram = udpDatagram(4005, 7001);
    await offload(datagram, 40006);
    for (let i = 0; i < 3; i++) await peer.send(datagram, 40006, OUTSIDER);
    await sleep(300);
    assert.deepEqual(await peer.returns(), []);
    assert.equal((await metrics()).get('gwlb_agent_drops_total{reason="source_not_allowed"}'), 3);
  });

  it("leaves the table for the next process on SIGINT, which rebuilds it empty; the end of a drain removes it", async () => {
    const first = await start(ALLOW_ALL, ["--fast-path", "nft"]);
    await offload(udpDatagram(4006, 7002), 40007);
    assert.equal(await first.stop("SIGINT"), 0);
    assert.match(net.nft("list", "set", "netdev", "gwlb_agent", "a4u_0").stdout, /counter packets/);
    const second = await start(ALLOW_ALL, ["--fast-path", "nft"]);
    assert.doesNotMatch(net.nft("list", "set", "netdev", "gwlb_agent", "a4u_0").stdout, /counter packets/);
    assert.doesNotMatch(net.nft("list", "map", "netdev", "gwlb_agent", "in4").stdout, /jump/);
    assert.equal(await second.stop("SIGTERM"), 0);
    assert.notEqual(net.nft("list", "table", "netdev", "gwlb_agent").status, 0);
  });

  it("with --fast-path off creates no table and forwards every packet itself", async () => {
    await start(ALLOW_ALL, ["--fast-path", "off"]);
    assert.notEqual(net.nft("list", "table", "netdev", "gwlb_agent").status, 0);
    const datagram = udpDatagram(4007, 7003);
    for (let i = 0; i < 4; i++) await peer.send(datagram, 40008);
    await waitFor(async () => (await metrics()).get("gwlb_agent_packets_out_total") === 4, "4 returned by the agent");
    assert.equal((await peer.returns()).length, 4);
  });
});
