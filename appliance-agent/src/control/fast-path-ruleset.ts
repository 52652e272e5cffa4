// The nftables table of the kernel fast path, as text for `nft -f`. A netdev ingress chain on
// the GENEVE interface proves, with raw payload reads relative to the outer UDP header
// (`@th,BIT,LEN`), that a datagram has exactly the shape the agent would return unchanged:
//
//   outer: IPv4 without options, not a fragment, UDP to the listen port, from a GWLB CIDR to one
//          of our addresses, IP length = UDP length + 20;
//   GENEVE (bit 64): version 0, 8 words of options, not OAM, protocol 0x0800 or 0x86DD, then the
//          three AWS options in their fixed order (class 0x0108, types 1, 2, 3, lengths 8, 8, 4);
//   inner at bit 384 (byte 48): IPv4 with IHL 5 and no fragment bits, or IPv6 whose next header is
//          TCP or UDP itself (no extension header), its length = UDP length - 48 (or - 88 for the
//          IPv6 payload), long enough for the TCP (20) or UDP (8) header.
//
// Length equalities cannot be computed by nft, so they are looked up: `len4`/`len6` hold every
// (IP length . UDP length . inner length) triple the interface's MTU allows. Then the GWLB
// endpoint id picks the endpoint's bank (a verdict map the agent fills as it meets endpoints),
// and the flow's key (inner source . inner destination . source port . destination port) is
// looked up in that bank's allow or deny set for its family and protocol, once as it is and once
// reversed, so one element serves both directions of a flow. (The endpoint id cannot be a fifth
// key field: nft 1.0.6 neither prints nor parses elements of more than four raw fields.) Where
// the kernel updates an existing element's timeout in place (`add element`; kernel commit
// 4201f3938914), the agent's counter polls refresh the timeouts of the flows it still holds and
// the lookup is all a packet costs; elsewhere an `update` after the lookup refreshes the element's
// idle timeout on every packet (timeoutRefresh). Allowed datagrams leave with the outer
// addresses swapped (which leaves both checksums as they are) and the ports kept, forwarded to
// the GWLB node when it is on-link and to the subnet's router when not; denied ones are dropped.
// Anything else is accepted unchanged, i.e. goes up the stack to the agent's socket.
//
// Allowed flows are learned by the kernel itself: a netdev egress chain on the same device sees
// each datagram the agent returns, proves the same shape (the return is the received datagram
// with the outer addresses swapped) and, unless the flow is already there the other way round,
// adds its key to the bank's allow set, with the flow's idle timeout. So a decided flow costs the
// agent no nft command; the agent writes only denials and removals. What the ingress chain
// forwards also passes the egress hook, so it carries a mark the egress chain skips. The egress
// chain counts each return it sees once (the agent subtracts its own returns, dataplane/fast-path.ts).

