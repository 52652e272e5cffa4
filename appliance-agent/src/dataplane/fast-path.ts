// One worker's share of the kernel fast path: which of its flows are in the nftables sets (the
// kernel learns allowed ones from the agent's returns), the batched denials and removals, the
// banks of sets the control plane gave each GWLB endpoint, and the counter polls that bring what
// the kernel forwarded back into the flow table (packets, bytes, last seen), so that metrics,
// idle expiry and flow logs stay the agent's. The flow table stays authoritative: an element
// lives only while its flow does, and a flow whose element the kernel lost goes back to the slow
// path.

import { Counter, DataPlaneCounters } from "./counters";
import {
  FAST_PATH_TABLE,
  KERNEL_COUNTS_PER_PACKET,
  MAX_BANKS,
  OUTER_OVERHEAD_BYTES,
  RETURN_OVERHEAD_BYTES,
  SET_COUNT,
  bankSetName,
  elementsOf,
  offloadableProtocol,
  setIndexOf,
  setIsTcp,
} from "./fast-path-elements";
import { EndpointBanks } from "./fast-path-endpoints";
import { ListedElement, SetListingReader } from "./fast-path-listing";
import { KEY_ENDPOINT_HIGH, KEY_ENDPOINT_LOW, KEY_WORDS } from "./flow-key";
import { FLAG_ALLOW, FLAG_INITIATOR_IS_A, FLAG_IN_USE, FlowTable } from "./flow-table";
import { GeneveHeader } from "./geneve";
import { InnerPacket } from "./inner-packet";
import { NftChannel } from "./nft-channel";

/** What a worker needs to use the table the control plane created. Plain JSON (crosses IPC). */
export interface FastPathConfig {
  readonly nft: string;
  /**
   * Elements each kernel set holds at most (all workers together); a set this full learns no
   * more. Also this worker's bound on the flows it tracks in the kernel. The kernel learns an
   * allowed flow from the agent's return whether or not the worker has room for it; one it has no
   * room for counts in fast_path_full_total and stays in the kernel until its idle timeout.
   */
  readonly setSize: number;
  /** Banks of sets, one per GWLB endpoint the control plane assigns (at most MAX_BANKS). */
  readonly banks: number;
  /** Counter poll interval; idle expiry of flows runs right after each poll. */
  readonly pollMs: number;
  readonly tcpIdleTimeoutSeconds: number;
  readonly otherIdleTimeoutSeconds: number;
}

/** Commands per nft transaction; a reload of a full table is cut into lines of this many. */
const COMMANDS_PER_LINE = 256;
/** A listing runs at the lowest priority, so on a saturated core it may take long; past this it counts as an error. */
const LIST_TIMEOUT_MS = 60_000;
/** A flow missing from this many polls in a row was dropped by the kernel (its timeout). */
const MISSING_POLLS = 2;

export class FastPath {
  /** Flow slot -> offload index, -1 when the flow is not offloaded. */
  readonly indexOf: Int32Array;
  size = 0;
  /** Set when the owner stops: flows ending then keep their elements (a restart adopts none, rebuilds). */
  closing = false;
  private readonly flowOf: Int32Array;
  private readonly setOf: Uint8Array;
  private readonly bankOf: Uint16Array;
  /** Offloaded flows per (bank, set): a poll lists only the sets that have some. */
  private readonly setFlows = new Int32Array(MAX_BANKS * SET_COUNT);
  /** What the last poll read of each flow's element, less the agent's returns: forwarded packets and inner bytes. */
  private readonly lastPackets: Float64Array;
  private readonly lastBytes: Float64Array;
  /**
   * This poll's raw counts per flow. A flow is one element, except when the agent wrote it (a
   * flow that waited for its bank) while the kernel learned it the other way round: both count.
   */
  private readonly sumPackets: Float64Array;
  private readonly sumBytes: Float64Array;
  /** Datagrams (and their sent bytes) the agent returned for an allowed offloaded flow: the egress chain counted them. */
  private readonly returned: Float64Array;
  private readonly returnedBytes: Float64Array;
  private readonly listed: Uint8Array;
  private readonly missing: Uint8Array;
  private readonly freeList: Int32Array;
  private freeCount: number;
  private queue: string[] = [];
  private flushScheduled = false;
  private readonly channel: NftChannel;
  private readonly geneve = new GeneveHeader();
  private readonly inner = new InnerPacket();
  private polling: Promise<void> | null = null;
  private pollAt = 0;
  private readonly endpoints: EndpointBanks;

