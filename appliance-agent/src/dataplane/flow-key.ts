// The flow table's key: GWLB endpoint id + 5-tuple in a canonical order (lower address first,
// then lower port), so that both directions of a flow build the same words and the same hash.

import type { GeneveHeader } from "./geneve";
import type { InnerPacket } from "./inner-packet";

/** Words per key: endpoint id (2), family/protocol (1), address A (4), address B (4), ports (1). */
export const KEY_WORDS = 12;
export const KEY_ENDPOINT_HIGH = 0;
export const KEY_ENDPOINT_LOW = 1;
export const KEY_FAMILY_PROTOCOL = 2;
export const KEY_ADDRESS_A = 3;
export const KEY_ADDRESS_B = 7;
export const KEY_PORTS = 11;

/** Writes the canonical key of the packet into `key` (KEY_WORDS words); returns whether its source is address A. */
export function writeFlowKey(geneve: GeneveHeader, packet: InnerPacket, key: Uint32Array): boolean {
  const src = packet.source;
  const dst = packet.destination;
  let sourceIsA = true;
  for (let i = 0; i < 4; i++) {
    if (src[i] !== dst[i]) {
      sourceIsA = src[i] < dst[i];
      break;
    }
    if (i === 3) sourceIsA = packet.sourcePort <= packet.destinationPort;
  }
  key[KEY_ENDPOINT_HIGH] = geneve.endpointIdHigh;
  key[KEY_ENDPOINT_LOW] = geneve.endpointIdLow;
  key[KEY_FAMILY_PROTOCOL] = (packet.family << 8) | packet.protocol;
  const a = sourceIsA ? src : dst;
  const b = sourceIsA ? dst : src;
  key[3] = a[0];
  key[4] = a[1];
  key[5] = a[2];
  key[6] = a[3];
  key[7] = b[0];
  key[8] = b[1];
  key[9] = b[2];
  key[10] = b[3];
  key[KEY_PORTS] = sourceIsA
    ? packet.sourcePort * 65536 + packet.destinationPort
    : packet.destinationPort * 65536 + packet.sourcePort;
  return sourceIsA;
}

/** Seeded FNV-1a over the key's words (at `at` in `key`), with a final avalanche. */
export function hashFlowKey(key: Uint32Array, seed: number, at = 0): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < KEY_WORDS; i++) h = Math.imul(h ^ key[at + i], 0x01000193);
  // Final avalanche so that low bits (the bucket index) depend on every word.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
