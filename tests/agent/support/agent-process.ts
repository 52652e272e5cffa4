// Runs the real agent (the esbuild bundle, built once per test run into a temp dir) as a child
// process on loopback, and gives tests its health, metrics, flow logs and exit.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildAgentBundle } from "../../../appliance-agent/build";
import { HttpAnswer, freeTcpPort, httpGet, parseMetrics } from "../../../appliance-agent/sim/local-http";
export { HttpAnswer, freeTcpPort, httpGet, parseMetrics } from "../../../appliance-agent/sim/local-http";

let bundle: Promise<string> | null = null;
const workDir = mkdtempSync(path.join(tmpdir(), "gwlb-agent-test-"));
process.on("exit", () => rmSync(workDir, { recursive: true, force: true }));

/** The per-run scratch directory (removed when the test process exits). */
export function scratchDir(): string {
  return workDir;
}

/** Path of the bundle under test (built on first use). */
export function agentBundle(): Promise<string> {
  bundle ??= buildAgentBundle(path.join(workDir, "appliance-agent.js")).then((result) => result.outfile);
  return bundle;
}

let nextHost = 10 + (process.pid % 200);
/** A fresh pair of loopback addresses per test, so agents and simulators never collide. */
export function loopbackPair(): { gwlb: string; agent: string; spoof: string } {
  const third = nextHost++ % 250;
  const second = 100 + (Math.floor(process.pid / 250) % 100);
  return { gwlb: `127.${second}.${third}.1`, agent: `127.${second}.${third}.2`, spoof: `127.${second}.${third}.9` };
}

export function writePolicy(doc: unknown, name = `policy-${Math.random().toString(36).slice(2)}.json`): string {
  const file = path.join(workDir, name);
  writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));
  return file;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface AgentStartOptions {
  readonly policy: unknown;
  readonly extraArgs?: readonly string[];
  readonly workers?: number;
  /** Source CIDRs to accept; defaults to the simulator's /32; null gives no --gwlb-cidrs. */
  readonly gwlbCidrs?: string | null;
  /** The /metrics port; defaults to a free port; 0 serves /metrics on the health port. */
  readonly metricsPort?: number;
  /** Wait for health 200 (default true). */
  readonly waitHealthy?: boolean;
  /** Replaces `--config <policy file>` (e.g. with `--ssm-parameter`). */
  readonly sourceArgs?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** The Node.js that runs the bundle; defaults to the one running the tests. */
  readonly nodeBinary?: string;
}

export class RunningAgent {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly child: ChildProcess,
    readonly addresses: { gwlb: string; agent: string; spoof: string },
    readonly healthPort: number,
    readonly policyFile: string,
    /** The /metrics listener (its own port, as in production). */
    readonly metricsPort: number,
  ) {
    const collect = (into: string[]) => {
      let partial = "";
      return (chunk: Buffer): void => {
        partial += chunk.toString("utf8");
        const lines = partial.split("\n");
        partial = lines.pop()!;
        into.push(...lines);
      };
    };
    child.stdout!.on("data", collect(this.stdout));
    child.stderr!.on("data", collect(this.stderr));
    this.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  health(): Promise<HttpAnswer> {
    return httpGet(this.healthPort, "/health");
  }

  async metrics(): Promise<Map<string, number>> {
    const answer = await httpGet(this.metricsPort, "/metrics");
    if (answer.status !== 200) throw new Error(`metrics answered ${answer.status}`);
    return parseMetrics(answer.body);
  }

  /** Flow log records (stdout JSON lines). */
  flowLogs(): Array<Record<string, unknown>> {
    return this.stdout.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Polls until `predicate` holds (bounded: 50 ms steps up to `timeoutMs`). */
  async waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await predicate()) return;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.join("\n")}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGINT");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts the bundled agent on a fresh loopback pair and waits until it is healthy. */
export async function startAgent(options: AgentStartOptions): Promise<RunningAgent> {
  const file = await agentBundle();
  const addresses = loopbackPair();
  const healthPort = await freeTcpPort();
  const metricsPort = options.metricsPort ?? (await freeTcpPort());
  const policyFile = writePolicy(options.policy);
  const args = [
    file,
    ...(options.sourceArgs ?? ["--config", policyFile]),
    "--listen-address",
    addresses.agent,
    "--health-address",
    "127.0.0.1",
    "--health-port",
    String(healthPort),
    "--metrics-port",
    String(metricsPort),
    ...(options.gwlbCidrs === null ? [] : ["--gwlb-cidrs", options.gwlbCidrs ?? `${addresses.gwlb}/32`]),
    "--workers",
    String(options.workers ?? 1),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(options.nodeBinary ?? process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  const agent = new RunningAgent(child, addresses, healthPort, policyFile, metricsPort === 0 ? healthPort : metricsPort);
  if (options.waitHealthy ?? true) {
    await agent.waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}: ${agent.stderr.join("\n")}`);
        try {
          return (await agent.health()).status === 200;
        } catch {
          return false;
        }
      },
      15000,
      "agent health 200",
    );
  }
  return agent;
}

/** Runs the bundle with arguments and returns its exit code and output (for CLI tests). */
export async function runAgentCommand(args: readonly string[], timeoutMs = 10000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = await agentBundle();
  const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
