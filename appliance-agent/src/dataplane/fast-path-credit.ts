// What a listing of a flow's kernel element adds to the flow. The element's counter counts each
// packet the ingress chain forwarded or dropped once (its lookup), or twice where the chain also
// refreshes the element's timeout per packet (`update`, fast-path-timeouts.ts), and each datagram
// the agent returned once (the egress chain). The agent keeps, per flow, a baseline in those raw
// units: what it has already credited plus the returns it made itself. What the counter holds
// beyond the baseline is the kernel's new work.
//
// A listing and the agent's returns race: a return made after the kernel dumped the element but
// before the agent read the dump is in the baseline and not yet in the counter. So only whole
// packets are credited and the baseline moves by exactly what was credited; the remainder stays
// for the next poll, where the counter has caught up. A counter below its baseline is either that
// race (a return during this poll) or an element the kernel dropped and learned again, whose
// counter restarted.

import { OUTER_OVERHEAD_BYTES } from "./fast-path-elements";

/** One crediting: what to add to the flow, and its new baseline. */
export class Credit {
  packets = 0;
  bytes = 0;
  basePackets = 0;
  baseBytes = 0;

  /** `countsPerPacket`: raw counts per forwarded packet (fast-path-timeouts.ts, kernelCountsPerPacket). */
  constructor(private readonly countsPerPacket: number) {}

  /**
   * From the element's raw counts and the flow's baseline; `raced` says the agent returned one of
   * the flow's datagrams while this poll ran. Inner bytes (the outer headers nft counts are taken off).
   */
  compute(rawPackets: number, rawBytes: number, basePackets: number, baseBytes: number, raced: boolean): this {
    if (rawPackets < basePackets) {
      if (raced) return this.nothing(basePackets, baseBytes);
      // Learned again: everything the new element counted is new (its learning return included,
      // which the floor below mostly absorbs).
      basePackets = 0;
      baseBytes = 0;
    }
    const packets = Math.floor((rawPackets - basePackets) / this.countsPerPacket);
    if (packets === 0) return this.nothing(basePackets, baseBytes);
    const bytes = Math.max(0, Math.floor((rawBytes - baseBytes) / this.countsPerPacket) - packets * OUTER_OVERHEAD_BYTES);
    this.packets = packets;
    this.bytes = bytes;
    this.basePackets = basePackets + packets * this.countsPerPacket;
    this.baseBytes = baseBytes + (bytes + packets * OUTER_OVERHEAD_BYTES) * this.countsPerPacket;
    return this;
  }

  private nothing(basePackets: number, baseBytes: number): this {
    this.packets = 0;
    this.bytes = 0;
    this.basePackets = basePackets;
    this.baseBytes = baseBytes;
    return this;
  }
}
