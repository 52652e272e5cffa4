// Agent settings: defaults, the optional `agent` section of the policy document, and command
// line overrides, all described by one table so that validation and --help cannot drift apart.
// The whole document (policy + agent section) is loaded by load-document.ts.

import { availableParallelism } from "node:os";
import { isIP } from "node:net";
import { Cidr, parseCidr } from "../../../common/cidr";
import { Problems, describe, isRecord, joinPath } from "../policy/problems";
import { ValidationError } from "./validation-error";
import {
  DEREGISTRATION_DELAY_SECONDS, GENEVE_PORT, GWLB_OTHER_IDLE_TIMEOUT_SECONDS, GWLB_TCP_IDLE_TIMEOUT_SECONDS, HEALTH_PORT, METRICS_PORT, SLOW_PATH_MAX_PPS_LIMIT,
} from "../../../common/contract";

export type SocketMode = "auto" | "reuseport" | "shared";
export type FastPathMode = "auto" | "nft" | "off";
/** Who refreshes kernel elements' idle timeouts: auto picks "poll" where the kernel allows it (control/fast-path-kernel.ts). */
export type TimeoutRefreshMode = "auto" | "poll" | "packet";

export interface AgentSettings {
  listenAddress: string;
  listenPort: number;
  gwlbCidrs: Cidr[];
  gwlbPort: number;
  healthAddress: string;
  healthPort: number;
  metricsPort: number;
  workers: number;
  socketMode: SocketMode;
  drainSeconds: number;
  tcpIdleTimeoutSeconds: number;
  otherIdleTimeoutSeconds: number;
  maxFlows: number;
  maxReturnSockets: number;
  receiveBufferBytes: number;
  sendBufferBytes: number;
  flowLogs: boolean;
  flowLogRate: number;
  pollSeconds: number;
  filePollMs: number;
  region: string;
  fastPath: FastPathMode;
  fastPathDevice: string;
  fastPathMaxFlows: number;
  fastPathEndpoints: number;
  fastPathPollMs: number;
  fastPathTimeoutRefresh: TimeoutRefreshMode;
  emfEndpoint: string;
  emfIntervalSeconds: number;
  emfDimension: string;
  emfFleet: string;
  slowPathMaxPps: number;
}

type Kind = "int" | "address" | "cidrs" | "bool" | "choice" | "string" | "loopback";

