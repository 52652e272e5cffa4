/**
 * The namespace mode of the local data path (root): real TCP from a client namespace to a web server
 * namespace, routed through a GWLB stand-in namespace whose stand-in (gwlbStandin.c, compiled here)
 * wraps every packet in GENEVE to the agent bundle in the appliance namespace and unwraps what the
 * agent returns. The HTTP page the client gets has crossed the agent; an SSH attempt must time out.
 */
import { ChildProcess, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TracedGraph } from "../trace/traceGraph";
import { LocalAgent } from "./agentProcess";
import { NS_ADDRESSES, createNamespaceNet, deleteNamespaceNet, nodeIn, spawnIn } from "./namespaces";
import { DataPathFlow, DataPathReport, endpointIdBits } from "./dataPathFlow";
import { seedPage } from "./seedWebServer";
import { runSimulatedPackets } from "./simulatedPackets";
import { stackPolicy } from "./stackPolicy";

const WEB_SCRIPT = `const page = process.env.PAGE;
require("node:http").createServer((_q, s) => {
  s.writeHead(200, { "Content-Type": "text/html; charset=UTF-8", "Content-Length": Buffer.byteLength(page), Connection: "close" });
  s.end(page);
}).listen(80, process.env.ADDR, () => console.log("listening"));`;

const CLIENT_SCRIPT = `const s = require("node:net").connect(+process.env.PORT, process.env.ADDR); const chunks = [];
const done = (o) => { process.stdout.write(JSON.stringify(o)); s.destroy(); };
s.setTimeout(+process.env.TIMEOUT_MS, () => done({ outcome: "timeout" }));
s.on("connect", () => { if (process.env.REQUEST) s.write(process.env.REQUEST); else done({ outcome: "connected" }); });
s.on("data", (d) => chunks.push(d));
s.on("end", () => done({ outcome: "answered", response: Buffer.concat(chunks).toString("utf8") }));
s.on("error", (e) => done({ outcome: e.code === "ECONNREFUSED" ? "refused" : e.message }));`;

function waitForLine(child: ChildProcess, line: string, what: string, timeoutMs = 10000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let errors = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${errors}`)), timeoutMs);
    child.stderr?.on("data", (c: Buffer) => (errors += c.toString()));
    child.stdout?.on("data", (c: Buffer) => {
      seen += c.toString();
      if (seen.split("\n").includes(line)) { clearTimeout(timer); resolve(); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}: ${errors}`)); });
  });
}

function compileStandin(dir: string): string | undefined {
  const binary = path.join(dir, "gwlb-standin");
  const result = spawnSync("gcc", ["-O2", "-Wall", "-o", binary, path.join(__dirname, "gwlbStandin.c")], { encoding: "utf8", timeout: 60000 });
  return result.status === 0 ? binary : undefined;
}

