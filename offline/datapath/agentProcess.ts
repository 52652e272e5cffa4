/**
 * The appliance agent as the job runs it: the esbuild bundle (appliance-agent/build.ts) built into
 * a scratch directory and started with a policy file, on loopback or inside the appliance's network
 * namespace; its health, metrics and JSON flow logs read back.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildAgentBundle } from "../../appliance-agent/build";
import { freeTcpPort, httpGet, parseMetrics } from "../../appliance-agent/sim/local-http";
import { nodeIn } from "./namespaces";

const GET_SCRIPT = `require("node:http").get({ host: "127.0.0.1", port: +process.env.PORT, path: process.env.URL_PATH, timeout: 2000 }, (res) => {
  let body = ""; res.setEncoding("utf8"); res.on("data", (c) => (body += c));
  res.on("end", () => process.stdout.write(JSON.stringify({ status: res.statusCode, body })));
}).on("error", (e) => { process.stderr.write(e.message); process.exit(1); });`;

/** GET on 127.0.0.1 of the host, or of a namespace (where only a process inside can reach it). */
function get(port: number, urlPath: string, netns?: string): Promise<{ status: number; body: string }> {
  if (netns !== undefined) {
    try {
      return Promise.resolve(JSON.parse(nodeIn(netns, GET_SCRIPT, { PORT: String(port), URL_PATH: urlPath })) as { status: number; body: string });
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return httpGet(port, urlPath, 2000);
}

export class LocalAgent {
  private readonly stdout: string[] = [];
  private readonly stderr: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess, readonly healthPort: number, readonly scratch: string, readonly netns?: string) {
    let partial = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop()!;
      this.stdout.push(...lines);
    });
    child.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString("utf8")));
    this.exited = new Promise((resolve) => child.on("exit", () => resolve()));
  }

  /**
   * Builds the bundle, writes the policy and starts the agent on `listenAddress`, accepting GENEVE
   * from `gwlbAddress` only; inside `netns` when given (its health port is then that namespace's).
   */
  static async start(policy: unknown, listenAddress: string, gwlbAddress: string, netns?: string): Promise<LocalAgent> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gwlb-offline-"));
    const { outfile } = await buildAgentBundle(path.join(scratch, "appliance-agent.js"));
    const policyFile = path.join(scratch, "policy.json");
    fs.writeFileSync(policyFile, JSON.stringify(policy, null, 2));
    // A fresh namespace has every port free; on the host, ask the kernel for one.
    const healthPort = netns !== undefined ? 8080 : await freeTcpPort();
    const command = netns !== undefined ? ["ip", "netns", "exec", netns, process.execPath] : [process.execPath];
    const child = spawn(command[0], [
      ...command.slice(1),
      outfile, "--config", policyFile, "--listen-address", listenAddress, "--gwlb-cidrs", `${gwlbAddress}/32`,
      "--health-address", "127.0.0.1", "--health-port", String(healthPort), "--workers", "1",
      // One local port for health and metrics: nothing here needs them apart, as a GWLB's health checks do.
      "--metrics-port", "0",
    ], { stdio: ["ignore", "pipe", "pipe"] });
    const agent = new LocalAgent(child, healthPort, scratch, netns);
    const deadline = Date.now() + 15000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}: ${agent.stderr.join("")}`);
      if ((await get(healthPort, "/health", netns).catch(() => ({ status: 0 }))).status === 200) return agent;
      if (Date.now() > deadline) { await agent.stop(); throw new Error(`the agent did not turn healthy in 15 s: ${agent.stderr.join("")}`); }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Prometheus text as "name{labels}" -> value. */
  async metrics(): Promise<Map<string, number>> {
    return parseMetrics((await get(this.healthPort, "/metrics", this.netns)).body);
  }

  /** Flow log records written so far (JSON lines on stdout). */
  flowLogs(): Array<Record<string, unknown>> {
    return this.stdout.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGINT");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}