import { BANK_MAPS, FAST_PATH_SETS, FAST_PATH_TABLE, FORWARDED_MARK, bankSetName, setIndexOf } from "../dataplane/fast-path-elements";
import { TimeoutRefresh, elementTimeoutSeconds } from "../dataplane/fast-path-timeouts";
import { PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";
import { parseIpv4, parseIpv4Cidr, prefixMask } from "../../../common/cidr";

export interface FastPathTableSpec {
  readonly device: string;
  readonly mtu: number;
  readonly listenPort: number;
  /** The GWLB's GENEVE port: where the agent's returns go. */
  readonly gwlbPort: number;
  /** Our IPv4 addresses on the device (the GWLB sends to one of them). */
  readonly localAddresses: readonly string[];
  readonly gwlbCidrs: readonly string[];
  /** The device's on-link IPv4 prefixes: a GWLB node inside one is reached directly. */
  readonly onLinkCidrs: readonly string[];
  /** The subnet's router, for GWLB nodes in other subnets (cross-zone); null if none. */
  readonly router: string | null;
  readonly tcpIdleTimeoutSeconds: number;
  readonly otherIdleTimeoutSeconds: number;
  /** Kernel bound per set (one element per flow). */
  readonly setSize: number;
  /** GWLB endpoints with a bank of their own sets; flows of further endpoints stay on the slow path. */
  readonly banks: number;
  /** Packets per second let through to the agent's socket; the excess is dropped here (0: no limit). */
  readonly slowPathMaxPps?: number;
  readonly timeoutRefresh: TimeoutRefresh;
  /** The agent's counter poll interval (with "poll", learned elements get a slack that depends on it, elementTimeoutSeconds). */
  readonly pollMs: number;
}

// The flow's key as the packet has it, and reversed (the other direction's packets).
export const KEY4 = "@th,480,32 . @th,512,32 . @th,544,16 . @th,560,16";
export const KEY4_REVERSED = "@th,512,32 . @th,480,32 . @th,560,16 . @th,544,16";
const KEY6 = "@th,448,128 . @th,576,128 . @th,704,16 . @th,720,16";
const KEY6_REVERSED = "@th,576,128 . @th,448,128 . @th,720,16 . @th,704,16";
export const ENDPOINT_ID = "@th,160,64";
/** Outer IP length . UDP length . inner IPv4 total length (or IPv6 payload length), read raw. */
export const LENGTHS4 = "@nh,16,16 . @th,32,16 . @th,400,16";
const LENGTHS6 = "@nh,16,16 . @th,32,16 . @th,416,16";
/** Bytes from the outer UDP header to the inner packet: UDP 8 + GENEVE 8 + options 32. */
const INNER_AT = 48;

function list(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `{ ${items.join(", ")} }`;
}

/** The (IP length . UDP length . inner length) triples for inner packets of `minInner` bytes up to the MTU. */
function lengthTriples(mtu: number, innerFromUdp: number, minInner: number): string[] {
  const out: string[] = [];
  for (let udp = innerFromUdp + minInner; udp + 20 <= mtu; udp++) out.push(`${udp + 20} . ${udp} . ${udp - innerFromUdp}`);
  return out;
}

/** The `len4` triples: every inner IPv4 packet (at least 28 bytes) that a datagram within `mtu` carries. */
export function ipv4LengthTriples(mtu: number): string[] {
  return lengthTriples(mtu, INNER_AT, 28);
}

/** What a rule proves of an inner packet before it uses that protocol's set: the protocol, and room for a TCP header. */
const PROTOCOL_GUARDS = {
  4: [[PROTO_TCP, "@th,456,8 6 @th,400,16 >= 40"], [PROTO_UDP, "@th,456,8 17"]],
  6: [[PROTO_TCP, "@th,432,8 6 @th,416,16 >= 20"], [PROTO_UDP, "@th,432,8 17"]],
} as const;

/** A set's statement, given its name, the family's key (as is and reversed) and the protocol's idle timeout. */
type SetStatement = (name: string, key: string, reversed: string, timeout: number) => string[];

/** The rules of bank `bank` for each protocol (TCP, then UDP) of `family`: its guard, then `statement` on the set of that verdict. */
function perProtocol(spec: FastPathTableSpec, bank: number, family: 4 | 6, allow: boolean, statement: SetStatement): string[] {
  return PROTOCOL_GUARDS[family].flatMap(([protocol, guard]) => {
    const timeout = protocol === PROTO_TCP ? spec.tcpIdleTimeoutSeconds : spec.otherIdleTimeoutSeconds;
    const name = bankSetName(setIndexOf(allow, family, protocol), bank);
    return statement(name, family === 4 ? KEY4 : KEY6, family === 4 ? KEY4_REVERSED : KEY6_REVERSED, timeout).map((rule) => `    ${guard} ${rule}`);
  });
}

/** Looks the key up either way round (refreshing the element's idle timeout where `refresh` is "packet"), then `action`. */
function lookup(refresh: TimeoutRefresh, action: string): SetStatement {
  return (name, key, reversed, timeout) => [key, reversed].map((k) => `${k} @${name} ${refresh === "packet" ? `update @${name} { ${k} timeout ${timeout}s } ` : ""}${action}`);
}

/**
 * Adds the key unless the flow is there the other way round (the egress chain learning an allowed
 * flow), with the flow's idle timeout, plus the slack of the agent's refreshes where it keeps them.
 */
function learn(spec: FastPathTableSpec): SetStatement {
  return (name, key, reversed, timeout) => [`${reversed} @${name} return`, `add @${name} { ${key} timeout ${elementTimeoutSeconds(spec.timeoutRefresh, timeout, spec.pollMs)}s }`];
}

/**
 * Overload shedding: what the fast path did not forward or drop goes to the agent, and past
 * what the agent can take each such packet would cost the receive path (IP, UDP, a full socket
 * buffer) only to be dropped there, on the agent's own CPU. Dropping the excess here costs a
 * fraction of that, and flows already offloaded never reach this rule, so a flood of new flows
 * cannot starve them. The burst absorbs 100 ms at the limit.
 */
function slowPathLimit(spec: FastPathTableSpec): string[] {
  const pps = spec.slowPathMaxPps ?? 0;
  if (pps <= 0) return [];
  const burst = Math.max(64, Math.ceil(pps / 10));
  return [`    udp dport ${spec.listenPort} ip daddr ${list(spec.localAddresses)} limit rate over ${pps}/second burst ${burst} packets counter drop`];
}

/** The declaration of flow set `index` (FAST_PATH_SETS) of bank `bank`, holding up to `setSize` elements. */
export function renderFlowSet(index: number, bank: number, setSize: number): string {
  return `set ${bankSetName(index, bank)} { typeof ${index & 2 ? KEY6 : KEY4}; flags timeout; counter; size ${setSize}; }`;
}

/** The commands that give the endpoint `endpointId` (16 hex digits) bank `bank`: its entry in each of the four bank maps. */
export function renderBankAssignment(endpointId: string, bank: number): string {
  return BANK_MAPS.map((map) => `add element netdev ${FAST_PATH_TABLE} ${map} { 0x${endpointId} : jump ${map}_${bank} }`).join("; ");
}

/** A 32-bit value (an IPv4 address or mask) as the hex constant a raw payload match or write takes. */
function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

function addressValue(address: string): number {
  const value = parseIpv4(address);
  if (value < 0) throw new Error(`fast path: ${JSON.stringify(address)} is not an IPv4 address`);
  return value;
}

/**
 * The outer source address inside `cidrs`, in the allow chain (reached only for IPv4): one
 * prefix is a masked raw read, which needs no dependency match; more are a typed set.
 */
function outerSourceIn(cidrs: readonly string[]): string {
  if (cidrs.length !== 1) return `ip saddr ${list(cidrs)}`;
  const { network, prefixLength } = parseIpv4Cidr(cidrs[0]);
  const mask = prefixMask(prefixLength);
  return prefixLength === 32 ? `@nh,96,32 ${hex32(network)}` : `@nh,96,32 & ${hex32(mask)} == ${hex32(network)}`;
}

/**
 * The GENEVE shape every chain proves first: outer IPv4 (version 4, IHL 5), not a fragment, UDP
 * to `port`, from `from` to `to`, AWS's three options in order. Fields are read raw where the
 * chain has already proven the protocol, since a typed match (`udp dport`, `ip length`) makes nft
 * add a dependency match of its own to every rule that uses it. Bytes 6-9 of the IP header are
 * one read: flags and fragment offset (DF allowed), TTL ignored, protocol 17.
 */
function genevePrefix(port: number, from: readonly string[], to: readonly string[]): string {
  return `meta protocol ip @nh,0,8 0x45 @nh,48,32 & 0x3fff00ff == 0x11 ip saddr ${list(from)} ip daddr ${list(to)} @th,16,16 ${port} @th,128,32 0x01080102 @th,224,32 0x01080202 @th,320,32 0x01080301`;
}

/**
 * After the prefix: GENEVE version 0 with 8 words of options, not OAM, carrying IPv4 (IHL 5, not a
 * fragment: bytes 0-7 of the inner header in one masked read) or IPv6 (TCP or UDP next), with
 * consistent lengths (outer IP length . UDP length . inner length in `len4`/`len6`), then `v4` or `v6`.
 */
function innerShape(v4: string, v6: string): string[] {
  return [
    `    @th,64,32 & 0xff80ffff == 0x08000800 @th,384,64 & 0xff00000000003fff == 0x4500000000000000 ${LENGTHS4} @len4 ${v4}`,
    `    @th,64,32 & 0xff80ffff == 0x080086dd @th,384,4 6 ${LENGTHS6} @len6 ${v6}`,
  ];
}

/**
 * The allow chain's rules for one of our addresses: the outer addresses swapped, then forwarded
 * to the GWLB node when it is on-link and to the router when not. The swap is two raw writes
 * with no checksum update, and needs none: the IP header checksum and the UDP checksum's
 * pseudo-header are ones'-complement sums, which do not change when two of their words trade
 * places. (`ip daddr set`, a typed write, would update both checksums twice over.) With more
 * than one address the rule also checks which one the datagram came to.
 */
function allowRules(spec: FastPathTableSpec, local: string): string[] {
  const ours = hex32(addressValue(local));
  const which = spec.localAddresses.length > 1 ? `@nh,128,32 ${ours} ` : "";
  const swap = `${which}@nh,128,32 set @nh,96,32 @nh,96,32 set ${ours} meta mark set ${FORWARDED_MARK}`;
  const device = JSON.stringify(spec.device);
  const out: string[] = [];
  if (spec.onLinkCidrs.length > 0) out.push(`    ${outerSourceIn(spec.onLinkCidrs)} ${swap} fwd ip to @nh,128,32 device ${device}`);
  if (spec.router !== null) out.push(`    ${swap} fwd ip to ${spec.router} device ${device}`);
  return out;
}

/** The whole table; applying it replaces any table of the same name in one transaction. */
export function renderFastPathTable(spec: FastPathTableSpec): string {
  const banks = Array.from({ length: spec.banks }, (_, bank) => bank);
  const sets = banks.flatMap((bank) => FAST_PATH_SETS.map((_, i) => `  ${renderFlowSet(i, bank, spec.setSize)}`));
  const len4 = ipv4LengthTriples(spec.mtu);
  const len6 = lengthTriples(spec.mtu, INNER_AT + 40, 8);
  const device = JSON.stringify(spec.device);
  const out = spec.localAddresses.flatMap((local) => allowRules(spec, local));
  const chain = (name: string, rules: string[]): string[] => [`  chain ${name} {`, ...rules, `  }`];
  const forward = lookup(spec.timeoutRefresh, "goto allow");
  const drop = lookup(spec.timeoutRefresh, "drop");
  // Per bank: the ingress lookups of each family, then the egress learning of each family.
  const bankChains = banks.flatMap((bank) => [
    ...chain(`in4_${bank}`, [...perProtocol(spec, bank, 4, true, forward), ...perProtocol(spec, bank, 4, false, drop)]),
    ...chain(`in6_${bank}`, [...perProtocol(spec, bank, 6, true, forward), ...perProtocol(spec, bank, 6, false, drop)]),
    ...chain(`learn4_${bank}`, perProtocol(spec, bank, 4, true, learn(spec))),
    ...chain(`learn6_${bank}`, perProtocol(spec, bank, 6, true, learn(spec))),
  ]);
  return [
    `table netdev ${FAST_PATH_TABLE}`,
    `delete table netdev ${FAST_PATH_TABLE}`,
    `table netdev ${FAST_PATH_TABLE} {`,
    ...sets,
    `  set len4 { typeof ${LENGTHS4}; ${len4.length > 0 ? `elements = { ${len4.join(", ")} }; ` : ""}}`,
    `  set len6 { typeof ${LENGTHS6}; ${len6.length > 0 ? `elements = { ${len6.join(", ")} }; ` : ""}}`,
    ...BANK_MAPS.map((map) => `  map ${map} { typeof ${ENDPOINT_ID} : verdict; size ${spec.banks}; }`),
    ...bankChains,
    `  chain ingress {`,
    `    type filter hook ingress device ${device} priority -300; policy accept;`,
    `    ${genevePrefix(spec.listenPort, spec.gwlbCidrs, spec.localAddresses)} jump geneve`,
    ...slowPathLimit(spec),
    `  }`,
    // An endpoint without a bank has no entry in the map: its datagrams go on to the agent.
    ...chain("geneve", innerShape(`${ENDPOINT_ID} vmap @in4`, `${ENDPOINT_ID} vmap @in6`)),
    `  chain egress {`,
    `    type filter hook egress device ${device} priority -300; policy accept;`,
    `    meta mark != ${FORWARDED_MARK} ${genevePrefix(spec.gwlbPort, spec.localAddresses, spec.gwlbCidrs)} jump returned`,
    `  }`,
    ...chain("returned", innerShape(`${ENDPOINT_ID} vmap @learn4`, `${ENDPOINT_ID} vmap @learn6`)),
    ...chain("allow", out),
    `}`,
    "",
  ].join("\n");
}

/** Removes the table (the end of a SIGTERM drain; or another netdev table, `name`); harmless when it is absent. */
export function renderFastPathRemoval(name = FAST_PATH_TABLE): string {
  return `table netdev ${name}\ndelete table netdev ${name}\n`;
}
