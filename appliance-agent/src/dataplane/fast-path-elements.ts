// The kernel fast path's sets as the data plane writes them: their names and how a flow becomes
// set elements (fast-path-listing.ts reads them back). The table and chains that use these sets
// are built by the control plane (control/fast-path-ruleset.ts).
//
// One set per (verdict, inner family, protocol) in each endpoint's bank: the protocol picks the
// idle timeout (TCP or other) and is not part of the key, and the bank stands for the GWLB
// endpoint id (the control plane gives each endpoint it meets a bank of its own, so flows of two
// endpoints never share an element). Each key is inner source . inner destination . source
// port . destination port, read at fixed offsets by the chain, which looks it up both ways round:
// a flow is one element, in the orientation of the packet it was learned or written from. The
// kernel adds an allowed flow's element itself (the egress chain); the agent writes a denied
// flow's.

import { KEY_ADDRESS_A, KEY_ADDRESS_B, KEY_PORTS, KEY_WORDS } from "./flow-key";
import { PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";

export const FAST_PATH_TABLE = "gwlb_agent";

/** Set index = verdict * 4 + (family 6 ? 2 : 0) + (TCP ? 0 : 1); a bank's sets are named `<name>_<bank>`. */
export const FAST_PATH_SETS: readonly string[] = ["a4t", "a4u", "a6t", "a6u", "d4t", "d4u", "d6t", "d6u"];
export const SET_COUNT = FAST_PATH_SETS.length;
/** The verdict maps from endpoint id to the bank's chain: ingress per inner family, then egress (learning) per family. */
export const BANK_MAPS: readonly string[] = ["in4", "in6", "learn4", "learn6"];
/** Banks (GWLB endpoints with sets of their own) at most. */
export const MAX_BANKS = 256;

export function bankSetName(index: number, bank: number): string {
  return `${FAST_PATH_SETS[index]}_${bank}`;
}

/** Outer IPv4 (20) + UDP (8) + GENEVE with AWS's 32 bytes of options (40): what nft counts above the inner packet. */
export const OUTER_OVERHEAD_BYTES = 68;
/**
 * The egress chain counts each datagram the agent returns for an allowed flow once (its `add`, or
 * its lookup of the reversed key), its length as the device sends it: outer IPv4 (20) + UDP (8) +
 * the GENEVE datagram + Ethernet (14).
 */
export const RETURN_OVERHEAD_BYTES = 42;
/** Set by the ingress chain on what it forwards, so that the egress chain learns only the agent's returns. */
export const FORWARDED_MARK = 0x6081;

export function setIndexOf(allow: boolean, family: number, protocol: number): number {
  return (allow ? 0 : 4) + (family === 6 ? 2 : 0) + (protocol === PROTO_TCP ? 0 : 1);
}

export function setAllows(index: number): boolean {
  return index < SET_COUNT / 2;
}

export function setIsTcp(index: number): boolean {
  return (index & 1) === 0;
}

export function setFamily(index: number): 4 | 6 {
  return (index & 2) !== 0 ? 6 : 4;
}

/** Only TCP and UDP have ports at a fixed offset; other protocols stay on the slow path. */
export function offloadableProtocol(protocol: number): boolean {
  return protocol === PROTO_TCP || protocol === PROTO_UDP;
}

function hex(value: number, digits: number): string {
  return (value >>> 0).toString(16).padStart(digits, "0");
}

function address(keys: Uint32Array, at: number, family: number): string {
  if (family === 4) return hex(keys[at], 8);
  return hex(keys[at], 8) + hex(keys[at + 1], 8) + hex(keys[at + 2], 8) + hex(keys[at + 3], 8);
}

/**
 * The flow whose canonical key starts at `keys[slot * KEY_WORDS]` as an nft element, A -> B, and
 * the same flow B -> A: the agent writes the first, the kernel may have learned either.
 */
export function elementsOf(keys: Uint32Array, slot: number, family: number): [string, string] {
  const base = slot * KEY_WORDS;
  const a = address(keys, base + KEY_ADDRESS_A, family);
  const b = address(keys, base + KEY_ADDRESS_B, family);
  const ports = keys[base + KEY_PORTS] >>> 0;
  const portA = hex(ports >>> 16, 4);
  const portB = hex(ports & 0xffff, 4);
  return [`0x${a} . 0x${b} . 0x${portA} . 0x${portB}`, `0x${b} . 0x${a} . 0x${portB} . 0x${portA}`];
}

/**
 * Which of elementsOf's two orientations a listed key is: 0 when its source is the flow key's A
 * side (address and port), 1 when it is B.
 */
export function orientationOf(keys: Uint32Array, slot: number, family: number, source: Uint32Array, sourcePort: number): 0 | 1 {
  const base = slot * KEY_WORDS;
  const words = family === 4 ? 1 : 4;
  for (let i = 0; i < words; i++) if (keys[base + KEY_ADDRESS_A + i] !== source[i]) return 1;
  return keys[base + KEY_PORTS] >>> 16 === sourcePort ? 0 : 1;
}

/**
 * Whether `text` is an endpoint id as formatId64 (geneve.ts) writes it: 16 hex digits, how the
 * control plane and the workers name an endpoint to each other (it goes into nft commands).
 */
export function isEndpointHex(text: string): boolean {
  return /^[0-9a-f]{16}$/.test(text);
}

/** The bank answer for an endpoint that found every bank taken: its flows stay on the slow path. */
export const NO_BANK = -1;

/**
 * Whether the kernel chain can match this datagram: AWS's three options in their fixed order
 * (so the inner packet starts at byte 40), inner IPv4 without options or IPv6 without extension
 * headers, not a fragment, TCP or UDP. Flows seen only in other shapes are not installed.
 */
export function kernelCanMatch(message: Uint8Array, innerOffset: number, family: number, protocol: number, fragmented: boolean): boolean {
  if (innerOffset !== 40 || fragmented || !offloadableProtocol(protocol)) return false;
  if (message[0] !== 0x08 || message[8] !== 0x01 || message[9] !== 0x08 || message[10] !== 0x01 || message[11] !== 0x02) return false;
  if (message[20] !== 0x01 || message[21] !== 0x08 || message[22] !== 0x02 || message[23] !== 0x02) return false;
  if (message[32] !== 0x01 || message[33] !== 0x08 || message[34] !== 0x03 || message[35] !== 0x01) return false;
  return family === 4 ? message[40] === 0x45 : message[46] === protocol;
}
