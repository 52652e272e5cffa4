// The kernel fast path's sets as the data plane writes and reads them: their names, how a flow
// becomes set elements, and how `nft list set` output is read back. The table and chains that
// use these sets are built by the control plane (control/fast-path-ruleset.ts).
//
// One set per (verdict, inner family, protocol): the protocol picks the idle timeout (TCP or
// other) and is not part of the key. Each key is endpoint id (64 bits) . inner source . inner
// destination . source port << 16 | destination port, read at fixed offsets by the chain. A flow
// gets two elements, one per direction: nft 1.0.6 refuses the two 16-bit port fields that a
// reversed lookup would need, and more than four raw fields in one key.

import { KEY_ADDRESS_A, KEY_ADDRESS_B, KEY_ENDPOINT_HIGH, KEY_ENDPOINT_LOW, KEY_PORTS, KEY_WORDS } from "./flow-key";
import { PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";

export const FAST_PATH_TABLE = "gwlb_agent";

/** Set index = verdict * 4 + (family 6 ? 2 : 0) + (TCP ? 0 : 1). */
export const FAST_PATH_SETS: readonly string[] = ["a4t", "a4u", "a6t", "a6u", "d4t", "d4u", "d6t", "d6u"];
export const SET_COUNT = FAST_PATH_SETS.length;

/** Outer IPv4 (20) + UDP (8) + GENEVE with AWS's 32 bytes of options (40): what nft counts above the inner packet. */
export const OUTER_OVERHEAD_BYTES = 68;
/** The chain both looks an element up and refreshes its timeout (`update`), and each counts the packet. */
export const KERNEL_COUNTS_PER_PACKET = 2;

export function setIndexOf(allow: boolean, family: number, protocol: number): number {
  return (allow ? 0 : 4) + (family === 6 ? 2 : 0) + (protocol === PROTO_TCP ? 0 : 1);
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
 * The two elements (A -> B, then B -> A) of the flow whose canonical key starts at
 * `keys[slot * KEY_WORDS]`, as nft element expressions.
 */
export function elementsOf(keys: Uint32Array, slot: number, family: number): [string, string] {
  const base = slot * KEY_WORDS;
  const endpoint = "0x" + hex(keys[base + KEY_ENDPOINT_HIGH], 8) + hex(keys[base + KEY_ENDPOINT_LOW], 8);
  const a = address(keys, base + KEY_ADDRESS_A, family);
  const b = address(keys, base + KEY_ADDRESS_B, family);
  const ports = keys[base + KEY_PORTS] >>> 0;
  const reversed = ((ports & 0xffff) * 65536 + (ports >>> 16)) >>> 0;
  return [`${endpoint} . 0x${a} . 0x${b} . 0x${hex(ports, 8)}`, `${endpoint} . 0x${b} . 0x${a} . 0x${hex(reversed, 8)}`];
}

/** One element as `nft list set` prints it, decoded into the flow key's words. */
export interface ListedElement {
  endpointHigh: number;
  endpointLow: number;
  source: Uint32Array;
  destination: Uint32Array;
  sourcePort: number;
  destinationPort: number;
  packets: number;
  bytes: number;
}

const ELEMENT = /0x([0-9a-f]+) \. 0x([0-9a-f]+) \. 0x([0-9a-f]+) \. 0x([0-9a-f]+) counter packets (\d+) bytes (\d+)/g;
const SET_HEADER = /\bset ([a-z0-9]+) \{/g;

function words(text: string, count: number, out: Uint32Array): void {
  const padded = text.padStart(count * 8, "0");
  for (let i = 0; i < 4; i++) out[i] = i < count ? parseInt(padded.slice(i * 8, i * 8 + 8), 16) >>> 0 : 0;
}

/**
 * Reads `nft list set ...` output (several sets in one text) and calls `visit` with each
 * element and the index of its set. The element object is reused between calls.
 */
export function readListedSets(text: string, visit: (set: number, element: ListedElement) => void): number {
  const element: ListedElement = {
    endpointHigh: 0,
    endpointLow: 0,
    source: new Uint32Array(4),
    destination: new Uint32Array(4),
    sourcePort: 0,
    destinationPort: 0,
    packets: 0,
    bytes: 0,
  };
  const endpoint = new Uint32Array(4);
  const headers = [...text.matchAll(SET_HEADER)];
  let count = 0;
  for (let h = 0; h < headers.length; h++) {
    const set = FAST_PATH_SETS.indexOf(headers[h][1]);
    if (set < 0) continue;
    const family = setFamily(set);
    const body = text.slice(headers[h].index, h + 1 < headers.length ? headers[h + 1].index : text.length);
    for (const match of body.matchAll(ELEMENT)) {
      words(match[1], 2, endpoint);
      element.endpointHigh = endpoint[0];
      element.endpointLow = endpoint[1];
      words(match[2], family === 4 ? 1 : 4, element.source);
      words(match[3], family === 4 ? 1 : 4, element.destination);
      const ports = parseInt(match[4], 16) >>> 0;
      element.sourcePort = ports >>> 16;
      element.destinationPort = ports & 0xffff;
      element.packets = Number(match[5]);
      element.bytes = Number(match[6]);
      visit(set, element);
      count++;
    }
  }
  return count;
}


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