interface SettingSpec {
  readonly key: keyof AgentSettings;
  readonly flag: string;
  readonly kind: Kind;
  readonly min?: number;
  readonly max?: number;
  /** The values a "choice" takes. */
  readonly choices?: readonly string[];
  readonly help: string;
  /** What --help shows as the default, only where it is not simply the value in defaultSettings(). */
  readonly defaultText?: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  { key: "listenAddress", flag: "--listen-address", kind: "address", help: "address to receive GENEVE on" },
  { key: "listenPort", flag: "--listen-port", kind: "int", min: 1, max: 65535, help: "UDP port to receive GENEVE on" },
  { key: "gwlbCidrs", flag: "--gwlb-cidrs", kind: "cidrs", help: "comma-separated CIDRs the GWLB sends from (the GWLB subnets); other sources are dropped and counted", defaultText: "none: required, here or as agent.gwlbCidrs" },
  { key: "gwlbPort", flag: "--gwlb-port", kind: "int", min: 1, max: 65535, help: "destination port of returned packets (GWLB listens on 6081; change only for tests)" },
  { key: "healthAddress", flag: "--health-address", kind: "address", help: "address of the HTTP health and metrics listeners" },
  { key: "healthPort", flag: "--health-port", kind: "int", min: 1, max: 65535, help: "HTTP health check port (GWLB target group default: 80)" },
  { key: "metricsPort", flag: "--metrics-port", kind: "int", min: 0, max: 65535, help: "port of the /metrics listener (never served on the health port); 0 serves /metrics on the health port instead (local use)" },
  { key: "workers", flag: "--workers", kind: "int", min: 1, max: 256, help: "data-plane worker processes", defaultText: "number of cores" },
  { key: "socketMode", flag: "--socket-mode", kind: "choice", choices: ["auto", "reuseport", "shared"], help: "auto | reuseport | shared: how workers share UDP 6081 (see README)" },
  { key: "drainSeconds", flag: "--drain-seconds", kind: "int", min: 0, max: 3600, help: "after SIGTERM, keep forwarding this long with health 503 (match the deregistration delay)" },
  { key: "tcpIdleTimeoutSeconds", flag: "--tcp-idle-timeout", kind: "int", min: 60, max: 6000, help: "TCP flow idle timeout, as set on the GWLB listener" },
  { key: "otherIdleTimeoutSeconds", flag: "--idle-timeout", kind: "int", min: 1, max: 6000, help: "idle timeout of non-TCP flows (GWLB uses 120)" },
  { key: "maxFlows", flag: "--max-flows", kind: "int", min: 1, max: 50_000_000, help: "flow table capacity per worker; the flow nearest its idle deadline is evicted at the cap" },
  { key: "maxReturnSockets", flag: "--max-return-sockets", kind: "int", min: 1, max: 60000, help: "return sockets (one per GWLB address and source port) per worker, least recently used closed first" },
  { key: "receiveBufferBytes", flag: "--receive-buffer", kind: "int", min: 65536, max: 1 << 30, help: "SO_RCVBUF of the GENEVE socket (capped by net.core.rmem_max)" },
  { key: "sendBufferBytes", flag: "--send-buffer", kind: "int", min: 65536, max: 1 << 30, help: "SO_SNDBUF of each return socket (capped by net.core.wmem_max)" },
  { key: "flowLogs", flag: "--flow-logs", kind: "bool", help: "on | off: JSON flow start/end lines on stdout" },
  { key: "flowLogRate", flag: "--flow-log-rate", kind: "int", min: 1, max: 1_000_000, help: "flow log lines per second per worker (burst: one second's worth); lines over it are counted in gwlb_agent_flow_logs_suppressed_total" },
  { key: "pollSeconds", flag: "--poll-seconds", kind: "int", min: 1, max: 86400, help: "SSM parameter polling interval in seconds" },
  { key: "fastPath", flag: "--fast-path", kind: "choice", choices: ["auto", "nft", "off"], help: "auto | nft | off: forward decided flows in the kernel with nftables (auto: where nft and CAP_NET_ADMIN allow; see README)" },
  { key: "fastPathDevice", flag: "--fast-path-device", kind: "string", help: "interface of the fast path's ingress chain", defaultText: "the interface of --listen-address (or of the default route)" },
  { key: "fastPathMaxFlows", flag: "--fast-path-max-flows", kind: "int", min: 1, max: 1_000_000, help: "offloaded flows: each kernel set (per endpoint, verdict, family, protocol) holds at most this many, one element each, and each worker tracks at most this many" },
  { key: "fastPathEndpoints", flag: "--fast-path-endpoints", kind: "int", min: 1, max: 256, help: "GWLB endpoints whose flows the fast path takes (each gets its own sets; flows of further endpoints stay on the slow path)" },
  { key: "fastPathPollMs", flag: "--fast-path-poll-ms", kind: "int", min: 100, max: 60_000, help: "how often the kernel's per-flow counters are read (idle expiry follows each read)" },
  { key: "fastPathTimeoutRefresh", flag: "--fast-path-timeout-refresh", kind: "choice", choices: ["auto", "poll", "packet"], help: "auto | poll | packet: who keeps kernel elements' idle timeouts; poll (the agent, at each counter poll) needs in-place element timeout updates, packet (an update per packet) costs the fast path more (auto: poll where the kernel has it; see README)" },
  { key: "slowPathMaxPps", flag: "--slow-path-max-pps", kind: "int", min: 0, max: SLOW_PATH_MAX_PPS_LIMIT, help: "with the fast path: packets per second let through to the agent, the excess dropped in the ingress chain (0: no limit; see README)" },
  { key: "filePollMs", flag: "--file-poll-ms", kind: "int", min: 100, max: 3_600_000, help: "how often the --config file is checked for changes, in ms (SIGHUP reloads at once)" },
  { key: "emfEndpoint", flag: "--emf-endpoint", kind: "loopback", help: "send key counters as CloudWatch EMF JSON to this CloudWatch agent UDP listener (127.x.x.x:port only), e.g. 127.0.0.1:25888", defaultText: "off" },
  { key: "emfIntervalSeconds", flag: "--emf-interval-seconds", kind: "int", min: 1, max: 3600, help: "how often EMF documents are sent" },
  { key: "emfDimension", flag: "--emf-dimension", kind: "string", help: "InstanceId dimension of EMF metrics", defaultText: "$EC2_INSTANCE_ID, else none" },
  { key: "emfFleet", flag: "--emf-fleet", kind: "string", help: "Fleet dimension of EMF metrics (the fleet's tag), so that one alarm covers the whole fleet", defaultText: "none" },
  { key: "region", flag: "--region", kind: "string", help: "AWS region for SSM (else AWS_REGION / AWS_DEFAULT_REGION)", defaultText: "from the environment" },
];

