// IP addresses and CIDR blocks as numbers, so matching a packet never builds a string.
// An address is four 32-bit words: IPv4 uses word 0 only, IPv6 uses all four (network order).

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

/**
 * Decides whether datagram sources (as Node reports them, strings) are allowed. Results are
 * cached per address string so the per-packet cost is one Map lookup; the cache is bounded
 * because spoofed sources can be arbitrary.
 */
export class SourceFilter {
  private readonly cache = new Map<string, boolean>();
  private readonly scratch = new Uint32Array(4);

  constructor(
    private readonly cidrs: readonly Cidr[],
    private readonly maxCached = 4096,
  ) {}

  allows(address: string): boolean {
    const cached = this.cache.get(address);
    if (cached !== undefined) return cached;
    const verdict = this.evaluate(address);
    if (this.cache.size >= this.maxCached) this.cache.clear();
    this.cache.set(address, verdict);
    return verdict;
  }

  private evaluate(address: string): boolean {
    let family: 4 | 6;
    const v4 = parseIpv4(address);
    if (v4 >= 0) {
      family = 4;
      this.scratch[0] = v4;
    } else {
      // Node reports IPv4-mapped sources on dual-stack sockets as ::ffff:a.b.c.d.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
      const inner = mapped ? parseIpv4(mapped[1]) : -1;
      if (inner >= 0) {
        family = 4;
        this.scratch[0] = inner;
      } else {
        const v6 = parseIpv6(address);
        if (v6 === null) return false;
        family = 6;
        this.scratch.set(v6);
      }
    }
    for (const cidr of this.cidrs) if (cidrContains(cidr, family, this.scratch, 0)) return true;
    return false;
  }
}
