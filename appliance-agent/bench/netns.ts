// The benchmark's network: three namespaces joined by two veth pairs, inside 198.18.0.0/15
// (RFC 2544's benchmarking range). Nothing here touches the host's own interfaces or routes.
//
//   gwlbbench-gwlb (the generator, playing the GWLB)
//     198.18.0.1/30 --veth-- 198.18.0.2/30  gwlbbench-appl: the agent, bound to 198.18.0.2:6081
//     198.18.0.5/30 --veth-- 198.18.0.6/30  gwlbbench-kern: the seed's kernel hairpin
//                                           (ip_forward, DNAT to GWLB:6081 + MASQUERADE)
//
// The agent and the hairpin get twin namespaces rather than one namespace in turn: conntrack
// state and NAT hooks are per namespace, so the hairpin's can neither leak into the agent's runs
// (an appliance running the agent has no NAT rules) nor survive from one run to the next.
// With two or more CPUs, receive packet steering puts each appliance's receive processing on
// CPU 1 (where the agent is pinned) and the returns' receive processing on CPU 0 (the
// generator's CPU), so both appliances get the same one core.

import { readdirSync } from "node:fs";
import { run, tryRun, which } from "./sys";

export const GWLB_NS = "gwlbbench-gwlb";
export const AGENT_NS = "gwlbbench-appl";
export const KERNEL_NS = "gwlbbench-kern";
const NAMESPACES = [GWLB_NS, AGENT_NS, KERNEL_NS];
const LINKS = [
  { gwlbDev: "gwlbbench-g0", peerDev: "gwlbbench-a0", peerNs: AGENT_NS, gwlb: "198.18.0.1", peer: "198.18.0.2" },
  { gwlbDev: "gwlbbench-g1", peerDev: "gwlbbench-k0", peerNs: KERNEL_NS, gwlb: "198.18.0.5", peer: "198.18.0.6" },
];

/** Where a generator sends from and to: both ends of one path. */
export interface BenchPath {
  /** Namespace of the generator (null: the current one). */
  readonly generatorNs: string | null;
  /** Namespace of the appliance (agent or hairpin). */
  readonly applianceNs: string | null;
  /** The GWLB's address: generator source and return destination. */
  readonly gwlb: string;
  /** The appliance's address: where GENEVE is sent. */
  readonly appliance: string;
  /** The appliance's UDP port; default 6081. */
  readonly port?: number;
  /** The generator's device toward the appliance (where a return sink hooks), when it has its own. */
  readonly generatorDev?: string;
  /** The appliance's device toward the generator, when it has its own. */
  readonly applianceDev?: string;
}

export const AGENT_PATH: BenchPath = { generatorNs: GWLB_NS, applianceNs: AGENT_NS, gwlb: "198.18.0.1", appliance: "198.18.0.2", generatorDev: LINKS[0].gwlbDev, applianceDev: LINKS[0].peerDev };
export const KERNEL_PATH: BenchPath = { generatorNs: GWLB_NS, applianceNs: KERNEL_NS, gwlb: "198.18.0.5", appliance: "198.18.0.6", generatorDev: LINKS[1].gwlbDev, applianceDev: LINKS[1].peerDev };
/** The bare Node.js reflector, next to the agent (same namespace and CPU, another port). */
export const REFLECTOR_PATH: BenchPath = { ...AGENT_PATH, port: 6082 };
export const LOOPBACK_PATH: BenchPath = { generatorNs: null, applianceNs: null, gwlb: "127.0.0.1", appliance: "127.0.0.2" };
/** The generator against itself (no appliance): its own ceiling. */
export const SELF_PATH: BenchPath = { generatorNs: GWLB_NS, applianceNs: GWLB_NS, gwlb: "198.18.0.1", appliance: "198.18.0.1" };
export const LOOPBACK_SELF_PATH: BenchPath = { generatorNs: null, applianceNs: null, gwlb: "127.0.0.1", appliance: "127.0.0.1" };
export const LOOPBACK_REFLECTOR_PATH: BenchPath = { ...LOOPBACK_PATH, port: 6082 };

const OUR_ADDRESSES = new Set(LINKS.flatMap((link) => [link.gwlb, link.peer]));

/** Refuses any address that is neither loopback nor one this benchmark creates. */
export function assertBenchAddress(address: string): void {
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || OUR_ADDRESSES.has(address)) return;
  throw new Error(`refusing to send to ${address}: only 127.0.0.0/8 and the benchmark's own namespaces are allowed`);
}