  constructor(
    private readonly config: FastPathConfig,
    private readonly table: FlowTable,
    private readonly counters: DataPlaneCounters,
    onError: (message: string) => void,
    /** Asks the control plane for a bank for this endpoint (16 hex digits); the answer comes through setBank. */
    requestBank: (endpoint: string) => void,
  ) {
    this.endpoints = new EndpointBanks(config.banks, requestBank);
    const max = Math.max(1, config.setSize);
    this.indexOf = new Int32Array(table.capacity).fill(-1);
    this.flowOf = new Int32Array(max).fill(-1);
    this.setOf = new Uint8Array(max);
    this.bankOf = new Uint16Array(max);
    this.lastPackets = new Float64Array(max);
    this.lastBytes = new Float64Array(max);
    this.sumPackets = new Float64Array(max);
    this.sumBytes = new Float64Array(max);
    this.returned = new Float64Array(max);
    this.returnedBytes = new Float64Array(max);
    this.listed = new Uint8Array(max);
    this.missing = new Uint8Array(max);
    this.freeList = new Int32Array(max);
    for (let i = 0; i < max; i++) this.freeList[i] = max - 1 - i;
    this.freeCount = max;
    this.channel = new NftChannel({
      nft: config.nft,
      onError: (message) => {
        counters.values[Counter.FastPathErrors]++;
        onError(message);
      },
    });
  }

  /** The control plane's answer for an endpoint: its bank, or -1 when every bank is taken; `policyVersion` is the one in force. */
  setBank(endpoint: string, bank: number, policyVersion: number): void {
    const waiting = this.endpoints.answer(endpoint, bank);
    if (waiting.length === 0) return;
    const high = this.endpoints.high[bank];
    const low = this.endpoints.low[bank];
    // Their first packets went back before the kernel knew the endpoint, so nothing was learned
    // from them: the agent writes their elements. A slot may have been reused meanwhile, or the
    // policy reloaded: what is still a flow of this endpoint decided by the policy in force is
    // what gets installed (the others are decided again on their next packet).
    const table = this.table;
    const keys = table.keys;
    for (const slot of waiting) {
      const base = slot * KEY_WORDS;
      if ((table.flags[slot] & FLAG_IN_USE) === 0 || table.policyVersion[slot] !== policyVersion || this.indexOf[slot] >= 0) continue;
      if (!offloadableProtocol(table.protocol(slot))) continue;
      if (keys[base + KEY_ENDPOINT_HIGH] !== high || keys[base + KEY_ENDPOINT_LOW] !== low) continue;
      this.install(slot, (table.flags[slot] & FLAG_ALLOW) !== 0, true);
    }
  }

  /**
   * Installs (or moves to the right set) the flow in `slot` with its verdict. A flow whose
   * endpoint has no bank yet waits for it (setBank). The kernel learns an allowed flow from the
   * agent's return of its packet; `write` has the agent write it instead.
   */
  install(slot: number, allow: boolean, write = false): void {
    const table = this.table;
    const set = setIndexOf(allow, table.family(slot), table.protocol(slot));
    let index = this.indexOf[slot];
    if (index >= 0) {
      if (this.setOf[index] === set) return;
      this.queueDelete(slot, this.bankOf[index], this.setOf[index]);
      this.setFlows[this.bankOf[index] * SET_COUNT + this.setOf[index]]--;
    } else {
      const bank = this.bankFor(slot);
      if (bank < 0) return;
      if (this.freeCount === 0) {
        this.counters.values[Counter.FastPathFull]++;
        return;
      }
      index = this.freeList[--this.freeCount];
      this.indexOf[slot] = index;
      this.flowOf[index] = slot;
      this.bankOf[index] = bank;
      this.size++;
    }
    this.setOf[index] = set;
    this.setFlows[this.bankOf[index] * SET_COUNT + set]++;
    this.lastPackets[index] = 0;
    this.lastBytes[index] = 0;
    this.sumPackets[index] = 0;
    this.sumBytes[index] = 0;
    this.listed[index] = 0;
    this.returned[index] = 0;
    this.returnedBytes[index] = 0;
    this.missing[index] = 0;
    this.counters.values[Counter.FastPathInstalls]++;
    // An allowed flow is added by the kernel's egress chain as the agent returns its packets;
    // only a denial needs an element written here.
    if (allow && !write) return;
    const timeout = setIsTcp(set) ? this.config.tcpIdleTimeoutSeconds : this.config.otherIdleTimeoutSeconds;
    // The initiator's direction: what the kernel would have learned from the flow's first return.
    const [ab, ba] = elementsOf(table.keys, slot, table.family(slot));
    const element = (table.flags[slot] & FLAG_INITIATOR_IS_A) !== 0 ? ab : ba;
    this.enqueue(`add element netdev ${FAST_PATH_TABLE} ${bankSetName(set, this.bankOf[index])} { ${element} timeout ${timeout}s }`);
  }

