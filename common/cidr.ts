/**
 * The project's one CIDR library, used by the components (planning VPCs and subnets at preview time)
 * and by the appliance agent (matching packets against policy and source CIDRs). Pure, no imports.
 *
 * Two views of a block, for two jobs:
 * - `Cidr` (IPv4 or IPv6): an address is four 32-bit words (IPv4 uses word 0 only, network order),
 *   so matching a packet never builds a string. Host bits are masked off, as a policy reads them.
 * - `Ipv4Cidr` (IPv4 only): the network as one unsigned 32-bit number, for arithmetic (carving
 *   subnets, overlaps, containment). Host bits are refused, as AWS refuses them.
 */

// ---------------------------------------------------------------- IPv4 and IPv6, for matching


/** A parsed CIDR block. `words` holds the network address already masked. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly prefixLength: number;
  readonly words: Uint32Array;
  readonly masks: Uint32Array;
  /** The block as written after normalisation, e.g. "10.0.0.0/8". */
  readonly text: string;
}

/** Parses a dotted IPv4 address into an unsigned 32-bit number, or returns -1. */
export function parseIpv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4) return -1;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return -1;
    const octet = Number(part);
    if (octet > 255) return -1;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses an IPv6 address (with "::" and an optional trailing dotted IPv4) into four words, or null. */
export function parseIpv6(text: string): Uint32Array | null {
  if (text.length === 0 || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (v4 < 0) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (head === null || tail === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = groups[2 * i] * 65536 + groups[2 * i + 1];
  return words;
}

/** Parses "a.b.c.d/n" or "v6/n" into a Cidr, or returns an error message (without the field name). */
export function parseCidr(text: unknown): Cidr | string {
  if (typeof text !== "string") return `${JSON.stringify(text)} is not a valid CIDR (expected a string)`;
  const invalid = `${JSON.stringify(text)} is not a valid CIDR`;
  const slash = text.indexOf("/");
  if (slash < 0) return `${invalid} (missing "/prefix")`;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return invalid;
  const prefixLength = Number(prefixText);
  let family: 4 | 6;
  let words: Uint32Array;
  const v4 = parseIpv4(addressText);
  if (v4 >= 0) {
    if (prefixLength > 32) return invalid;
    family = 4;
    words = new Uint32Array([v4, 0, 0, 0]);
  } else {
    const v6 = parseIpv6(addressText);
    if (v6 === null || prefixLength > 128) return invalid;
    family = 6;
    words = v6;
  }
  const masks = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, prefixLength - 32 * i));
    masks[i] = bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    words[i] = (words[i] & masks[i]) >>> 0;
  }
  const cidr = { family, prefixLength, words, masks, text: "" };
  cidr.text = `${formatAddress(family, words, 0)}/${prefixLength}`;
  return cidr;
}

/** True when the address (family + four words starting at `offset`) lies inside the block. */
export function cidrContains(cidr: Cidr, family: number, words: Uint32Array, offset: number): boolean {
  if (cidr.family !== family) return false;
  const masks = cidr.masks;
  const net = cidr.words;
  if (((words[offset] & masks[0]) >>> 0) !== net[0]) return false;
  if (family === 4) return true;
  return (
    ((words[offset + 1] & masks[1]) >>> 0) === net[1] &&
    ((words[offset + 2] & masks[2]) >>> 0) === net[2] &&
    ((words[offset + 3] & masks[3]) >>> 0) === net[3]
  );
}

/** Formats an address held as words; IPv6 uses the RFC 5952 shortest form. */
export function formatAddress(family: number, words: Uint32Array, offset: number): string {
  if (family === 4) {
    const v = words[offset];
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) groups.push(words[offset + i] >>> 16, words[offset + i] & 0xffff);
  // Longest run of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

// ---------------------------------------------------------------- IPv4 blocks, for planning

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer (host bits zero). */
  readonly network: number;
  /** Prefix length, 0-32. */
  readonly prefixLength: number;
}

const IPV4_CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/n"; returns an error string instead of throwing so validators can collect it. */
export function tryParseIpv4Cidr(text: string): Ipv4Cidr | string {
  const match = IPV4_CIDR_PATTERN.exec(text);
  if (!match) return `"${text}" is not an IPv4 CIDR block such as 10.0.0.0/16`;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((o) => o > 255)) return `"${text}" has an octet above 255`;
  if (prefixLength > 32) return `"${text}" has a prefix length above 32`;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const network = (address & prefixMask(prefixLength)) >>> 0;
  if (network !== address) {
    return `"${text}" has host bits set; the network is ${formatIpv4Cidr({ network, prefixLength })}`;
  }
  return { network, prefixLength };
}

/** `tryParseIpv4Cidr` for text already validated: throws on a bad block. */
export function parseIpv4Cidr(text: string): Ipv4Cidr {
  const parsed = tryParseIpv4Cidr(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function formatIpv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join(".");
}

export function formatIpv4Cidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

/** Number of addresses in the block (2^(32-n)); exact for every prefix length. */
export function blockSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefixLength);
}

export function lastAddress(cidr: Ipv4Cidr): number {
  return cidr.network + blockSize(cidr) - 1;
}

export function ipv4CidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function ipv4CidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return outer.prefixLength <= inner.prefixLength && inner.network >= outer.network && lastAddress(inner) <= lastAddress(outer);
}

/**
 * The `index`-th block of length `prefixLength` inside `parent` (Terraform's cidrsubnet with
 * newbits = prefixLength - parent.prefixLength). Returns undefined when it does not fit.
 */
export function nthSubnet(parent: Ipv4Cidr, prefixLength: number, index: number): Ipv4Cidr | undefined {
  if (prefixLength < parent.prefixLength || prefixLength > 32 || !Number.isInteger(index) || index < 0) return undefined;
  const count = 2 ** (prefixLength - parent.prefixLength);
  if (index >= count) return undefined;
  return { network: parent.network + index * 2 ** (32 - prefixLength), prefixLength };
}

/** The address `hostIndex` places into the block, e.g. hostIndex 10 of 10.10.21.0/24 is 10.10.21.10. */
export function hostAddress(cidr: Ipv4Cidr, hostIndex: number): number | undefined {
  if (!Number.isInteger(hostIndex) || hostIndex < 0 || hostIndex >= blockSize(cidr)) return undefined;
  return cidr.network + hostIndex;
}

/** Every pair of overlapping blocks among labelled CIDRs, in input order. */
export function findOverlaps<T extends { cidr: Ipv4Cidr }>(items: readonly T[]): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (ipv4CidrsOverlap(items[i].cidr, items[j].cidr)) pairs.push([items[i], items[j]]);
    }
  }
  return pairs;
}
