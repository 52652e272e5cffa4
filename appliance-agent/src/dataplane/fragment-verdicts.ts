// Later fragments of an IP datagram carry no transport header, so they cannot be matched to a
// flow on their own. The first fragment can: its verdict is remembered under the datagram's
// reassembly key plus the endpoint for 30 s (Linux's ipfrag_time), and later fragments of the
// same datagram get the same verdict. The reassembly key is (addresses, protocol, id) for IPv4
// (RFC 791) but only (addresses, id) for IPv6 (RFC 8200 4.5): there the protocol the parser
// reports differs between fragments when a header such as destination options follows the
// fragment header (the first fragment is read through it, later ones name it). A later fragment seen before its first one stays
// unclassifiable (and follows failMode).

import { FLAG_ALLOW, FlowTable } from "./flow-table";
import type { GeneveHeader } from "./geneve";
import { Hint, InnerPacket } from "./inner-packet";

export const FRAGMENT_TIMEOUT_MS = 30_000;
export const FRAGMENT_CAPACITY = 16_384;

/** Result of `verdict`. */
export const FragmentVerdict = { Unknown: -1, Deny: 0, Allow: 1 } as const;

export class FragmentVerdicts {
  private readonly table: FlowTable;
  private readonly key = new InnerPacket();

  constructor(capacity = FRAGMENT_CAPACITY) {
    // Reuses the flow table: the fragment id takes the place of the two ports.
    this.table = new FlowTable({ maxFlows: capacity, tcpIdleTimeoutMs: FRAGMENT_TIMEOUT_MS, otherIdleTimeoutMs: FRAGMENT_TIMEOUT_MS });
  }

  get size(): number {
    return this.table.size;
  }

  /** Records the verdict of a first fragment. */
  remember(geneve: GeneveHeader, packet: InnerPacket, allow: boolean, now: number): void {
    const slot = this.table.lookup(geneve, this.keyOf(packet), now);
    const flags = this.table.flags;
    flags[slot] = allow ? flags[slot] | FLAG_ALLOW : flags[slot] & ~FLAG_ALLOW;
  }

  /** The remembered verdict for a later fragment, or FragmentVerdict.Unknown. */
  verdict(geneve: GeneveHeader, packet: InnerPacket): number {
    const slot = this.table.find(geneve, this.keyOf(packet));
    if (slot < 0) return FragmentVerdict.Unknown;
    return (this.table.flags[slot] & FLAG_ALLOW) !== 0 ? FragmentVerdict.Allow : FragmentVerdict.Deny;
  }

  expire(now: number): void {
    this.table.expire(now);
  }

  private keyOf(packet: InnerPacket): InnerPacket {
    const key = this.key;
    key.family = packet.family;
    key.protocol = packet.family === 4 ? packet.protocol : 0;
    key.source.set(packet.source);
    key.destination.set(packet.destination);
    key.sourcePort = Math.floor(packet.fragmentId / 65536);
    key.destinationPort = packet.fragmentId % 65536;
    key.hint = Hint.None;
    return key;
  }
}