  /** Notes a datagram of `length` bytes the agent returned for `slot` in the shape the egress chain learns from. */
  countReturn(slot: number, length: number): void {
    const index = this.indexOf[slot];
    if (index < 0 || this.setOf[index] >= SET_COUNT / 2) return;
    this.returned[index]++;
    this.returnedBytes[index] += length + RETURN_OVERHEAD_BYTES;
  }

  /** Takes a flow out of the kernel (it ended); nothing if it was not offloaded. */
  remove(slot: number): void {
    const index = this.indexOf[slot];
    if (index < 0) return;
    if (!this.closing) this.queueDelete(slot, this.bankOf[index], this.setOf[index]);
    this.release(slot, index);
    this.counters.values[Counter.FastPathRemovals]++;
  }

  /** Calls `visit` with every offloaded flow's slot (for re-deciding them after a reload). */
  forEachFlow(visit: (slot: number) => void): void {
    const slots = this.flowOf.filter((slot) => slot >= 0);
    for (const slot of slots) visit(slot);
  }

  /** Writes the queued commands now (one transaction per COMMANDS_PER_LINE). */
  flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (let at = 0; at < queue.length; at += COMMANDS_PER_LINE) this.channel.send(queue.slice(at, at + COMMANDS_PER_LINE).join("; "));
  }

  /**
   * Reads every set's counters and adds what the kernel forwarded since the last poll to the
   * flows (packets, inner bytes, last seen = now). Concurrent calls share one poll.
   */
  poll(now: () => number): Promise<void> {
    this.polling ??= this.pollOnce(now).finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  close(): Promise<void> {
    this.flush();
    return this.channel.close();
  }

  private async pollOnce(now: () => number): Promise<void> {
    this.listed.fill(0);
    this.sumPackets.fill(0);
    this.sumBytes.fill(0);
    this.pollAt = now();
    // A set at its size learns nothing more: its flows that are missing were not added.
    const full = new Uint8Array(MAX_BANKS * SET_COUNT);
    // JSON, one set per process, read as it streams: nft 1.0.6 writes its text listing a token per
    // write(2) and fails on several `list set` in one call. A flow installed or moved while this
    // runs starts afresh (install), so what is read belongs to the flow now there.
    for (const bank of this.endpoints.used) {
      for (let set = 0; set < SET_COUNT; set++) {
        if (this.setFlows[bank * SET_COUNT + set] === 0) continue;
        const reader = new SetListingReader(set, (element) => this.accumulate(bank, set, element));
        try {
          await this.channel.stream(["-j", "list", "set", "netdev", FAST_PATH_TABLE, bankSetName(set, bank)], LIST_TIMEOUT_MS, (chunk) => reader.push(chunk));
        } catch {
          this.counters.values[Counter.FastPathErrors]++;
          return;
        }
        if (!reader.finish()) {
          this.counters.values[Counter.FastPathErrors]++;
          return;
        }
        if (reader.count >= this.config.setSize) full[bank * SET_COUNT + set] = 1;
      }
    }
    const values = this.counters.values;
    for (let index = 0; index < this.flowOf.length; index++) {
      const slot = this.flowOf[index];
      if (slot < 0) continue;
      if (this.listed[index] !== 0) {
        this.missing[index] = 0;
        this.credit(slot, index);
        continue;
      }
      if (++this.missing[index] < MISSING_POLLS) continue;
      if (full[this.bankOf[index] * SET_COUNT + this.setOf[index]] === 1) values[Counter.FastPathFull]++;
      this.release(slot, index);
    }
  }

  /** Adds what the kernel forwarded or dropped for the flow since the last poll to it. */
  private credit(slot: number, index: number): void {
    // The ingress chain counts each packet twice; the egress chain counted the agent's returns.
    const packets = Math.max(0, (this.sumPackets[index] - this.returned[index]) / KERNEL_COUNTS_PER_PACKET);
    const bytes = Math.max(0, (this.sumBytes[index] - this.returnedBytes[index]) / KERNEL_COUNTS_PER_PACKET - packets * OUTER_OVERHEAD_BYTES);
    // Smaller than last time: the element was re-created (its counter restarts at 0).
    const newPackets = packets >= this.lastPackets[index] ? packets - this.lastPackets[index] : packets;
    const newBytes = bytes >= this.lastBytes[index] ? bytes - this.lastBytes[index] : bytes;
    this.lastPackets[index] = packets;
    this.lastBytes[index] = bytes;
    if (newPackets === 0) return;
    const table = this.table;
    table.packets[slot] += newPackets;
    table.bytes[slot] += newBytes;
    table.markSeen(slot, this.pollAt);
    const values = this.counters.values;
    if (this.setOf[index] < SET_COUNT / 2) {
      values[Counter.FastPathPackets] += newPackets;
      values[Counter.FastPathBytes] += newBytes;
    } else {
      values[Counter.FastPathDropped] += newPackets;
    }
  }

  /** The bank of the flow's endpoint; negative when there is none (yet). */
  private bankFor(slot: number): number {
    const keys = this.table.keys;
    return this.endpoints.bankFor(keys[slot * KEY_WORDS + KEY_ENDPOINT_HIGH], keys[slot * KEY_WORDS + KEY_ENDPOINT_LOW], slot);
  }

  /** Adds one listed element's raw counts to its flow's sums for this poll. */
  private accumulate(bank: number, set: number, element: ListedElement): void {
    const geneve = this.geneve;
    const inner = this.inner;
    geneve.endpointIdHigh = this.endpoints.high[bank];
    geneve.endpointIdLow = this.endpoints.low[bank];
    inner.family = set & 2 ? 6 : 4;
    inner.protocol = setIsTcp(set) ? 6 : 17;
    inner.source.set(element.source);
    inner.destination.set(element.destination);
    inner.sourcePort = element.sourcePort;
    inner.destinationPort = element.destinationPort;
    const table = this.table;
    const slot = table.find(geneve, inner);
    if (slot < 0) return;
    const index = this.indexOf[slot];
    if (index < 0 || this.setOf[index] !== set || this.bankOf[index] !== bank) return; // an element being deleted
    this.listed[index] = 1;
    this.sumPackets[index] += element.packets;
    this.sumBytes[index] += element.bytes;
  }

  /**
   * Deletes the flow's element whichever way round the kernel learned it. Adding each first
   * makes its delete succeed even if it is not there (the transaction fails as a whole otherwise).
   */
  private queueDelete(slot: number, bank: number, set: number): void {
    const table = this.table;
    const name = `netdev ${FAST_PATH_TABLE} ${bankSetName(set, bank)}`;
    const commands = elementsOf(table.keys, slot, table.family(slot)).map((element) => `add element ${name} { ${element} timeout 1s }; delete element ${name} { ${element} }`);
    this.enqueue(commands.join("; "));
  }

  private release(slot: number, index: number): void {
    this.setFlows[this.bankOf[index] * SET_COUNT + this.setOf[index]]--;
    this.indexOf[slot] = -1;
    this.flowOf[index] = -1;
    this.freeList[this.freeCount++] = index;
    this.size--;
  }

  private enqueue(command: string): void {
    this.queue.push(command);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Batches everything decided in this turn of the event loop into one transaction.
    setImmediate(() => this.flush());
  }
}