export function defaultSettings(): AgentSettings {
  return {
    listenAddress: "0.0.0.0",
    listenPort: GENEVE_PORT,
    // No default: accepting every private range would forward GENEVE from anything in the VPC.
    gwlbCidrs: [],
    gwlbPort: GENEVE_PORT,
    healthAddress: "0.0.0.0",
    healthPort: HEALTH_PORT,
    metricsPort: METRICS_PORT,
    workers: availableParallelism(),
    socketMode: "auto",
    drainSeconds: DEREGISTRATION_DELAY_SECONDS,
    tcpIdleTimeoutSeconds: GWLB_TCP_IDLE_TIMEOUT_SECONDS,
    otherIdleTimeoutSeconds: GWLB_OTHER_IDLE_TIMEOUT_SECONDS,
    maxFlows: 500_000,
    maxReturnSockets: 32768,
    receiveBufferBytes: 8 << 20,
    sendBufferBytes: 1 << 20,
    flowLogs: true,
    flowLogRate: 1000,
    pollSeconds: 30,
    filePollMs: 1000,
    region: regionFromEnvironment(),
    fastPath: "auto",
    fastPathDevice: "",
    fastPathMaxFlows: 65_536,
    fastPathEndpoints: 16,
    fastPathPollMs: 2000,
    fastPathTimeoutRefresh: "auto",
    emfEndpoint: "",
    emfIntervalSeconds: 60,
    emfDimension: process.env.EC2_INSTANCE_ID ?? "",
    emfFleet: "",
    slowPathMaxPps: 0,
  };
}

/** The AWS region the SDK would pick from the environment, or "" to leave it to the SDK. */
export function regionFromEnvironment(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "";
}

/** The default of a setting as --help shows it. */
export function defaultText(spec: SettingSpec, defaults: AgentSettings): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const value = defaults[spec.key];
  if (spec.kind === "cidrs") return (value as Cidr[]).map((cidr) => cidr.text).join(",");
  if (spec.kind === "bool") return value === true ? "on" : "off";
  return String(value);
}