/**
 * Where receive processing runs, as rps_cpus masks: the appliances' on CPU 1, and the returns'
 * where they are sent (no steering). Steered to CPU 0, each return cost the appliance's CPU an
 * IPI of about 10 µs on this VM, nearly one per return at low rates; unsteered, the generator
 * side's receive costs CPU 1 about 0.4 µs a return, alike for every target (README, Topology).
 */
export const APPLIANCE_RECEIVE_CPUS = "2";
const GENERATOR_RECEIVE_CPUS = "0";

function rpsCpusFile(dev: string): string {
  return `/sys/class/net/${dev}/queues/rx-0/rps_cpus`;
}

/** Sets a device's receive packet steering (a CPU mask; "0" is off); false when it cannot. */
export function steerReceive(ns: string, dev: string, cpuMask: string): boolean {
  return tryRun("ip", ["netns", "exec", ns, "sh", "-c", `echo ${cpuMask} > ${rpsCpusFile(dev)}`]);
}

/** A device's receive packet steering, as a CPU bit mask (0: off). */
export function receiveSteering(ns: string, dev: string): number {
  return parseInt(run("ip", ["netns", "exec", ns, "cat", rpsCpusFile(dev)]).trim().replace(/,/g, ""), 16);
}

/** Prefix that runs a command in a namespace (or as is). */
export function inNamespace(ns: string | null, command: string, args: readonly string[]): [string, string[]] {
  return ns === null ? [command, [...args]] : ["ip", ["netns", "exec", ns, command, ...args]];
}

function listNamespaces(): string[] {
  try {
    return readdirSync("/run/netns");
  } catch {
    return [];
  }
}

export interface NetworkStatus {
  /** Namespaces usable (root, ip, netns). */
  readonly namespaces: boolean;
  /** The kernel hairpin can be set up (iptables with nat in a namespace). */
  readonly hairpin: boolean;
  /**
   * The generator's devices cut GSO sends into datagrams before the veth (UDP segmentation
   * offload and scatter-gather off), so a GSO send reaches the appliance as single linear
   * datagrams, as a GWLB's arrive and as the generator's ordinary sends are.
   */
  readonly segmentsBeforeDevice: boolean;
  /**
   * The returns reach the generator's side through its device's own receive ring, not the
   * per-CPU input backlog. That backlog is the one the appliance's incoming datagrams fill: a
   * flood filled it, and about half of what an appliance had forwarded was refused there, work
   * done but counted as lost (the harness's collapse, not the path's; README, Topology).
   */
  readonly returnsOwnRing: boolean;
  /** Why not, in words, for the report. */
  readonly notes: string[];
}

export class BenchNetwork {
  private created = false;

  /** Removes leftovers of an earlier run that was killed before it could clean up. */
  static removeStale(): void {
    const present = new Set(listNamespaces());
    for (const ns of NAMESPACES) if (present.has(ns)) tryRun("ip", ["netns", "del", ns]);
    for (const link of LINKS) tryRun("ip", ["link", "del", link.gwlbDev]);
  }

