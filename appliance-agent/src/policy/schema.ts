// The inspection policy: a validated JSON document compiled into numeric matchers.
// A flow is decided once, on its first packet, by the first rule that matches it in the
// initiator -> responder orientation; the verdict is cached in the flow table.

import { Cidr, cidrContains, parseCidr } from "../../../common/cidr";
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../dataplane/inner-packet";
import { Problems, describe, isRecord, joinPath, rejectUnknownKeys } from "./problems";

export type Action = "allow" | "deny";
export type FailMode = "open" | "closed";
export type Direction = "inbound" | "outbound" | "east-west" | "any";
export type PortSpec = number | string | Array<number | string>;

export interface PolicyEndpoint {
  /** One CIDR or a list; omitted = any address. An IPv4 block never matches IPv6 and vice versa. */
  cidr?: string | string[];
  /** Ports or "low-high" ranges; omitted = any. Only TCP, UDP and SCTP flows have ports. */
  ports?: PortSpec;
}

export interface PolicyRule {
  /** Label for metrics and flow logs; `rules[i]` when omitted. */
  name?: string;
  action: Action;
  /** "any" (default), "tcp", "udp", "icmp" (ICMP and ICMPv6), "icmpv6", "sctp" or a number 0-255. */
  protocol?: string | number;
  /** The flow's initiator. */
  source?: PolicyEndpoint;
  /** The flow's responder. */
  destination?: PolicyEndpoint;
  /** Relative to `internalCidrs`: inbound = outside -> inside, outbound = inside -> outside. */
  direction?: Direction;
  /** GWLB endpoint ids ("vpce-0123456789abcdef", "0x...", or 16 hex digits); omitted = any. */
  endpointIds?: string[];
}

export interface PolicyDocument {
  version?: 1;
  description?: string;
  defaultAction: Action;
  /** What to do with packets whose 5-tuple cannot be read: open = forward, closed = drop. */
  failMode: FailMode;
  internalCidrs?: string[];
  rules: PolicyRule[];
}

export const DEFAULT_INTERNAL_CIDRS: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "fc00::/7",
];

const PROTOCOL_ANY = -1;
const PROTOCOL_ICMP_ANY_FAMILY = -2;
const DIRECTION_ANY = 0;
const DIRECTION_INBOUND = 1;
const DIRECTION_OUTBOUND = 2;
const DIRECTION_EAST_WEST = 3;
/** Neither end is internal: only rules with direction "any" match. */
const DIRECTION_NONE = 4;

interface CompiledEndpoint {
  cidrs: Cidr[] | null;
  /** Inclusive [low, high] pairs. */
  ports: Uint16Array | null;
}

interface CompiledRule {
  allow: boolean;
  protocol: number;
  source: CompiledEndpoint;
  destination: CompiledEndpoint;
  direction: number;
  /** Endpoint ids as [high, low] pairs. */
  endpointIds: Uint32Array | null;
}

/** A flow in initiator -> responder orientation, as the policy sees it. Reused per evaluation. */
export class FlowView {
  family = 4;
  protocol = 0;
  readonly initiator = new Uint32Array(4);
  readonly responder = new Uint32Array(4);
  initiatorPort = 0;
  responderPort = 0;
  endpointIdHigh = 0;
  endpointIdLow = 0;
}

/** True for protocols whose flows carry ports that port rules can match. */
export function hasPorts(protocol: number): boolean {
  return protocol === PROTO_TCP || protocol === PROTO_UDP || protocol === PROTO_SCTP;
}

export class CompiledPolicy {
  /** Metric/flow-log label per rule index. */
  readonly labels: readonly string[];

