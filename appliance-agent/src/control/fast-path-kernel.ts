// Setting the kernel fast path up and taking it down (primary process only): find the GENEVE
// interface, its addresses, on-link prefixes, router and MTU, find out who can keep elements'
// idle timeouts, write the table, and remove it after a final stop. `--fast-path auto` falls back
// to the slow path alone, saying why; `nft` makes any failure a startup error.

import type { FastPathConfig } from "../dataplane/fast-path";
import { logEvent } from "../shared/log";
import { runCommand } from "../shared/run-command";
import type { TimeoutRefresh } from "../dataplane/fast-path-timeouts";
import { FastPathTableSpec, renderFastPathRemoval, renderFastPathTable } from "./fast-path-ruleset";
import type { AgentSettings } from "./settings";

const NFT_CANDIDATES = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"];

interface IpAddressInfo {
  ifname: string;
  mtu: number;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

async function findNft(): Promise<string> {
  for (const candidate of NFT_CANDIDATES) {
    try {
      await runCommand(candidate, ["--version"]);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error("nft (nftables) is not installed");
}

function networkOf(address: string, prefix: number): string {
  const value = address.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (value & mask) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 0xff).join(".")}/${prefix}`;
}

/** Reads the interface the GENEVE traffic arrives on, from `ip -j`. */
export async function describeInterface(settings: AgentSettings): Promise<Omit<FastPathTableSpec, "tcpIdleTimeoutSeconds" | "otherIdleTimeoutSeconds" | "setSize" | "banks" | "timeoutRefresh" | "pollMs">> {
  const links = JSON.parse(await runCommand("ip", ["-j", "addr", "show"])) as IpAddressInfo[];
  let device = settings.fastPathDevice;
  if (device === "") {
    if (settings.listenAddress !== "0.0.0.0") {
      device = links.find((link) => link.addr_info?.some((a) => a.family === "inet" && a.local === settings.listenAddress))?.ifname ?? "";
    } else {
      const routes = JSON.parse(await runCommand("ip", ["-j", "-4", "route", "show", "default"])) as Array<{ dev: string }>;
      device = routes[0]?.dev ?? "";
    }
  }
  const link = links.find((l) => l.ifname === device);
  if (link === undefined) throw new Error(`no interface found for ${settings.listenAddress} (set --fast-path-device)`);
  if (device === "lo") throw new Error("the GENEVE address is on the loopback interface");
  const inet = (link.addr_info ?? []).filter((a) => a.family === "inet");
  const localAddresses = settings.listenAddress === "0.0.0.0" ? inet.map((a) => a.local) : [settings.listenAddress];
  if (localAddresses.length === 0) throw new Error(`${device} has no IPv4 address`);
  const routes = JSON.parse(await runCommand("ip", ["-j", "-4", "route", "show", "default", "dev", device])) as Array<{ gateway?: string }>;
  return {
    device,
    mtu: link.mtu,
    listenPort: settings.listenPort,
    gwlbPort: settings.gwlbPort,
    localAddresses,
    gwlbCidrs: settings.gwlbCidrs.map((cidr) => cidr.text),
    onLinkCidrs: [...new Set(inet.map((a) => networkOf(a.local, a.prefixlen)))],
    router: routes.find((route) => route.gateway !== undefined)?.gateway ?? null,
  };
}

/** A table of its own for the probe, so that it never touches the fast path's. */
const PROBE_TABLE = "gwlb_agent_probe";

/**
 * Whether `add element` of an element already in a set resets its expiry in place (kernel commit
 * 4201f3938914, "set element timeout update support"; older kernels accept the command and change
 * nothing, so only reading the element back tells). Adds an element to a scratch table to expire
 * in 5 s, adds it again to expire in 20 s, and reads the expiry back. (Given the same timeout and
 * no `expires`, the kernel keeps the expiry: the agent's refreshes give both.)
 */
export async function kernelUpdatesTimeouts(nft: string): Promise<boolean> {
  const set = ["netdev", PROBE_TABLE, "s"];
  const element = (expires: string): string => `{ 198.18.0.1 timeout 20s expires ${expires} }`;
  try {
    await runCommand(nft, ["-f", "-"], {
      input: `${renderFastPathRemoval(PROBE_TABLE)}table netdev ${PROBE_TABLE} {\n  set s { type ipv4_addr; flags timeout; }\n}\nadd element ${set.join(" ")} ${element("5s")}\n`,
    });
    await runCommand(nft, ["add", "element", ...set, element("20s")]);
    const listing = JSON.parse(await runCommand(nft, ["-j", "list", "set", ...set])) as { nftables: Array<{ set?: { elem?: Array<{ elem?: { expires?: number } }> } }> };
    const elements = listing.nftables.find((item) => item.set !== undefined)?.set?.elem ?? [];
    return elements.length === 1 && (elements[0].elem?.expires ?? 0) > 10;
  } finally {
    await runCommand(nft, ["-f", "-"], { input: renderFastPathRemoval(PROBE_TABLE) }).catch(() => undefined);
  }
}

/** `--fast-path-timeout-refresh` resolved against what the kernel can do. */
async function timeoutRefreshFor(settings: AgentSettings, nft: string): Promise<TimeoutRefresh> {
  if (settings.fastPathTimeoutRefresh === "packet") return "packet";
  const inPlace = await kernelUpdatesTimeouts(nft);
  if (inPlace) return "poll";
  if (settings.fastPathTimeoutRefresh === "poll") throw new Error("--fast-path-timeout-refresh poll: this kernel does not update an element's timeout in place (it needs kernel commit 4201f3938914)");
  return "packet";
}

/**
 * Creates (or rebuilds: replaces in one transaction) the fast path's table. Resolves with the
 * workers' configuration, or null when the fast path is off or `auto` found it unavailable.
 */
export async function setUpFastPath(settings: AgentSettings): Promise<FastPathConfig | null> {
  if (settings.fastPath === "off") return null;
  try {
    const nft = await findNft();
    const iface = await describeInterface(settings);
    const timeoutRefresh = await timeoutRefreshFor(settings, nft);
    const spec: FastPathTableSpec = {
      ...iface,
      tcpIdleTimeoutSeconds: settings.tcpIdleTimeoutSeconds,
      otherIdleTimeoutSeconds: settings.otherIdleTimeoutSeconds,
      setSize: settings.fastPathMaxFlows,
      banks: settings.fastPathEndpoints,
      slowPathMaxPps: settings.slowPathMaxPps,
      timeoutRefresh,
      pollMs: settings.fastPathPollMs,
    };
    await runCommand(nft, ["-f", "-"], { input: renderFastPathTable(spec) });
    logEvent("info", "fast path on: decided TCP/UDP flows are forwarded by an nftables netdev ingress chain", {
      device: spec.device,
      localAddresses: spec.localAddresses,
      router: spec.router,
      maxFlows: settings.fastPathMaxFlows,
      endpoints: settings.fastPathEndpoints,
      pollMs: settings.fastPathPollMs,
      slowPathMaxPps: settings.slowPathMaxPps,
      timeoutRefresh,
    });
    return {
      nft,
      setSize: spec.setSize,
      banks: spec.banks,
      pollMs: settings.fastPathPollMs,
      tcpIdleTimeoutSeconds: settings.tcpIdleTimeoutSeconds,
      otherIdleTimeoutSeconds: settings.otherIdleTimeoutSeconds,
      timeoutRefresh,
    };
  } catch (error) {
    const reason = (error as Error).message;
    if (settings.fastPath === "nft") throw new Error(`--fast-path nft: ${reason}`);
    logEvent("info", "fast path off: every packet goes through the agent", { reason });
    return null;
  }
}

/** Applies commands to the table (one transaction). */
export async function applyFastPathCommands(config: FastPathConfig, commands: string): Promise<void> {
  await runCommand(config.nft, ["-f", "-"], { input: commands + "\n" });
}

/** Removes the table (after a final stop); errors are logged, not thrown. */
export async function removeFastPath(config: FastPathConfig): Promise<void> {
  try {
    await runCommand(config.nft, ["-f", "-"], { input: renderFastPathRemoval() });
  } catch (error) {
    logEvent("warn", "could not remove the fast path table", { error: (error as Error).message });
  }
}
