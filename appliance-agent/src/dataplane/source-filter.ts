import { Cidr, cidrContains, parseIpv4, parseIpv6 } from "../../../common/cidr";

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
