// Checks a policy document field by field and builds its compiled form (compile.ts). Every
// problem is reported with the path of its field; a document with any problem compiles to nothing.

import { MAX_NESTING, MAX_RULES, nestsDeeperThan } from "./limits";
import { Cidr, parseCidr } from "../../../common/cidr";
import { PROTO_ICMPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";
import {
  CompiledEndpoint, CompiledPolicy, CompiledRule, DIRECTION_ANY, DIRECTION_EAST_WEST, DIRECTION_INBOUND, DIRECTION_OUTBOUND,
  PROTOCOL_ANY, PROTOCOL_ICMP_ANY_FAMILY, hasPorts,
} from "./compile";
import { Action, DEFAULT_INTERNAL_CIDRS, PolicyDocument } from "./document";
import { Problems, describe, isRecord, joinPath, rejectUnknownKeys } from "./problems";

const TOP_LEVEL_KEYS = ["version", "description", "defaultAction", "failMode", "internalCidrs", "rules", "agent"];
const RULE_KEYS = ["name", "action", "protocol", "source", "destination", "direction", "endpointIds"];
const ENDPOINT_KEYS = ["cidr", "ports"];
const RULE_NAME = /^[A-Za-z0-9_.:/-]{1,64}$/;

/**
 * Validates the policy part of a document and compiles it. Every problem is added to
 * `problems` with the path of the field; returns undefined when there was any.
 * The `agent` section is validated separately (control/settings.ts).
 */
export function compilePolicy(doc: unknown, problems: Problems): CompiledPolicy | undefined {
  if (!isRecord(doc)) {
    problems.add("", `the document must be a JSON object, got ${describe(doc)}`);
    return undefined;
  }
  if (nestsDeeperThan(doc, MAX_NESTING)) {
    problems.add("", `the document nests deeper than ${MAX_NESTING} levels`);
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
  } else if (doc.rules.length > MAX_RULES) {
    problems.add("rules", `${doc.rules.length} rules; at most ${MAX_RULES}, since each new flow is matched against them in order`);
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
