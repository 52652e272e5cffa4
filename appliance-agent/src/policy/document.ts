// The policy document as operators write it (JSON): its fields and their defaults. Checked by
// schema.ts, compiled by compile.ts.

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