  constructor(
    readonly document: PolicyDocument,
    readonly defaultAllow: boolean,
    readonly failOpen: boolean,
    private readonly internal: readonly Cidr[],
    private readonly rules: readonly CompiledRule[],
    labels: readonly string[],
  ) {
    this.labels = labels;
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  /** Index of the first matching rule, or -1 when the default action applies. */
  evaluate(flow: FlowView): number {
    let direction = -1;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i];
      if (rule.protocol !== PROTOCOL_ANY) {
        if (rule.protocol === PROTOCOL_ICMP_ANY_FAMILY) {
          if (flow.protocol !== PROTO_ICMP && flow.protocol !== PROTO_ICMPV6) continue;
        } else if (rule.protocol !== flow.protocol) {
          continue;
        }
      }
      if (rule.endpointIds !== null && !matchesEndpointId(rule.endpointIds, flow)) continue;
      if (!matchesEnd(rule.source, flow, flow.initiator, flow.initiatorPort)) continue;
      if (!matchesEnd(rule.destination, flow, flow.responder, flow.responderPort)) continue;
      if (rule.direction !== DIRECTION_ANY) {
        if (direction < 0) direction = this.directionOf(flow);
        if (direction !== rule.direction) continue;
      }
      return i;
    }
    return -1;
  }

  /** Whether the verdict for an `evaluate` result is allow. */
  allows(index: number): boolean {
    return index < 0 ? this.defaultAllow : this.rules[index].allow;
  }

  /** Label for an `evaluate` result. */
  label(index: number): string {
    return index < 0 ? "default" : this.labels[index];
  }

  private directionOf(flow: FlowView): number {
    const initiatorInside = this.isInternal(flow.family, flow.initiator);
    const responderInside = this.isInternal(flow.family, flow.responder);
    if (initiatorInside && responderInside) return DIRECTION_EAST_WEST;
    if (initiatorInside) return DIRECTION_OUTBOUND;
    if (responderInside) return DIRECTION_INBOUND;
    return DIRECTION_NONE;
  }

  private isInternal(family: number, address: Uint32Array): boolean {
    for (const cidr of this.internal) if (cidrContains(cidr, family, address, 0)) return true;
    return false;
  }
}

function matchesEndpointId(ids: Uint32Array, flow: FlowView): boolean {
  for (let i = 0; i < ids.length; i += 2) {
    if (ids[i] === flow.endpointIdHigh && ids[i + 1] === flow.endpointIdLow) return true;
  }
  return false;
}

