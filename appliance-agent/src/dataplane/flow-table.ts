// The flow table: a fixed-capacity hash table in typed arrays (struct of arrays), keyed by
// GWLB endpoint id + canonical 5-tuple (flow-key.ts) so both directions of a flow share one entry.
// Memory is allocated once for `maxFlows` entries (99 bytes each, with the buckets) and never
// grows.

import { KEY_ADDRESS_A, KEY_ADDRESS_B, KEY_FAMILY_PROTOCOL, KEY_PORTS, KEY_WORDS, hashFlowKey, writeFlowKey } from "./flow-key";
import { AttachmentIds } from "./attachment-ids";
import type { GeneveHeader } from "./geneve";
import { Hint, InnerPacket } from "./inner-packet";
import { PROTO_TCP } from "../shared/ip-protocols";

/** Why a flow left the table (flow log `reason`). */
export const FlowEnd = { Idle: 0, Evicted: 1, Shutdown: 2 } as const;
export const FLOW_END_NAMES: readonly string[] = ["idle", "evicted", "shutdown"];

/** Flag bits per entry. */
export const FLAG_IN_USE = 1;
/** The initiator (the end that started the flow) is address A of the key. */
export const FLAG_INITIATOR_IS_A = 2;
export const FLAG_TCP = 4;
/** The cached verdict is allow. Meaningful once `policyVersion` is set (non-zero). */
export const FLAG_ALLOW = 8;

const CLASS_TCP = 0;
const CLASS_OTHER = 1;
const WELL_KNOWN_PORT_LIMIT = 1024;

export interface FlowTableOptions {
  /** Hard cap on entries; at the cap the entry closest to its idle deadline is evicted. */
  readonly maxFlows: number;
  /** GWLB's TCP idle timeout (350 s by default, 60-6000 s configurable on the listener). */
  readonly tcpIdleTimeoutMs: number;
  /** GWLB's idle timeout for every other protocol (120 s). */
  readonly otherIdleTimeoutMs: number;
  /** Seed for the key hash; random by default so flow placement cannot be predicted. */
  readonly hashSeed?: number;
}

export class FlowTable {
  readonly capacity: number;
  size = 0;
  evictions = 0;
  expirations = 0;
  /** Set by `lookup`: whether the returned entry was created by that call. */
  created = false;
  /** Set by `lookup`: whether the packet's source is address A of the key. */
  sourceIsA = false;
  /** Called just before an entry is removed, while its fields are still readable. */
  onEnd: ((slot: number, reason: number) => void) | null = null;

  readonly keys: Uint32Array;
  readonly flags: Uint8Array;
  /**
   * When the flow started, exactly: its whole second (Unix time) and the milliseconds past it;
   * when it was last seen, as milliseconds past that second, in a float32 (exact for a flow's
   * first 4.6 hours; a flow that lives a year is known to within a second).
   */
  private readonly startSecond: Uint32Array;
  private readonly startMs: Uint16Array;
  private readonly seenAfter: Float32Array;
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
  /** Attachment id of the latest packet (for flow logs), as its index in `attachments`. */
  readonly attachment: Uint16Array;
  readonly attachments = new AttachmentIds();
  /** Index of the policy rule that decided the flow; -1 for the default action (a policy has at most 10,000 rules). */
  readonly rule: Int16Array;
  /** Version of the policy that decided the flow; 0 = not decided yet. */
  readonly policyVersion: Uint32Array;

  private readonly chain: Int32Array;
  private readonly older: Int32Array;
  private readonly newer: Int32Array;
  private readonly buckets: Int32Array;
  private readonly bucketMask: number;
  private readonly newest = new Int32Array([-1, -1]);
  private readonly oldest = new Int32Array([-1, -1]);
  private readonly timeouts: Float64Array;
  private readonly seed: number;
  private readonly scratch = new Uint32Array(KEY_WORDS);
  private freeHead: number;

  constructor(options: FlowTableOptions) {
    const capacity = Math.max(1, Math.floor(options.maxFlows));
    this.capacity = capacity;
    this.keys = new Uint32Array(capacity * KEY_WORDS);
    this.flags = new Uint8Array(capacity);
    this.startSecond = new Uint32Array(capacity);
    this.startMs = new Uint16Array(capacity);
    this.seenAfter = new Float32Array(capacity);
    this.packets = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.attachment = new Uint16Array(capacity);
    this.rule = new Int16Array(capacity);
    this.policyVersion = new Uint32Array(capacity);
    this.chain = new Int32Array(capacity);
    this.older = new Int32Array(capacity);
    this.newer = new Int32Array(capacity);
    let buckets = 1;
    while (buckets < capacity) buckets *= 2;
    this.buckets = new Int32Array(buckets).fill(-1);
    this.bucketMask = buckets - 1;
    this.timeouts = new Float64Array([options.tcpIdleTimeoutMs, options.otherIdleTimeoutMs]);
    this.seed = (options.hashSeed ?? Math.floor(Math.random() * 0x100000000)) >>> 0;
    // Free entries are linked through `chain`.
    for (let i = 0; i < capacity - 1; i++) this.chain[i] = i + 1;
    this.chain[capacity - 1] = -1;
    this.freeHead = 0;
  }