  /**
   * Creates the namespaces, links and (if possible) the hairpin. Never throws for a missing
   * capability: the status says what is usable and why not.
   */
  create(options: { installIptables: boolean; cpus: number }): NetworkStatus {
    const notes: string[] = [];
    if (process.getuid?.() !== 0) return { namespaces: false, hairpin: false, segmentsBeforeDevice: false, returnsOwnRing: false, notes: ["not root: no network namespaces"] };
    if (which("ip") === null) return { namespaces: false, hairpin: false, segmentsBeforeDevice: false, returnsOwnRing: false, notes: ["`ip` (iproute2) is not installed"] };
    BenchNetwork.removeStale();
    try {
      this.created = true;
      for (const ns of NAMESPACES) run("ip", ["netns", "add", ns]);
      for (const link of LINKS) {
        run("ip", ["link", "add", link.gwlbDev, "type", "veth", "peer", "name", link.peerDev]);
        run("ip", ["link", "set", link.gwlbDev, "netns", GWLB_NS]);
        run("ip", ["link", "set", link.peerDev, "netns", link.peerNs]);
        run("ip", ["-n", GWLB_NS, "addr", "add", `${link.gwlb}/30`, "dev", link.gwlbDev]);
        run("ip", ["-n", link.peerNs, "addr", "add", `${link.peer}/30`, "dev", link.peerDev]);
        run("ip", ["-n", GWLB_NS, "link", "set", link.gwlbDev, "up"]);
        run("ip", ["-n", link.peerNs, "link", "set", link.peerDev, "up"]);
      }
      for (const ns of NAMESPACES) run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    } catch (error) {
      this.destroy();
      return { namespaces: false, hairpin: false, segmentsBeforeDevice: false, returnsOwnRing: false, notes: [`network namespaces unavailable: ${(error as Error).message}`] };
    }
    if (options.cpus >= 2) {
      const steered = LINKS.every((link) => steerReceive(GWLB_NS, link.gwlbDev, GENERATOR_RECEIVE_CPUS) && steerReceive(link.peerNs, link.peerDev, APPLIANCE_RECEIVE_CPUS));
      if (!steered) notes.push("receive packet steering could not be set: receive work stays on the sending CPU");
    }
    // Scatter-gather off too: the kernel then copies each segment into one linear buffer, as an
    // ordinary UDP send of these sizes is laid out, instead of headers plus page fragments
    // (where the fast path's reads past the headers cost copies that the hairpin never makes).
    const segmentsBeforeDevice = LINKS.every((link) => tryRun("ip", ["netns", "exec", GWLB_NS, "ethtool", "-K", link.gwlbDev, "sg", "off", "tx-udp-segmentation", "off"]));
    if (!segmentsBeforeDevice) notes.push("scatter-gather and UDP segmentation offload could not be turned off on the generator's devices (ethtool -K <dev> sg off tx-udp-segmentation off)");
    // GRO on gives the generator's device a NAPI ring of its own; veth uses it for forwarded
    // packets only when the sending device has no TCP segmentation offload (veth.c,
    // veth_skb_is_eligible_for_gro), and no appliance here sends TCP on it.
    const returnsOwnRing = LINKS.every((link) => tryRun("ip", ["netns", "exec", GWLB_NS, "ethtool", "-K", link.gwlbDev, "gro", "on"]) && tryRun("ip", ["netns", "exec", link.peerNs, "ethtool", "-K", link.peerDev, "tso", "off"]));
    if (!returnsOwnRing) notes.push("the returns could not be given a receive ring of their own (ethtool -K <generator dev> gro on, -K <appliance dev> tso off): under a flood they queue behind the incoming datagrams");
    return { namespaces: true, hairpin: this.setUpHairpin(options.installIptables, notes), segmentsBeforeDevice, returnsOwnRing, notes };
  }

  /** Deletes the namespaces (their links and iptables rules go with them). Idempotent, synchronous. */
  destroy(): void {
    if (!this.created) return;
    this.created = false;
    BenchNetwork.removeStale();
  }

  private setUpHairpin(installIptables: boolean, notes: string[]): boolean {
    if (which("iptables") === null) {
      if (!installIptables) {
        notes.push("iptables is not installed (run `apt-get install -y iptables`, or drop --no-install): kernel hairpin skipped");
        return false;
      }
      if (which("apt-get") === null) {
        notes.push("iptables is not installed and there is no apt-get: kernel hairpin skipped");
        return false;
      }
      process.stderr.write("bench: iptables is missing; installing it: apt-get install -y iptables\n");
      if (!tryRun("apt-get", ["install", "-y", "iptables"], 300_000)) {
        tryRun("apt-get", ["update"], 300_000);
        if (!tryRun("apt-get", ["install", "-y", "iptables"], 300_000)) {
          notes.push("`apt-get install -y iptables` failed: kernel hairpin skipped");
          return false;
        }
      }
      notes.push("iptables was installed by this run (apt-get install -y iptables)");
    }
    const gwlb = KERNEL_PATH.gwlb;
    const appliance = KERNEL_PATH.appliance;
    try {
      run("ip", ["netns", "exec", KERNEL_NS, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
      const nat = (...rule: string[]): string => run("ip", ["netns", "exec", KERNEL_NS, "iptables", "-t", "nat", ...rule]);
      nat("-A", "PREROUTING", "-p", "udp", "-s", gwlb, "-d", appliance, "--dport", "6081", "-j", "DNAT", "--to-destination", `${gwlb}:6081`);
      nat("-A", "POSTROUTING", "-p", "udp", "-d", gwlb, "--dport", "6081", "-j", "MASQUERADE");
      return true;
    } catch (error) {
      notes.push(`kernel hairpin unavailable: ${(error as Error).message}`);
      return false;
    }
  }
}
