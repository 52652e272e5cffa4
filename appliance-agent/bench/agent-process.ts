// The agent under test: its bundle (built from the current sources into the benchmark's
// scratch directory, so dist/ is left alone), started as a child process in a namespace or on
// loopback, pinned to one CPU, and stopped with SIGINT (SIGTERM would drain for 300 s).

import { ChildProcess, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildAgentBundle } from "../build";
import { BenchPath, inNamespace } from "./netns";
import { allCpus, runChild, sleep, spawnTracked, which } from "./sys";

/**
 * The most descriptors a child may have: 65,536 (what the README asks of systemd) where this
 * process may raise its hard limit, else the hard limit it has. The many-port runs need one
 * return socket per GWLB source port.
 */
export const NOFILE_LIMIT = ((): number => {
  const hard = Number(spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim());
  if (!Number.isFinite(hard)) return 65536; // "unlimited"
  if (hard >= 65536) return 65536;
  return spawnSync("sh", ["-c", "ulimit -Hn 65536"]).status === 0 ? 65536 : hard;
})();

/**
 * Runs a command pinned to `cpus` (default every CPU: the benchmark pins itself to the
 * generator's, and a child would inherit that), in a namespace when given, with NOFILE_LIMIT descriptors.
 */
function pinnedCommand(ns: string | null, cpus: string | null, argv: readonly string[]): [string, string[]] {
  const limited = which("prlimit") !== null ? ["prlimit", `--nofile=${NOFILE_LIMIT}:${NOFILE_LIMIT}`, "--", ...argv] : [...argv];
  const pinned = which("taskset") !== null ? ["taskset", "-c", cpus ?? allCpus(), ...limited] : limited;
  return inNamespace(ns, pinned[0], pinned.slice(1));
}

/** Inspection on: deny rules the traffic does not match, then the allow rules it does. */
export const BENCH_POLICY = {
  version: 1,
  description: "benchmark: inspection on, a few rules before the matching ones, default allow",
  defaultAction: "allow",
  failMode: "closed",
  rules: [
    { name: "no-telnet", action: "deny", protocol: "tcp", destination: { ports: 23 } },
    { name: "no-smb", action: "deny", protocol: "tcp", destination: { ports: [139, 445] } },
    { name: "no-bogons", action: "deny", source: { cidr: ["192.0.2.0/24", "198.51.100.0/24"] } },
    { name: "dns", action: "allow", protocol: "udp", destination: { ports: 53 } },
    { name: "web", action: "allow", protocol: "tcp", destination: { ports: [80, 443, "8000-8099"] } },
  ],
};

export const HEALTH_PORT = 18080;

export async function buildBundle(dir: string): Promise<{ bundle: string; sha256: string }> {
  const result = await buildAgentBundle(path.join(dir, "appliance-agent.js"));
  return { bundle: result.outfile, sha256: result.sha256 };
}

export interface AgentStart {
  readonly bundle: string;
  readonly dir: string;
  readonly path: BenchPath;
  readonly workers: number;
  /** CPU list for taskset ("1", "0-1"), or null for no pinning. */
  readonly cpus: string | null;
  readonly extraArgs?: readonly string[];
  /** The Node.js binary that runs the bundle; default the benchmark's own. */
  readonly node?: string;
}

export class AgentProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    private readonly ns: string | null,
    readonly commandLine: string,
    /** The fields of its "agent started" log line (workers, socketMode, fastPath, ...). */
    readonly started: Record<string, unknown>,
  ) {}

  static async start(options: AgentStart): Promise<AgentProcess> {
    const policyFile = path.join(options.dir, "policy.json");
    writeFileSync(policyFile, JSON.stringify(BENCH_POLICY, null, 2));
    const agentArgs = [
      options.bundle,
      "--config", policyFile,
      "--listen-address", options.path.appliance,
      "--gwlb-cidrs", `${options.path.gwlb}/32`,
      "--health-address", "127.0.0.1",
      "--health-port", String(HEALTH_PORT),
      // Metrics on the health port: the bench reads both from one address inside its namespace.
      "--metrics-port", "0",
      "--workers", String(options.workers),
      ...(options.extraArgs ?? []),
    ];
    const [command, args] = pinnedCommand(options.path.applianceNs, options.cpus, [options.node ?? process.execPath, ...agentArgs]);
    // stdout carries flow logs: discarded (writes to /dev/null are synchronous and cheap).
    const child = spawnTracked(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    const commandLine = ["node", "appliance-agent.js", ...agentArgs.slice(1)].join(" ");
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not start within 20 s: ${stderr.slice(0, 800)}`)), 20_000);
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('"agent started"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`agent exited with ${code} during startup: ${stderr.slice(0, 800)}`));
      });
    });
    const line = stderr.split("\n").find((l) => l.includes('"agent started"')) ?? "{}";
    let started: Record<string, unknown> = {};
    try {
      started = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // a line cut by the chunking: the fields stay unknown
    }
    // `ip netns exec` and taskset exec the program, so the child's pid is node's.
    return new AgentProcess(child, child.pid!, options.path.applianceNs, commandLine, started);
  }

  /** The agent's /metrics text (fetched from inside its namespace). */
  async metrics(): Promise<string> {
    const script = `fetch("http://127.0.0.1:${HEALTH_PORT}/metrics").then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); })`;
    const [command, args] = inNamespace(this.ns, process.execPath, ["-e", script]);
    return runChild(command, args, 10_000);
  }

  async metric(name: string): Promise<number> {
    const text = await this.metrics();
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    return m === null ? NaN : Number(m[1]);
  }

  /** SIGINT (stop at once); SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    process.kill(this.pid, "SIGINT");
    const killed = sleep(5000).then(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.pid, "SIGKILL");
    });
    await Promise.race([exited, killed]);
    await exited;
  }
}

/** The bare Node.js reflector (reflector.ts) in the agent's place: the Node.js floor. */
export class ReflectorProcess {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(at: BenchPath, cpus: string | null): Promise<ReflectorProcess> {
    const register = require.resolve("ts-node/register/transpile-only");
    const script = path.join(__dirname, "reflector.ts");
    const [command, args] = pinnedCommand(at.applianceNs, cpus, [process.execPath, "-r", register, script, at.appliance, String(at.port ?? 6081), "6081"]);
    const child = spawnTracked(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, "..", "..", "tsconfig.json") },
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reflector did not start within 20 s: ${output.slice(0, 500)}`)), 20_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes("ready")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`reflector exited with ${code}: ${output.slice(0, 500)}`));
      });
    });
    return new ReflectorProcess(child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    process.kill(this.child.pid!, "SIGKILL");
    await exited;
  }
}