/** Parses one setting from a document value (JSON) or a flag value (string); reports on failure. */
function parseSetting(spec: SettingSpec, value: unknown, fromFlag: boolean, path: string, problems: Problems): unknown {
  switch (spec.kind) {
    case "int": {
      const number = fromFlag && typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof number !== "number" || !Number.isInteger(number) || number < spec.min! || number > spec.max!) {
        problems.add(path, `${describe(value)} is not an integer between ${spec.min} and ${spec.max}`);
        return undefined;
      }
      return number;
    }
    case "address":
      if (typeof value !== "string" || isIP(value) !== 4) {
        problems.add(path, `${describe(value)} is not an IPv4 address (the GWLB's outer header is always IPv4)`);
        return undefined;
      }
      return value;
    case "cidrs": {
      const list = fromFlag && typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
      if (!Array.isArray(list) || list.length === 0) {
        problems.add(path, `${describe(value)} is not a non-empty list of CIDRs`);
        return undefined;
      }
      const cidrs: Cidr[] = [];
      list.forEach((item, i) => {
        const parsed = parseCidr(item);
        if (typeof parsed === "string") problems.add(fromFlag ? path : joinPath(path, i), parsed);
        else if (parsed.family !== 4) problems.add(fromFlag ? path : joinPath(path, i), `${describe(item)} is not an IPv4 CIDR`);
        else cidrs.push(parsed);
      });
      return cidrs.length === list.length ? cidrs : undefined;
    }
    case "bool":
      if (value === true || value === "on" || value === "true") return true;
      if (value === false || value === "off" || value === "false") return false;
      problems.add(path, `${describe(value)} is not on/off`);
      return undefined;
    case "choice": {
      const choices = spec.choices ?? [];
      if (typeof value === "string" && choices.includes(value)) return value;
      problems.add(path, `${describe(value)} is not one of ${choices.join(", ")}`);
      return undefined;
    }
    case "loopback": {
      // Only this machine's loopback: metrics never leave the appliance by this path.
      const match = typeof value === "string" ? /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$/.exec(value) : null;
      if (match === null || isIP(match[1]) !== 4 || Number(match[2]) < 1 || Number(match[2]) > 65535) {
        problems.add(path, `${describe(value)} is not a loopback address and port (127.x.x.x:port)`);
        return undefined;
      }
      return value;
    }
    case "string":
      if (typeof value !== "string" || value.length === 0) {
        problems.add(path, `${describe(value)} is not a non-empty string`);
        return undefined;
      }
      return value;
  }
}

/** Validates a document's optional `agent` section into partial settings. */
export function readAgentSection(doc: unknown, problems: Problems): Partial<AgentSettings> {
  const out: Partial<AgentSettings> = {};
  if (!isRecord(doc) || doc.agent === undefined) return out;
  if (!isRecord(doc.agent)) {
    problems.add("agent", `${describe(doc.agent)} is not an object`);
    return out;
  }
  for (const [key, value] of Object.entries(doc.agent)) {
    const spec = SETTINGS.find((s) => s.key === key);
    if (spec === undefined) {
      problems.add(joinPath("agent", key), `unknown setting (allowed: ${SETTINGS.map((s) => s.key).join(", ")})`);
      continue;
    }
    const parsed = parseSetting(spec, value, false, joinPath("agent", key), problems);
    if (parsed !== undefined) (out as Record<string, unknown>)[key] = parsed;
  }
  return out;
}

/** Validates command-line overrides (flag name -> raw string). Throws ValidationError naming each flag. */
export function readFlagOverrides(flags: ReadonlyMap<string, string>): Partial<AgentSettings> {
  const problems = new Problems();
  const out: Partial<AgentSettings> = {};
  for (const [flag, value] of flags) {
    const spec = SETTINGS.find((s) => s.flag === flag);
    if (spec === undefined) continue;
    const parsed = parseSetting(spec, value, true, flag, problems);
    if (parsed !== undefined) (out as Record<string, unknown>)[spec.key] = parsed;
  }
  if (!problems.ok) throw new ValidationError("command line", problems.messages);
  return out;
}

/** Defaults <- document `agent` section <- flags. */
export function mergeSettings(document: Partial<AgentSettings>, flags: Partial<AgentSettings>): AgentSettings {
  return { ...defaultSettings(), ...document, ...flags };
}

/** Checks across settings that no single field can make; throws ValidationError naming the options. */
export function checkMergedSettings(settings: AgentSettings): void {
  const problems: string[] = [];
  if (settings.gwlbCidrs.length === 0) {
    problems.push("--gwlb-cidrs: required (or agent.gwlbCidrs in the document): the CIDRs of the GWLB subnets; there is no default, so that GENEVE from anything else in the VPC is never forwarded");
  }
  if (settings.metricsPort !== 0 && settings.metricsPort === settings.healthPort) {
    problems.push(`--metrics-port: ${settings.metricsPort} is the health port; metrics get a listener of their own (give another port, or 0 to serve /metrics on the health port)`);
  }
  if (problems.length > 0) throw new ValidationError("settings", problems);
}
