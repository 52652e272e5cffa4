// Two network namespaces joined by a veth pair in 198.19.7.0/24 (RFC 2544's benchmarking range,
// which exists only inside them): the GWLB side (198.19.7.1 and .3, the latter outside the
// agent's GWLB CIDR) and the appliance side (198.19.7.2), where the bundled agent runs.
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { REPO_ROOT } from "../../../appliance-agent/build";
import { FAST_PATH_TABLE } from "../../../appliance-agent/src/dataplane/fast-path-elements";

export const GWLB = "198.19.7.1";
export const OUTSIDER = "198.19.7.3";
export const APPLIANCE = "198.19.7.2";

/** Why namespace tests cannot run here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, nftables)";
  if (spawnSync("ip", ["netns", "list"]).status !== 0) return "`ip netns` is unavailable (install iproute2)";
  if (spawnSync("nft", ["--version"]).status !== 0) return "nft is not installed (.ci/run installs nftables)";
  return null;
}

export class NetnsPair {
  readonly gwlbNs: string;
  readonly applianceNs: string;
  /** The veth ends: in the GWLB namespace and in the appliance's. */
  readonly gwlbDev: string;
  readonly applianceDev: string;
  private readonly tag = `${process.pid % 100000}`;

  constructor() {
    this.gwlbNs = `gwlbtest-g${this.tag}`;
    this.applianceNs = `gwlbtest-a${this.tag}`;
    this.gwlbDev = `gt${this.tag}g`;
    this.applianceDev = `gt${this.tag}a`;
  }

  create(): void {
    this.destroy();
    const sh = (args: string[]): void => void execFileSync("ip", args, { stdio: "pipe" });
    sh(["netns", "add", this.gwlbNs]);
    sh(["netns", "add", this.applianceNs]);
    sh(["link", "add", this.gwlbDev, "type", "veth", "peer", "name", this.applianceDev]);
    sh(["link", "set", this.gwlbDev, "netns", this.gwlbNs]);
    sh(["link", "set", this.applianceDev, "netns", this.applianceNs]);
    for (const [ns, dev, addresses] of [
      [this.gwlbNs, this.gwlbDev, [GWLB, OUTSIDER]],
      [this.applianceNs, this.applianceDev, [APPLIANCE]],
    ] as const) {
      for (const address of addresses) sh(["-n", ns, "addr", "add", `${address}/24`, "dev", dev]);
      sh(["-n", ns, "link", "set", dev, "up"]);
      sh(["-n", ns, "link", "set", "lo", "up"]);
    }
  }

  destroy(): void {
    for (const ns of [this.gwlbNs, this.applianceNs]) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  }

  /** Runs nft in the appliance namespace; returns stdout ("" and the status on failure). */
  nft(...args: string[]): { status: number; stdout: string } {
    const result = spawnSync("ip", ["netns", "exec", this.applianceNs, "nft", ...args], { encoding: "utf8" });
    return { status: result.status ?? -1, stdout: result.stdout };
  }

  /**
   * Flow elements the agent's fast-path table holds now (the dynamic ones carry an expiry; one per
   * flow). The agent's `fast_path_flows` gauge counts installs it has queued, before nft applies them.
   */
  kernelFlowElements(): number {
    return (this.nft("list", "table", "netdev", FAST_PATH_TABLE).stdout.match(/ expires /g) ?? []).length;
  }
}

/** Polls `predicate` every 50 ms until it holds; after `timeoutMs` throws, naming `what` and `context()`. */
export async function waitUntil(predicate: () => Promise<boolean> | boolean, what: string, context: () => string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}; ${context()}`);
}

/** The GWLB's side: a peer process in the GWLB namespace (support/netns-peer.ts). */
export class GwlbPeer {
  private readonly waiting: Array<(value: unknown) => void> = [];

  private constructor(private readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout! }).on("line", (line) => this.waiting.shift()?.(JSON.parse(line)));
  }

  static async start(ns: string): Promise<GwlbPeer> {
    const script = path.join(REPO_ROOT, "tests", "agent", "support", "netns-peer.ts");
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-r", "ts-node/register/transpile-only", script, GWLB], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    const peer = new GwlbPeer(child);
    await new Promise((resolve) => peer.waiting.push(resolve));
    return peer;
  }

  private call<T>(command: object): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (value: unknown) => void);
      this.child.stdin!.write(JSON.stringify(command) + "\n");
    });
  }

  send(datagram: Buffer, port: number, from = GWLB): Promise<unknown> {
    return this.call({ op: "send", from, port, to: APPLIANCE, hex: datagram.toString("hex") });
  }

  returns(): Promise<Array<{ from: string; fromPort: number; hex: string }>> {
    return this.call({ op: "returns" });
  }

  get(url: string): Promise<{ status: number; body: string }> {
    return this.call({ op: "get", url });
  }

  close(): void {
    this.child.kill("SIGKILL");
  }
}

/** The end of a suite that ran one agent: the agent killed (SIGKILL) and awaited, its table, the GWLB peer, the namespaces. */
export async function tearDownAgentNamespaces(net: NetnsPair, child: ChildProcess | null, peer: GwlbPeer | undefined): Promise<void> {
  if (child !== null && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  net.nft("delete", "table", "netdev", FAST_PATH_TABLE);
  peer?.close();
  net.destroy();
}