  /**
   * Finds or creates the entry for this packet and marks it seen at `now` (ms).
   * Sets `created` and `sourceIsA`. A new entry's initiator is taken from the packet's hint
   * (TCP SYN / SYN-ACK, ICMP query / reply); without one, when exactly one port is below 1024
   * that end is taken as the server; otherwise the packet's source is the initiator.
   * Packet and byte counts are the caller's to add.
   */
  lookup(geneve: GeneveHeader, packet: InnerPacket, now: number): number {
    const hash = this.buildKey(geneve, packet);
    const slot = this.findKey(hash);
    if (slot < 0) return this.insert(hash, geneve, packet, now);
    this.created = false;
    this.touch(slot, now);
    this.attachment[slot] = this.attachments.intern(geneve.attachmentIdHigh, geneve.attachmentIdLow);
    return slot;
  }

  /** Marks an entry seen at `now` (ms) without a packet on this path (the kernel fast path forwarded it). */
  markSeen(slot: number, now: number): void {
    if (now > this.lastSeen(slot)) this.touch(slot, now);
  }

  /** Finds the entry for this packet without creating or touching it; -1 when absent. */
  find(geneve: GeneveHeader, packet: InnerPacket): number {
    return this.findKey(this.buildKey(geneve, packet));
  }

  /** Fills `scratch` with the canonical key of the packet (sets `sourceIsA`); returns its hash. */
  private buildKey(geneve: GeneveHeader, packet: InnerPacket): number {
    this.sourceIsA = writeFlowKey(geneve, packet, this.scratch);
    return hashFlowKey(this.scratch, this.seed);
  }

  private findKey(hash: number): number {
    const key = this.scratch;
    const keys = this.keys;
    let slot = this.buckets[hash & this.bucketMask];
    // Chains average under one entry (as many buckets as slots), so keys are compared as they are,
    // without a stored hash to check first, from the last word: ports and addresses differ soonest.
    while (slot >= 0) {
      const base = slot * KEY_WORDS;
      let equal = true;
      for (let i = KEY_WORDS - 1; i >= 0; i--) {
        if (keys[base + i] !== key[i]) {
          equal = false;
          break;
        }
      }
      if (equal) return slot;
      slot = this.chain[slot];
    }
    return -1;
  }

  /** Removes entries idle past their timeout, oldest first; at most `limit` per call. */
  expire(now: number, limit = 65536): number {
    let removed = 0;
    for (let cls = 0; cls < 2; cls++) {
      const timeout = this.timeouts[cls];
      while (removed < limit) {
        const slot = this.oldest[cls];
        if (slot < 0 || this.lastSeen(slot) + timeout > now) break;
        this.remove(slot, FlowEnd.Idle);
        this.expirations++;
        removed++;
      }
    }
    return removed;
  }

  /** Ends every entry (shutdown), reporting each through `onEnd`. */
  clear(reason: number = FlowEnd.Shutdown): void {
    for (let cls = 0; cls < 2; cls++) {
      while (this.oldest[cls] >= 0) this.remove(this.oldest[cls], reason);
    }
  }

  /** The idle deadline (ms) of an entry. */
  deadline(slot: number): number {
    return this.lastSeen(slot) + this.timeouts[(this.flags[slot] & FLAG_TCP) !== 0 ? CLASS_TCP : CLASS_OTHER];
  }

  /** When the flow was last seen (ms, Unix time). */
  lastSeen(slot: number): number {
    return this.startSecond[slot] * 1000 + this.seenAfter[slot];
  }

  /** From the flow's first packet to its last (ms). */
  durationMs(slot: number): number {
    return Math.max(0, this.seenAfter[slot] - this.startMs[slot]);
  }

  /** Family (4 or 6) and protocol of an entry. */
  family(slot: number): number {
    return this.keys[slot * KEY_WORDS + KEY_FAMILY_PROTOCOL] >>> 8;
  }

  protocol(slot: number): number {
    return this.keys[slot * KEY_WORDS + KEY_FAMILY_PROTOCOL] & 0xff;
  }

  /** Index in `keys` of the four address words of the flow's initiator. */
  initiatorAt(slot: number): number {
    return slot * KEY_WORDS + ((this.flags[slot] & FLAG_INITIATOR_IS_A) !== 0 ? KEY_ADDRESS_A : KEY_ADDRESS_B);
  }

