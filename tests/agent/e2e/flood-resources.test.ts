// Resource bound, end to end: a flood of 10^6 new 5-tuples (the table at its cap evicting one
// flow per packet) must cost the agent at most 2x the CPU per packet and 2x the memory of a
// steady load on a few flows. Not a speed benchmark: a window of datagrams in flight keeps the
// kernel from dropping, and only the agent's own CPU time (from /proc) per packet it received
// and its peak RSS are compared. Linux only (/proc).
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { existsSync } from "node:fs";
import { buildDatagram } from "../../../appliance-agent/sim/packets";
import { agentBundle, freeTcpPort, httpGet, loopbackPair, parseMetrics, sleep, writePolicy } from "../support/agent-process";
import { RssSampler, cpuMs } from "../support/proc-stats";

const FLOOD_FLOWS = 1_000_000;
const STEADY_PACKETS = 300_000;
const STEADY_FLOWS = 1000;
const WINDOW = 128;
const SOURCE_PORT = 40000;

describe("agent e2e: a flood of new flows stays within 2x of a steady load (bundle)", function () {
  this.timeout(300_000);
  let child: ChildProcess | null = null;
  let stdoutLines = 0;

  before(function () {
    if (!existsSync("/proc/self/stat")) this.skip();
  });
  after(async () => {
    if (child !== null && child.exitCode === null) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child!.once("exit", resolve));
    }
  });

  it("keeps CPU per packet and peak RSS within 2x, with the flow logs bounded and counted", async () => {
    const { gwlb, agent } = loopbackPair();
    const returns = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => returns.bind(0, gwlb, () => resolve()));
    const sender = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => sender.bind(SOURCE_PORT, gwlb, () => resolve()));
    const healthPort = await freeTcpPort();
    const metricsPort = await freeTcpPort();
    const policy = writePolicy({ defaultAction: "allow", failMode: "open", rules: [{ name: "no-telnet", action: "deny", protocol: "tcp", destination: { ports: 23 } }] });
    child = spawn(process.execPath, [await agentBundle(), "--config", policy, "--listen-address", agent, "--gwlb-cidrs", `${gwlb}/32`,
      "--gwlb-port", String(returns.address().port), "--health-address", "127.0.0.1", "--health-port", String(healthPort),
      "--metrics-port", String(metricsPort), "--workers", "1", "--fast-path", "off", "--max-flows", "65536"], { stdio: ["ignore", "pipe", "pipe"] });
    // Counted, not kept: the bound on flow logs is what this test is about.
    child.stdout!.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) stdoutLines++;
    });
    child.stderr!.resume();
    const pid = child.pid!;
    const metrics = async (): Promise<Map<string, number>> => parseMetrics((await httpGet(metricsPort, "/metrics")).body);
    for (let i = 0; ; i++) {
      try {
        if ((await httpGet(healthPort, "/health")).status === 200) break;
      } catch {
        // not listening yet
      }
      assert.ok(i < 300 && child.exitCode === null, "agent did not become healthy");
      await sleep(50);
    }

    const template = buildDatagram({ inner: { src: "198.51.100.1", dst: "10.0.0.20", protocol: "udp", srcPort: 1, dstPort: 53, payload: 8 } });
    const at = template.innerOffset;
    let received = 0;
    returns.on("message", () => received++);
    /** Sends `count` datagrams, flow i's inner source (address, port) from `flowOf(i)`, at most WINDOW in flight. */
    const run = async (count: number, flowOf: (i: number) => number): Promise<void> => {
      const start = received;
      let sent = 0;
      let stalledSince = Date.now();
      let lastReceived = received;
      while (received - start < count) {
        while (sent < count && sent - (received - start) < WINDOW) {
          const datagram = Buffer.from(template.datagram);
          const flow = flowOf(sent);
          datagram.writeUInt16BE(1024 + (flow % 60000), at + 20);
          datagram.writeUInt16BE(Math.floor(flow / 60000), at + 14);
          sender.send(datagram, 6081, agent);
          sent++;
        }
        await new Promise((resolve) => setImmediate(resolve));
        if (received !== lastReceived) {
          lastReceived = received;
          stalledSince = Date.now();
        } else if (Date.now() - stalledSince > 200) {
          // A datagram lost on loopback: refill the window rather than wait forever.
          sent = Math.min(count, sent + 1);
          stalledSince = Date.now();
          if (sent >= count && received - start < count) break;
        }
      }
    };
    const measure = async (count: number, flowOf: (i: number) => number): Promise<{ cpuUsPerPacket: number; peakRss: number; packets: number }> => {
      const before = await metrics();
      const cpu0 = cpuMs(pid);
      const sampler = new RssSampler(pid);
      await run(count, flowOf);
      const cpu1 = cpuMs(pid);
      const peakRss = sampler.stop();
      const packets = (await metrics()).get("gwlb_agent_packets_in_total")! - before.get("gwlb_agent_packets_in_total")!;
      return { cpuUsPerPacket: ((cpu1 - cpu0) * 1000) / packets, peakRss, packets };
    };

    await run(50_000, (i) => i % STEADY_FLOWS); // warm-up: the JIT, the return socket
    const steady = await measure(STEADY_PACKETS, (i) => i % STEADY_FLOWS);
    const linesBefore = stdoutLines;
    const flood = await measure(FLOOD_FLOWS, (i) => STEADY_FLOWS + i);
    const m = await metrics();
    await sleep(300); // the last flow-log batch
    const floodLines = stdoutLines - linesBefore;
    const figures = {
      steady: { packets: steady.packets, cpuUsPerPacket: +steady.cpuUsPerPacket.toFixed(2), peakRssMiB: +(steady.peakRss / 2 ** 20).toFixed(1) },
      flood: { packets: flood.packets, cpuUsPerPacket: +flood.cpuUsPerPacket.toFixed(2), peakRssMiB: +(flood.peakRss / 2 ** 20).toFixed(1) },
      cpuRatio: +(flood.cpuUsPerPacket / steady.cpuUsPerPacket).toFixed(2),
      rssRatio: +(flood.peakRss / steady.peakRss).toFixed(2),
      floodFlowLogLines: floodLines,
      suppressed: m.get("gwlb_agent_flow_logs_suppressed_total"),
      evictions: m.get("gwlb_agent_flow_evictions_total"),
    };
    console.log(`      figures: ${JSON.stringify(figures)}`);
    sender.close();
    returns.close();

    assert.ok(flood.packets >= FLOOD_FLOWS * 0.999, `the agent saw ${flood.packets} of ${FLOOD_FLOWS}`);
    assert.ok(figures.cpuRatio <= 2, `CPU per packet ${figures.cpuRatio}x the steady load's`);
    assert.ok(figures.rssRatio <= 2, `peak RSS ${figures.rssRatio}x the steady load's`);
    // At the cap every new flow evicts one: 10^6 new flows minus the 65,536 - 1,000 free slots.
    assert.equal(m.get("gwlb_agent_flows_created_total"), STEADY_FLOWS + flood.packets);
    assert.equal(m.get("gwlb_agent_flow_evictions_total"), STEADY_FLOWS + flood.packets - 65536);
    // Two lines per evicting packet were asked for; the bucket wrote what the rate allows (1,000/s, one second of burst).
    const asked = 2 * flood.packets - (65536 - STEADY_FLOWS);
    assert.equal(floodLines + m.get("gwlb_agent_flow_logs_suppressed_total")!, asked);
    assert.ok(floodLines < asked / 10, `${floodLines} flow log lines written`);
    assert.equal((await httpGet(healthPort, "/health")).status, 200);
  });
});
