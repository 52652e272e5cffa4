// One worker's share of the kernel fast path: which of its flows are in the nftables sets (the
// kernel learns allowed ones from the agent's returns), the batched denials and removals, and
// the counter polls that bring what the kernel forwarded back into the flow table (packets,
// bytes, last seen), so that metrics, idle expiry and flow logs stay the agent's. The flow table
// stays authoritative: an element lives only while its flow does, and a flow whose elements the
// kernel lost goes back to the slow path.

import { Counter, DataPlaneCounters } from "./counters";
import {
  FAST_PATH_SETS,
  FAST_PATH_TABLE,
  KERNEL_COUNTS_PER_PACKET,
  OUTER_OVERHEAD_BYTES,
  RETURN_OVERHEAD_BYTES,
  SET_COUNT,
  elementsOf,
  setIndexOf,
  setIsTcp,
} from "./fast-path-elements";
import { ListedElement, SetListingReader } from "./fast-path-listing";
import { FlowTable } from "./flow-table";
import { GeneveHeader } from "./geneve";
import { InnerPacket } from "./inner-packet";
import { NftChannel } from "./nft-channel";

/** What a worker needs to use the table the control plane created. Plain JSON (crosses IPC). */
export interface FastPathConfig {
  readonly nft: string;
  /**
   * Elements each kernel set holds at most (all workers together); a set this full learns no
   * more. Also this worker's bound on offloaded flows: the kernel learns allowed flows from the
   * agent's returns whether or not the worker has room, so the worker has room for all of them.
   */
  readonly setSize: number;
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
  /** Offloaded flows per set: a poll lists only the sets that have some. */
  private readonly setFlows = new Int32Array(SET_COUNT);
  private readonly lastPackets: Float64Array;
  private readonly lastBytes: Float64Array;
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

