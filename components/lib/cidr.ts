/**
 * IPv4 CIDR arithmetic for planning VPCs and subnets at preview time.
 *
 * Everything here is pure and synchronous so that layouts and overlaps can be checked before any
 * resource is registered. Addresses are unsigned 32-bit numbers.
 */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer (host bits zero). */
  readonly network: number;
  /** Prefix length, 0-32. */
  readonly prefixLength: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/n"; returns an error string instead of throwing so validators can collect it. */
export function tryParseCidr(text: string): Ipv4Cidr | string {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return `"${text}" is not an IPv4 CIDR block such as 10.0.0.0/16`;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((o) => o > 255)) return `"${text}" has an octet above 255`;
  if (prefixLength > 32) return `"${text}" has a prefix length above 32`;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const network = (address & prefixMask(prefixLength)) >>> 0;
  if (network !== address) {
    return `"${text}" has host bits set; the network is ${formatCidr({ network, prefixLength })}`;
  }
  return { network, prefixLength };
}

export function parseCidr(text: string): Ipv4Cidr {
  const parsed = tryParseCidr(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function formatIpv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join(".");
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

/** Number of addresses in the block (2^(32-n)); exact for every prefix length. */
export function blockSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefixLength);
}

export function lastAddress(cidr: Ipv4Cidr): number {
  return cidr.network + blockSize(cidr) - 1;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
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

/** AWS reserves the first four addresses and the last address of every subnet. */
export function isAwsReservedHost(cidr: Ipv4Cidr, hostIndex: number): boolean {
  return hostIndex < 4 || hostIndex === blockSize(cidr) - 1;
}

/** Addresses a subnet offers to ENIs once AWS has taken its five. */
export function usableAwsAddresses(cidr: Ipv4Cidr): number {
  return Math.max(0, blockSize(cidr) - 5);
}

/** Every pair of overlapping blocks among labelled CIDRs, in input order. */
export function findOverlaps<T extends { cidr: Ipv4Cidr }>(items: readonly T[]): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (cidrsOverlap(items[i].cidr, items[j].cidr)) pairs.push([items[i], items[j]]);
    }
  }
  return pairs;
}