function matchesEnd(end: CompiledEndpoint, flow: FlowView, address: Uint32Array, port: number): boolean {
  if (end.cidrs !== null) {
    let hit = false;
    for (const cidr of end.cidrs) {
      if (cidrContains(cidr, flow.family, address, 0)) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  if (end.ports !== null) {
    if (!hasPorts(flow.protocol)) return false;
    for (let i = 0; i < end.ports.length; i += 2) {
      if (port >= end.ports[i] && port <= end.ports[i + 1]) return true;
    }
    return false;
  }
  return true;
}

const TOP_LEVEL_KEYS = ["version", "description", "defaultAction", "failMode", "internalCidrs", "rules", "agent"];
const RULE_KEYS = ["name", "action", "protocol", "source", "destination", "direction", "endpointIds"];
const ENDPOINT_KEYS = ["cidr", "ports"];
const RULE_NAME = /^[A-Za-z0-9_.:/-]{1,64}$/;

/**
 * Validates the policy part of a document and compiles it. Every problem is added to
 * `problems` with the path of the field; returns undefined when there was any.
 * The `agent` section is validated separately (config.ts).
 */
export function compilePolicy(doc: unknown, problems: Problems): CompiledPolicy | undefined {
  if (!isRecord(doc)) {
    problems.add("", `the document must be a JSON object, got ${describe(doc)}`);
    return undefined;
  }
  rejectUnknownKeys(doc, TOP_LEVEL_KEYS, "", problems);
  if (doc.version !== undefined && doc.version !== 1) problems.add("version", `${describe(doc.version)} is not supported (expected 1)`);
  if (doc.description !== undefined && typeof doc.description !== "string") {
    problems.add("description", `${describe(doc.description)} is not a string`);
  }
  const defaultAction = readAction(doc.defaultAction, "defaultAction", problems);
  let failOpen = false;
  if (doc.failMode === "open") failOpen = true;
  else if (doc.failMode !== "closed") {
    problems.add("failMode", `${describe(doc.failMode)} is not "open" or "closed" (required: how to treat packets that cannot be classified)`);
  }
  let internal: Cidr[] = [];
  if (doc.internalCidrs === undefined) {
    internal = DEFAULT_INTERNAL_CIDRS.map((text) => parseCidr(text) as Cidr);
  } else {
    internal = readCidrList(doc.internalCidrs, "internalCidrs", problems) ?? [];
  }
  const rules: CompiledRule[] = [];
  const labels: string[] = [];
  if (!Array.isArray(doc.rules)) {
    problems.add("rules", `${describe(doc.rules)} is not an array of rules (use [] for none)`);
  } else {
    const names = new Map<string, number>();
    doc.rules.forEach((raw, index) => {
      const path = joinPath("rules", index);
      const rule = compileRule(raw, path, problems);
      let label = path;
      if (isRecord(raw) && raw.name !== undefined) {
        if (typeof raw.name !== "string" || !RULE_NAME.test(raw.name)) {
          problems.add(joinPath(path, "name"), `${describe(raw.name)} is not a valid name (1-64 of A-Z a-z 0-9 _ . : / -)`);
        } else if (names.has(raw.name)) {
          problems.add(joinPath(path, "name"), `${describe(raw.name)} duplicates rules[${names.get(raw.name)}].name`);
        } else {
          names.set(raw.name, index);
          label = raw.name;
        }
      }
      if (rule !== undefined) rules.push(rule);
      labels.push(label);
    });
  }
  if (!problems.ok || defaultAction === undefined) return undefined;
  return new CompiledPolicy(doc as unknown as PolicyDocument, defaultAction === "allow", failOpen, internal, rules, labels);
}

function readAction(value: unknown, path: string, problems: Problems): Action | undefined {
  if (value === "allow" || value === "deny") return value;
  problems.add(path, `${describe(value)} is not "allow" or "deny"`);
  return undefined;
}

function compileRule(raw: unknown, path: string, problems: Problems): CompiledRule | undefined {
  if (!isRecord(raw)) {
    problems.add(path, `${describe(raw)} is not a rule object`);
    return undefined;
  }
  const before = problems.messages.length;
  rejectUnknownKeys(raw, RULE_KEYS, path, problems);
  const action = readAction(raw.action, joinPath(path, "action"), problems);
  const protocol = readProtocol(raw.protocol, joinPath(path, "protocol"), problems);
  const source = readEndpoint(raw.source, joinPath(path, "source"), problems);
  const destination = readEndpoint(raw.destination, joinPath(path, "destination"), problems);
  let direction = DIRECTION_ANY;
  switch (raw.direction) {
    case undefined:
    case "any":
      break;
    case "inbound":
      direction = DIRECTION_INBOUND;
      break;
    case "outbound":
      direction = DIRECTION_OUTBOUND;
      break;
    case "east-west":
      direction = DIRECTION_EAST_WEST;
      break;
    default:
      problems.add(joinPath(path, "direction"), `${describe(raw.direction)} is not one of "inbound", "outbound", "east-west", "any"`);
  }
  let endpointIds: Uint32Array | null = null;
  if (raw.endpointIds !== undefined) {
    const idsPath = joinPath(path, "endpointIds");
    if (!Array.isArray(raw.endpointIds) || raw.endpointIds.length === 0) {
      problems.add(idsPath, `${describe(raw.endpointIds)} is not a non-empty array of endpoint ids`);
    } else {
      endpointIds = new Uint32Array(raw.endpointIds.length * 2);
      raw.endpointIds.forEach((id, i) => {
        const parsed = parseEndpointId(id);
        if (parsed === null) {
          problems.add(joinPath(idsPath, i), `${describe(id)} is not an endpoint id (vpce-<hex>, 0x<hex> or 16 hex digits, at most 64 bits)`);
        } else {
          endpointIds![2 * i] = parsed[0];
          endpointIds![2 * i + 1] = parsed[1];
        }
      });
    }
  }
  if (problems.messages.length !== before || action === undefined || protocol === undefined) return undefined;
  if (source === undefined || destination === undefined) return undefined;
  if ((source.ports !== null || destination.ports !== null) && protocol !== PROTOCOL_ANY && (protocol === PROTOCOL_ICMP_ANY_FAMILY || !hasPorts(protocol))) {
    problems.add(path, `ports are set but protocol ${describe(raw.protocol)} has no ports`);
    return undefined;
  }
  return { allow: action === "allow", protocol, source, destination, direction, endpointIds };
}

function readProtocol(value: unknown, path: string, problems: Problems): number | undefined {
  if (value === undefined || value === "any") return PROTOCOL_ANY;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 255) return value;
  switch (value) {
    case "tcp":
      return PROTO_TCP;
    case "udp":
      return PROTO_UDP;
    case "icmp":
      return PROTOCOL_ICMP_ANY_FAMILY;
    case "icmpv6":
      return PROTO_ICMPV6;
    case "sctp":
      return PROTO_SCTP;
  }
  problems.add(path, `${describe(value)} is not a protocol ("any", "tcp", "udp", "icmp", "icmpv6", "sctp" or 0-255)`);
  return undefined;
}

function readEndpoint(value: unknown, path: string, problems: Problems): CompiledEndpoint | undefined {
  if (value === undefined) return { cidrs: null, ports: null };
  if (!isRecord(value)) {
    problems.add(path, `${describe(value)} is not an object with "cidr" and/or "ports"`);
    return undefined;
  }
  rejectUnknownKeys(value, ENDPOINT_KEYS, path, problems);
  let cidrs: Cidr[] | null = null;
  if (value.cidr !== undefined) {
    const cidrPath = joinPath(path, "cidr");
    if (typeof value.cidr === "string") {
      const parsed = parseCidr(value.cidr);
      if (typeof parsed === "string") problems.add(cidrPath, parsed);
      else cidrs = [parsed];
    } else {
      cidrs = readCidrList(value.cidr, cidrPath, problems) ?? null;
    }
  }
  let ports: Uint16Array | null = null;
  if (value.ports !== undefined) {
    const portsPath = joinPath(path, "ports");
    const list = Array.isArray(value.ports) ? value.ports : [value.ports];
    if (list.length === 0) problems.add(portsPath, "is empty (omit it to match any port)");
    const pairs: number[] = [];
    list.forEach((item, i) => {
      const range = parsePortRange(item);
      const itemPath = Array.isArray(value.ports) ? joinPath(portsPath, i) : portsPath;
      if (range === null) problems.add(itemPath, `${describe(item)} is not a port (0-65535) or a "low-high" range`);
      else pairs.push(range[0], range[1]);
    });
    ports = Uint16Array.from(pairs);
  }
  return { cidrs, ports };
}

function readCidrList(value: unknown, path: string, problems: Problems): Cidr[] | undefined {
  if (!Array.isArray(value)) {
    problems.add(path, `${describe(value)} is not a CIDR or an array of CIDRs`);
    return undefined;
  }
  const out: Cidr[] = [];
  value.forEach((item, i) => {
    const parsed = parseCidr(item);
    if (typeof parsed === "string") problems.add(joinPath(path, i), parsed);
    else out.push(parsed);
  });
  return out;
}

/** Parses 80, "80" or "1024-65535" into an inclusive [low, high] pair. */
export function parsePortRange(value: unknown): [number, number] | null {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= 0 && value <= 65535 ? [value, value] : null;
  }
  if (typeof value !== "string") return null;
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value.trim());
  if (!match) return null;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (low > 65535 || high > 65535 || low > high) return null;
  return [low, high];
}

/** Parses a GWLB endpoint id into [high, low] 32-bit halves, or null. */
export function parseEndpointId(value: unknown): [number, number] | null {
  if (typeof value !== "string") return null;
  const match = /^(?:vpce-|0x)?([0-9a-fA-F]{1,17})$/.exec(value);
  if (!match) return null;
  const digits = match[1].replace(/^0+(?=.)/, "");
  if (digits.length > 16) return null;
  const padded = digits.padStart(16, "0");
  return [parseInt(padded.slice(0, 8), 16), parseInt(padded.slice(8), 16)];
}