export async function runInNamespaces(traced: TracedGraph, flow: DataPathFlow, log: (...args: unknown[]) => void): Promise<DataPathReport> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gwlb-netns-"));
  const standinBinary = compileStandin(scratch);
  if (!standinBinary) {
    fs.rmSync(scratch, { recursive: true, force: true });
    return runSimulatedPackets(traced, flow, log, "root, but gcc could not build the GWLB stand-in");
  }
  const a = NS_ADDRESSES;
  const net = createNamespaceNet(`gj${process.pid % 100000}`);
  const removeNet = () => deleteNamespaceNet(net);
  // Interrupted or not, the namespaces of this run go away with it.
  const onSignal = () => { removeNet(); process.exit(130); };
  process.once("exit", removeNet);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const children: ChildProcess[] = [];
  let agent: LocalAgent | undefined;
  try {
    log("mode: network namespaces (root): real TCP from a client namespace to a web server namespace, through a GWLB stand-in");
    log(`  namespace that wraps each packet in GENEVE to the agent bundle in an appliance namespace. ${a.client} stands for the client`);
    log(`  ${flow.client.src}, ${a.web} for ${flow.client.dst} (the ALB node as the appliance sees it), endpoint ${flow.endpointName}.`);
    agent = await LocalAgent.start(stackPolicy(traced, [a.webNet]), a.appliance, a.gwlb, net.appliance);
    const page = seedPage({ privateIp: flow.web.address, availabilityZone: flow.web.az, region: flow.region });
    const web = spawnIn(net.web, process.execPath, ["-e", WEB_SCRIPT], { ...process.env, PAGE: page, ADDR: a.web });
    children.push(web);
    await waitForLine(web, "listening", "the web server");
    const endpointHex = endpointIdBits(flow.endpointId).toString(16).padStart(16, "0");
    const standin = spawnIn(net.gwlb, standinBinary, [net.gwlbToClient.dev, net.gwlbToClient.peerMac, a.clientNet, net.gwlbToWeb.dev, net.gwlbToWeb.peerMac, a.gwlb, a.appliance, endpointHex]);
    children.push(standin);
    let standinOut = "";
    standin.stdout?.on("data", (c: Buffer) => (standinOut += c.toString()));
    await waitForLine(standin, "ready", "the GWLB stand-in");

    const request = `GET / HTTP/1.1\r\nHost: ${flow.albName}.${flow.region}.elb.amazonaws.com\r\nUser-Agent: gwlb-offline-job\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
    const answer = JSON.parse(nodeIn(net.client, CLIENT_SCRIPT, { PORT: "80", ADDR: a.web, REQUEST: request, TIMEOUT_MS: "5000" })) as { outcome: string; response?: string };
    const ssh = JSON.parse(nodeIn(net.client, CLIENT_SCRIPT, { PORT: "22", ADDR: a.web, REQUEST: "", TIMEOUT_MS: "1500" })) as { outcome: string };

    const deadline = Date.now() + 3000;
    while (agent.flowLogs().filter((r) => r.event === "flow_start").length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const metrics = await agent.metrics();
    const denied = {
      returned: ssh.outcome !== "timeout",
      policyDrops: metrics.get('gwlb_agent_drops_total{reason="policy_deny"}') ?? 0,
      ruleVerdicts: metrics.get('gwlb_agent_verdicts_total{action="deny",rule="no-ssh"}') ?? 0,
    };
    const stopped = new Promise<void>((resolve) => standin.once("exit", () => resolve()));
    standin.kill("SIGTERM");
    await stopped;
    const segments = standinOut.split("\n").filter((l) => l.startsWith("wrapped")).map((l) => `GWLB stand-in: ${l}`);
    const flowLogs = agent.flowLogs();
    log("\nthe GWLB stand-in's counters:");
    for (const s of segments) log(`  ${s}`);
    log("\nthe agent's flow log:");
    for (const r of flowLogs) log(`  ${JSON.stringify(r)}`);
    // A TCP client retransmits its SYN while waiting: every copy is dropped and counted.
    log(`\ndenied flow ${a.client} > ${a.web}.22 (SSH): ${denied.returned ? `NOT dropped (${ssh.outcome})` : "dropped (the client's connect timed out)"}; agent counters: policy_deny drops ${denied.policyDrops}, verdicts of rule no-ssh ${denied.ruleVerdicts}`);
    log(`\nthe page returned to the client:\n${answer.response ?? `(none: ${answer.outcome})`}`);
    const ok = answer.outcome === "answered" && (answer.response ?? "").includes("Gateway Load Balancer Test") && !denied.returned && denied.policyDrops >= 1 && denied.ruleVerdicts === 1;
    if (!ok) log("data path FAILED: the page did not come back through the agent, or the denied flow was not dropped and counted");
    return { mode: "network-namespaces", ok, segments, page: answer.response, flowLogs, denied };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await agent?.stop();
    removeNet();
    process.removeListener("exit", removeNet);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
