/**
 * The namespace mode's network, of the job's own: four network namespaces (client, web server,
 * GWLB stand-in, appliance) joined by veth pairs on 198.18.0.0/15 addresses, created for one run
 * and deleted after it. The client and the web server route through the stand-in's namespace,
 * which forwards nothing itself (IP forwarding off): only the stand-in moves packets, via the agent.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";

export interface NamespaceNet {
  readonly client: string;
  readonly web: string;
  readonly gwlb: string;
  readonly appliance: string;
  /** Interfaces in the stand-in's namespace, and the MACs of their peers. */
  readonly gwlbToClient: { readonly dev: string; readonly peerMac: string };
  readonly gwlbToWeb: { readonly dev: string; readonly peerMac: string };
}

export const NS_ADDRESSES = {
  client: "198.18.1.2",
  clientGateway: "198.18.1.1",
  clientNet: "198.18.1.0/24",
  web: "198.18.2.2",
  webGateway: "198.18.2.1",
  webNet: "198.18.2.0/24",
  gwlb: "198.18.3.1",
  appliance: "198.18.3.2",
} as const;

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 20000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${(result.stderr || result.error?.message || "").trim()}`);
  return result.stdout;
}

const inNs = (ns: string, ...args: string[]) => run("ip", ["netns", "exec", ns, ...args]);

/** Whether this process can build the network: root, with ip(8) and network namespaces. */
export function namespacesAvailable(): { ok: boolean; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: "not root" };
  const ip = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (ip.status !== 0) return { ok: false, why: `ip netns is not usable here (${(ip.stderr || ip.error?.message || "").trim()})` };
  return { ok: true, why: "root" };
}

/** Creates the four namespaces and their links; `tag` keeps names unique per run (at most 7 characters). */
export function createNamespaceNet(tag: string): NamespaceNet {
  const ns = { client: `${tag}-client`, web: `${tag}-web`, gwlb: `${tag}-gwlb`, appliance: `${tag}-appl` };
  const a = NS_ADDRESSES;
  try {
    for (const name of Object.values(ns)) run("ip", ["netns", "add", name]);
    // gso_max_segs 1: the stand-in sees one TCP segment per packet, never a GSO super-packet.
    const link = (left: string, leftNs: string, right: string, rightNs: string, mtu: number) => {
      run("ip", ["link", "add", left, "mtu", String(mtu), "gso_max_segs", "1", "type", "veth", "peer", "name", right, "mtu", String(mtu), "gso_max_segs", "1"]);
      run("ip", ["link", "set", left, "netns", leftNs]);
      run("ip", ["link", "set", right, "netns", rightNs]);
    };
    link(`${tag}gc`, ns.gwlb, `${tag}c0`, ns.client, 1500);
    link(`${tag}gw`, ns.gwlb, `${tag}w0`, ns.web, 1500);
    // Jumbo on the GENEVE leg, as in AWS: encapsulation adds 8 + 32 bytes to a full-size packet.
    link(`${tag}ga`, ns.gwlb, `${tag}a0`, ns.appliance, 9001);
    const up = (name: string, dev: string, cidr: string) => {
      inNs(name, "ip", "addr", "add", cidr, "dev", dev);
      inNs(name, "ip", "link", "set", dev, "up");
      inNs(name, "ip", "link", "set", "lo", "up");
    };
    up(ns.client, `${tag}c0`, `${a.client}/24`);
    inNs(ns.client, "ip", "route", "add", "default", "via", a.clientGateway);
    up(ns.web, `${tag}w0`, `${a.web}/24`);
    inNs(ns.web, "ip", "route", "add", "default", "via", a.webGateway);
    up(ns.appliance, `${tag}a0`, `${a.appliance}/24`);
    up(ns.gwlb, `${tag}gc`, `${a.clientGateway}/24`);
    up(ns.gwlb, `${tag}gw`, `${a.webGateway}/24`);
    up(ns.gwlb, `${tag}ga`, `${a.gwlb}/24`);
    inNs(ns.gwlb, "sysctl", "-qw", "net.ipv4.ip_forward=0");
    const mac = (name: string, dev: string) => inNs(name, "cat", `/sys/class/net/${dev}/address`).trim();
    return {
      ...ns,
      gwlbToClient: { dev: `${tag}gc`, peerMac: mac(ns.client, `${tag}c0`) },
      gwlbToWeb: { dev: `${tag}gw`, peerMac: mac(ns.web, `${tag}w0`) },
    };
  } catch (err) {
    deleteNamespaceNet(ns);
    throw err;
  }
}

/** Deletes the namespaces (their veths go with them); safe to call twice. */
export function deleteNamespaceNet(net: { client: string; web: string; gwlb: string; appliance: string }): void {
  const present = new Set(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.split("\n").map((l) => l.split(" ")[0]));
  for (const name of [net.client, net.web, net.gwlb, net.appliance]) if (present.has(name)) spawnSync("ip", ["netns", "del", name]);
}

/** Starts `command` inside a namespace; the child is `ip netns exec`, which execs the command (same pid). */
export function spawnIn(ns: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn("ip", ["netns", "exec", ns, command, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
}

/** Runs a short Node.js script inside a namespace and returns its stdout. */
export function nodeIn(ns: string, script: string, env: Record<string, string> = {}, timeoutMs = 10000): string {
  const result = spawnSync("ip", ["netns", "exec", ns, process.execPath, "-e", script], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`node in ${ns} failed: ${(result.stderr || result.error?.message || "").trim()}`);
  return result.stdout;
}
