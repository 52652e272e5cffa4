/**
 * The simulated-packets mode of the local data path (no root needed): the request and response bytes
 * travel as the TCP segments the appliance would see (client -> ALB node, seed step 10), in GENEVE
 * from the GWLB simulator to the agent bundle on loopback; only what the agent returns is passed on
 * to the local web server and back to the client.
 */
import * as net from "node:net";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, buildDatagram } from "../../appliance-agent/sim/packets";
import { GwlbSimulator } from "../../appliance-agent/sim/simulator";
import { TracedGraph } from "../trace/traceGraph";
import { LocalAgent } from "./agentProcess";
import { DataPathFlow, DataPathReport, endpointIdBits } from "./dataPathFlow";
import { startSeedWebServer } from "./seedWebServer";
import { stackPolicy } from "./stackPolicy";

function flagNames(flags: number): string {
  return [[TCP_SYN, "S"], [TCP_FIN, "F"], [TCP_PSH, "P"], [TCP_ACK, "."]].filter(([bit]) => (flags & (bit as number)) !== 0).map(([, n]) => n).join("") || "none";
}

function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
  });
}

/** `why`: why this mode ran (not root, or asked for). */
export async function runSimulatedPackets(traced: TracedGraph, flow: DataPathFlow, log: (...args: unknown[]) => void, why: string): Promise<DataPathReport> {
  const { client, web, region } = flow;
  log(`mode: simulated packets (${why}):`);
  log(`  the HTTP bytes of ${client.src}:${client.srcPort} -> ${client.dst}:${client.dstPort} travel as TCP segments in GENEVE from the GWLB simulator`);
  log(`  to the agent bundle on loopback (endpoint ${flow.endpointName}); what the agent returns goes on to a local web server for ${web.name}.`);

  const third = 10 + (process.pid % 200);
  const gwlbAddress = `127.77.${third}.1`;
  const agentAddress = `127.77.${third}.2`;
  const server = await startSeedWebServer({ privateIp: web.address, availabilityZone: web.az, region });
  const agent = await LocalAgent.start(stackPolicy(traced), agentAddress, gwlbAddress);
  const sim = await GwlbSimulator.start({ gwlbAddress, agentAddress, sourcePortCount: 2 });
  const segments: string[] = [];
  try {
    const geneve = { endpointId: endpointIdBits(flow.endpointId) };
    const [port, deniedPort] = sim.sourcePorts;
    let seq = 1000;
    /** Sends one segment through the agent; resolves with its payload as returned, or undefined when dropped. */
    const through = async (fromClient: boolean, flags: number, payload: Buffer, sourcePort = port, dstPort = client.dstPort): Promise<Buffer | undefined> => {
      const inner = fromClient
        ? { src: client.src, dst: client.dst, srcPort: client.srcPort, dstPort }
        : { src: client.dst, dst: client.src, srcPort: dstPort, dstPort: client.srcPort };
      const built = buildDatagram({ inner: { ...inner, protocol: "tcp", tcpFlags: flags, tcpSeq: seq, payload }, geneve });
      seq += Math.max(1, payload.length);
      const report = await sim.exchange([{ sourcePort, datagram: built.datagram }], { timeoutMs: sourcePort === deniedPort ? 600 : 2000 });
      const back = report.returned.length === 1;
      segments.push(`${inner.src}.${inner.srcPort} > ${inner.dst}.${inner.dstPort}: Flags [${flagNames(flags)}], length ${payload.length}: ${back ? "returned by the agent" : "DROPPED by the agent"}`);
      return back ? built.datagram.subarray(built.payloadOffset) : undefined;
    };
    const none = Buffer.alloc(0);
    const handshake = [await through(true, TCP_SYN, none), await through(false, TCP_SYN | TCP_ACK, none), await through(true, TCP_ACK, none)];
    const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${flow.albName}.${region}.elb.amazonaws.com\r\nUser-Agent: gwlb-offline-job\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
    const carried = await through(true, TCP_PSH | TCP_ACK, request);
    let page: string | undefined;
    if (handshake.every((x) => x !== undefined) && carried) {
      const socket = net.connect(server.port, "127.0.0.1");
      const answer = readAll(socket);
      socket.end(carried);
      const response = await answer;
      const returned: Buffer[] = [];
      for (let at = 0; at < response.length; at += 1400) {
        const piece = await through(false, TCP_PSH | TCP_ACK, response.subarray(at, at + 1400));
        if (piece) returned.push(piece);
      }
      await through(false, TCP_FIN | TCP_ACK, none);
      await through(true, TCP_FIN | TCP_ACK, none);
      page = Buffer.concat(returned).toString("utf8");
    }
    // A flow the policy denies: SSH from the same client to the ALB node.
    const deniedReturned = (await through(true, TCP_SYN, none, deniedPort, 22)) !== undefined;
    const deadline = Date.now() + 3000;
    while (agent.flowLogs().filter((r) => r.event === "flow_start").length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const metrics = await agent.metrics();
    const denied = {
      returned: deniedReturned,
      policyDrops: metrics.get('gwlb_agent_drops_total{reason="policy_deny"}') ?? 0,
      ruleVerdicts: metrics.get('gwlb_agent_verdicts_total{action="deny",rule="no-ssh"}') ?? 0,
    };
    const flowLogs = agent.flowLogs();
    log("\nsegments, as the appliance's tcpdump would show them (seed step 10):");
    for (const s of segments) log(`  ${s}`);
    log("\nthe agent's flow log:");
    for (const r of flowLogs) log(`  ${JSON.stringify(r)}`);
    log(`\ndenied flow ${client.src}.${client.srcPort} > ${client.dst}.22: ${denied.returned ? "RETURNED (the policy did not hold)" : "dropped"}; agent counters: policy_deny drops ${denied.policyDrops}, verdicts of rule no-ssh ${denied.ruleVerdicts}`);
    log(`\nthe page returned to the client:\n${page ?? "(none: the request did not make it through)"}`);
    const ok = page !== undefined && page.includes("Gateway Load Balancer Test") && !denied.returned && denied.policyDrops === 1 && denied.ruleVerdicts === 1;
    if (!ok) log("data path FAILED: the page did not come back through the agent, or the denied flow was not dropped and counted");
    return { mode: "simulated-packets", ok, segments, page, flowLogs, denied };
  } finally {
    await sim.close();
    await agent.stop();
    await server.close();
  }
}