  /** Index in `keys` of the four address words of the flow's responder. */
  responderAt(slot: number): number {
    return slot * KEY_WORDS + ((this.flags[slot] & FLAG_INITIATOR_IS_A) !== 0 ? KEY_ADDRESS_B : KEY_ADDRESS_A);
  }

  initiatorPort(slot: number): number {
    const ports = this.keys[slot * KEY_WORDS + KEY_PORTS];
    return (this.flags[slot] & FLAG_INITIATOR_IS_A) !== 0 ? ports >>> 16 : ports & 0xffff;
  }

  responderPort(slot: number): number {
    const ports = this.keys[slot * KEY_WORDS + KEY_PORTS];
    return (this.flags[slot] & FLAG_INITIATOR_IS_A) !== 0 ? ports & 0xffff : ports >>> 16;
  }

  /** Stores the key that `buildKey` left in `scratch` in a free (or freed) slot. */
  private insert(hash: number, geneve: GeneveHeader, packet: InnerPacket, now: number): number {
    if (this.freeHead < 0) this.evictOne();
    const slot = this.freeHead;
    this.freeHead = this.chain[slot];
    this.keys.set(this.scratch, slot * KEY_WORDS);
    const bucket = hash & this.bucketMask;
    this.chain[slot] = this.buckets[bucket];
    this.buckets[bucket] = slot;

    const sourceInitiates =
      packet.hint === Hint.SourceInitiates
        ? true
        : packet.hint === Hint.DestinationInitiates
          ? false
          : packet.sourcePort < WELL_KNOWN_PORT_LIMIT !== packet.destinationPort < WELL_KNOWN_PORT_LIMIT
            ? packet.destinationPort < WELL_KNOWN_PORT_LIMIT
            : true;
    const initiatorIsA = sourceInitiates === this.sourceIsA;
    const tcp = packet.protocol === PROTO_TCP;
    this.flags[slot] = FLAG_IN_USE | (initiatorIsA ? FLAG_INITIATOR_IS_A : 0) | (tcp ? FLAG_TCP : 0);
    const second = Math.floor(now / 1000);
    const ms = now - second * 1000;
    this.startSecond[slot] = second;
    this.startMs[slot] = ms;
    this.seenAfter[slot] = ms;
    this.packets[slot] = 0;
    this.bytes[slot] = 0;
    this.attachment[slot] = this.attachments.intern(geneve.attachmentIdHigh, geneve.attachmentIdLow);
    this.rule[slot] = -1;
    this.policyVersion[slot] = 0;
    this.linkNewest(slot, tcp ? CLASS_TCP : CLASS_OTHER);
    this.size++;
    this.created = true;
    return slot;
  }

  /** Evicts the entry closest to its idle deadline. */
  private evictOne(): void {
    const tcpSlot = this.oldest[CLASS_TCP];
    const otherSlot = this.oldest[CLASS_OTHER];
    let victim: number;
    if (tcpSlot < 0) victim = otherSlot;
    else if (otherSlot < 0) victim = tcpSlot;
    else victim = this.deadline(tcpSlot) <= this.deadline(otherSlot) ? tcpSlot : otherSlot;
    this.remove(victim, FlowEnd.Evicted);
    this.evictions++;
  }

  private remove(slot: number, reason: number): void {
    if (this.onEnd !== null) this.onEnd(slot, reason);
    const bucket = hashFlowKey(this.keys, this.seed, slot * KEY_WORDS) & this.bucketMask;
    let at = this.buckets[bucket];
    if (at === slot) {
      this.buckets[bucket] = this.chain[slot];
    } else {
      while (at >= 0 && this.chain[at] !== slot) at = this.chain[at];
      if (at >= 0) this.chain[at] = this.chain[slot];
    }
    this.unlink(slot, (this.flags[slot] & FLAG_TCP) !== 0 ? CLASS_TCP : CLASS_OTHER);
    this.flags[slot] = 0;
    this.chain[slot] = this.freeHead;
    this.freeHead = slot;
    this.size--;
  }

  private touch(slot: number, now: number): void {
    this.seenAfter[slot] = now - this.startSecond[slot] * 1000;
    const cls = (this.flags[slot] & FLAG_TCP) !== 0 ? CLASS_TCP : CLASS_OTHER;
    if (this.newest[cls] === slot) return;
    this.unlink(slot, cls);
    this.linkNewest(slot, cls);
  }

  private linkNewest(slot: number, cls: number): void {
    const head = this.newest[cls];
    this.newer[slot] = -1;
    this.older[slot] = head;
    if (head >= 0) this.newer[head] = slot;
    else this.oldest[cls] = slot;
    this.newest[cls] = slot;
  }

  private unlink(slot: number, cls: number): void {
    const newer = this.newer[slot];
    const older = this.older[slot];
    if (newer >= 0) this.older[newer] = older;
    else this.newest[cls] = older;
    if (older >= 0) this.newer[older] = newer;
    else this.oldest[cls] = newer;
  }
}