  constructor(
    private readonly config: FastPathConfig,
    private readonly table: FlowTable,
    private readonly counters: DataPlaneCounters,
    onError: (message: string) => void,
  ) {
    const max = Math.max(1, config.setSize);
    this.indexOf = new Int32Array(table.capacity).fill(-1);
    this.flowOf = new Int32Array(max).fill(-1);
    this.setOf = new Uint8Array(max);
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

  /** Installs (or moves to the right set) the flow in `slot` with its verdict. */
  install(slot: number, allow: boolean): void {
    const table = this.table;
    const set = setIndexOf(allow, table.family(slot), table.protocol(slot));
    let index = this.indexOf[slot];
    if (index >= 0) {
      if (this.setOf[index] === set) return;
      this.queueDelete(slot, this.setOf[index]);
      this.setFlows[this.setOf[index]]--;
    } else {
      if (this.freeCount === 0) {
        this.counters.values[Counter.FastPathFull]++;
        return;
      }
      index = this.freeList[--this.freeCount];
      this.indexOf[slot] = index;
      this.flowOf[index] = slot;
      this.size++;
    }
    this.setOf[index] = set;
    this.setFlows[set]++;
    this.lastPackets[index] = 0;
    this.lastBytes[index] = 0;
    this.sumPackets[index] = 0;
    this.sumBytes[index] = 0;
    this.listed[index] = 0;
    this.returned[index] = 0;
    this.returnedBytes[index] = 0;
    this.missing[index] = 0;
    this.counters.values[Counter.FastPathInstalls]++;
    // An allowed flow's directions are added by the kernel's egress chain as the agent returns
    // their packets; only a denial needs elements written here.
    if (allow) return;
    const timeout = setIsTcp(set) ? this.config.tcpIdleTimeoutSeconds : this.config.otherIdleTimeoutSeconds;
    const [forward, reverse] = elementsOf(table.keys, slot, table.family(slot));
    this.enqueue(`add element netdev ${FAST_PATH_TABLE} ${FAST_PATH_SETS[set]} { ${forward} timeout ${timeout}s, ${reverse} timeout ${timeout}s }`);
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
    if (!this.closing) this.queueDelete(slot, this.setOf[index]);
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
    this.sumPackets.fill(0);
    this.sumBytes.fill(0);
    this.listed.fill(0);
    // A set at its size learns nothing more: its flows that are missing were not added.
    const full = new Uint8Array(SET_COUNT);
    // JSON, one set per process, read as it streams: nft 1.0.6 writes its text listing a token per
    // write(2) and fails on several `list set` in one call. Flows installed or moved while this
    // runs start their sums afresh (install), so what is summed belongs to the flow now there.
    for (let set = 0; set < SET_COUNT; set++) {
      if (this.setFlows[set] === 0) continue;
      const reader = new SetListingReader(set, (element) => this.accumulate(set, element));
      try {
        await this.channel.stream(["-j", "list", "set", "netdev", FAST_PATH_TABLE, FAST_PATH_SETS[set]], LIST_TIMEOUT_MS, (chunk) => reader.push(chunk));
      } catch {
        this.counters.values[Counter.FastPathErrors]++;
        return;
      }
      if (!reader.finish()) {
        this.counters.values[Counter.FastPathErrors]++;
        return;
      }
      if (reader.count >= this.config.setSize) full[set] = 1;
    }
    const table = this.table;
    const values = this.counters.values;
    const at = now();
    for (let index = 0; index < this.flowOf.length; index++) {
      const slot = this.flowOf[index];
      if (slot < 0) continue;
      if (this.listed[index] === 0) {
        if (++this.missing[index] < MISSING_POLLS) continue;
        if (full[this.setOf[index]] === 1) values[Counter.FastPathFull]++;
        this.release(slot, index);
        continue;
      }
      this.missing[index] = 0;
      // What the ingress chain forwarded or dropped: the raw counts less the agent's own returns, halved.
      const packets = Math.max(0, (this.sumPackets[index] - this.returned[index]) / KERNEL_COUNTS_PER_PACKET);
      const bytes = Math.max(0, (this.sumBytes[index] - this.returnedBytes[index]) / KERNEL_COUNTS_PER_PACKET - packets * OUTER_OVERHEAD_BYTES);
      // Smaller than last time: the elements were re-created (counters restart at 0).
      const newPackets = packets >= this.lastPackets[index] ? packets - this.lastPackets[index] : packets;
      const newBytes = bytes >= this.lastBytes[index] ? bytes - this.lastBytes[index] : bytes;
      this.lastPackets[index] = packets;
      this.lastBytes[index] = bytes;
      if (newPackets === 0) continue;
      table.packets[slot] += newPackets;
      table.bytes[slot] += newBytes;
      table.markSeen(slot, at);
      if (this.setOf[index] < SET_COUNT / 2) {
        values[Counter.FastPathPackets] += newPackets;
        values[Counter.FastPathBytes] += newBytes;
      } else {
        values[Counter.FastPathDropped] += newPackets;
      }
    }
  }

  private accumulate(set: number, element: ListedElement): void {
    const geneve = this.geneve;
    const inner = this.inner;
    geneve.endpointIdHigh = element.endpointHigh;
    geneve.endpointIdLow = element.endpointLow;
    inner.family = set & 2 ? 6 : 4;
    inner.protocol = setIsTcp(set) ? 6 : 17;
    inner.source.set(element.source);
    inner.destination.set(element.destination);
    inner.sourcePort = element.sourcePort;
    inner.destinationPort = element.destinationPort;
    const slot = this.table.find(geneve, inner);
    if (slot < 0) return;
    const index = this.indexOf[slot];
    if (index < 0 || this.setOf[index] !== set) return; // an element being deleted
    // Raw counts here; the egress chain's and the double count are taken out per flow in pollOnce.
    this.sumPackets[index] += element.packets;
    this.sumBytes[index] += element.bytes;
    this.listed[index]++;
  }

  /** Deletes both elements; adding them first makes the delete succeed even if the kernel already expired them. */
  private queueDelete(slot: number, set: number): void {
    const table = this.table;
    const [forward, reverse] = elementsOf(table.keys, slot, table.family(slot));
    const name = `netdev ${FAST_PATH_TABLE} ${FAST_PATH_SETS[set]}`;
    this.enqueue(`add element ${name} { ${forward} timeout 1s, ${reverse} timeout 1s }; delete element ${name} { ${forward}, ${reverse} }`);
  }

  private release(slot: number, index: number): void {
    this.setFlows[this.setOf[index]]--;
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
