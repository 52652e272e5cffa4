// Hostile GWLB datagrams for the fuzz command: valid seeds (IPv4/IPv6, TCP/UDP/ICMP, IP options,
// extension headers, fragments, extra GENEVE options) and mutators that break them where parsers
// trust the most: bit flips, truncations, length fields, the option walk, inner headers,
// fragment fields, and plain random bytes. Deterministic for a given seed.
import { buildDatagram, buildIpv4, buildIpv6, buildUdp, encapsulate, ipv6FragmentHeader, ipv6OptionsHeader } from "./packets";

/** xorshift32: small, fast, and reproducible from a seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

export function seedDatagrams(): Buffer[] {
  const udp = buildUdp("198.51.100.7", "10.0.0.9", 5353, 53, Buffer.alloc(12, 7));
  return [
    buildDatagram({ inner: { src: "198.51.100.1", dst: "10.0.0.2", protocol: "udp", srcPort: 4000, dstPort: 53, payload: 16 } }).datagram,
    buildDatagram({ inner: { src: "198.51.100.1", dst: "10.0.0.2", protocol: "tcp", srcPort: 40000, dstPort: 443, tcpFlags: 0x02, payload: 0 } }).datagram,
    buildDatagram({ inner: { src: "198.51.100.1", dst: "10.0.0.2", protocol: "icmp", icmpId: 7, payload: 8 } }).datagram,
    buildDatagram({ inner: { src: "2001:db8::1", dst: "fd00::2", protocol: "udp", srcPort: 4000, dstPort: 53, payload: 16 } }).datagram,
    buildDatagram({ inner: { src: "2001:db8::1", dst: "fd00::2", protocol: "icmp", payload: 8 } }).datagram,
    buildDatagram({ inner: { src: "198.51.100.1", dst: "10.0.0.2", protocol: "udp", srcPort: 1, dstPort: 2, payload: 4 }, geneve: { extraOptions: [{ optionClass: 0x0101, type: 0x01, data: Buffer.alloc(8, 1) }] } }).datagram,
    encapsulate(buildIpv4({ src: "198.51.100.7", dst: "10.0.0.9", protocol: 17, payload: udp, moreFragments: true, id: 99 })),
    encapsulate(buildIpv4({ src: "198.51.100.7", dst: "10.0.0.9", protocol: 17, payload: udp.subarray(0, 8), fragmentOffset: 3, id: 99 })),
    encapsulate(buildIpv4({ src: "198.51.100.7", dst: "10.0.0.9", protocol: 17, payload: udp, options: Buffer.from([1, 1, 1, 0]) })),
    encapsulate(buildIpv6({ src: "2001:db8::1", dst: "fd00::2", nextHeader: 17, payload: udp, extensionHeaders: [ipv6OptionsHeader(0), ipv6FragmentHeader(0, true)] })),
  ];
}

export const MUTATORS = ["bit_flips", "truncate", "geneve_length", "option_walk", "inner_header", "inner_length", "fragment", "splice", "random_bytes"] as const;

/** One hostile datagram from `seeds`, and the mutator that made it. */
export function mutate(random: Random, seeds: readonly Buffer[]): { datagram: Buffer; mutator: string } {
  const mutator = MUTATORS[random.below(MUTATORS.length)];
  const seed = seeds[random.below(seeds.length)];
  const d = Buffer.from(seed);
  const optionsEnd = 8 + (d[0] & 0x3f) * 4;
  const at = (from: number, to: number) => (to > from ? from + random.below(to - from) : from);
  switch (mutator) {
    case "bit_flips":
      for (let n = 1 + random.below(8); n > 0; n--) d[random.below(d.length)] ^= 1 << random.below(8);
      return { datagram: d, mutator };
    case "truncate":
      return { datagram: d.subarray(0, random.below(d.length)), mutator };
    case "geneve_length":
      d[0] = (d[0] & 0xc0) | random.below(64); // options length in words, past or short of the options
      if (random.below(2) === 0) d[0] = random.below(256); // version and length together
      return { datagram: d, mutator };
    case "option_walk": {
      // Overwrite an option header somewhere in the options: class, type (critical bit), length.
      const o = at(8, Math.min(optionsEnd, d.length - 4));
      d.writeUInt16BE(random.below(3) === 0 ? 0x0108 : random.below(65536), o);
      d[o + 2] = random.below(256);
      d[o + 3] = (d[o + 3] & 0xe0) | random.below(32);
      return { datagram: d, mutator };
    }
    case "inner_header":
      for (let n = 1 + random.below(4); n > 0; n--) d[at(optionsEnd, Math.min(d.length, optionsEnd + 60))] = random.below(256);
      return { datagram: d, mutator };
    case "inner_length": {
      // The inner IPv4 total length / IHL, or IPv6 payload length, or the transport length.
      const field = optionsEnd + [2, 0, 4, 24, 44][random.below(5)];
      if (field + 1 < d.length) d.writeUInt16BE(random.below(3) === 0 ? 0xffff : random.below(d.length + 64), field);
      return { datagram: d, mutator };
    }
    case "fragment":
      // IPv4 flags/offset, or whatever sits there in IPv6.
      if (optionsEnd + 7 < d.length) d.writeUInt16BE(random.below(65536), optionsEnd + 6);
      return { datagram: d, mutator };
    case "splice": {
      const other = seeds[random.below(seeds.length)];
      return { datagram: Buffer.concat([d.subarray(0, random.below(d.length)), other.subarray(random.below(other.length))]), mutator };
    }
    default: {
      const bytes = Buffer.alloc(random.below(700));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.below(256);
      return { datagram: bytes, mutator };
    }
  }
}
