// One worker's share of the kernel fast path: which of its flows are in the nftables sets (the
// kernel learns allowed ones from the agent's returns), the batched denials and removals, the
// banks of sets the control plane gave each GWLB endpoint, and the counter polls that bring what
// the kernel forwarded back into the flow table (packets, bytes, last seen), so that metrics,
// idle expiry and flow logs stay the agent's, and, where the polls keep elements' idle timeouts
// (timeoutRefresh "poll"), give an element a fresh timeout before it could lapse under a flow
// the agent still holds. The flow table stays authoritative: an element
// lives only while its flow does, and a flow whose element the kernel lost goes back to the slow
// path. Its per-flow state sits beside the flow table's, by flow slot, in 19 bytes.

import { Counter, DataPlaneCounters } from "./counters";
import { Credit } from "./fast-path-credit";
import {
  FAST_PATH_TABLE,
  MAX_BANKS,
  RETURN_OVERHEAD_BYTES,
  SET_COUNT,
  TimeoutRefresh,
  bankSetName,
  elementsOf,
  kernelCountsPerPacket,
  offloadableProtocol,
  orientationOf,
  refreshSlackSeconds,
  setAllows,
  setFamily,
  setIndexOf,
  setIsTcp,
} from "./fast-path-elements";
import { EndpointBanks } from "./fast-path-endpoints";
import { ListedElement, SetListingReader } from "./fast-path-listing";
import { ElementPresence } from "./fast-path-presence";
import { KEY_ENDPOINT_HIGH, KEY_ENDPOINT_LOW, KEY_WORDS } from "./flow-key";
import { FLAG_ALLOW, FLAG_INITIATOR_IS_A, FLAG_IN_USE, FlowTable } from "./flow-table";
import { GeneveHeader } from "./geneve";
import { InnerPacket } from "./inner-packet";
import { NftChannel } from "./nft-channel";
import { PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";

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
  /** Who keeps elements' idle timeouts: with "poll", this worker's polls (refreshTimeout). */
  readonly timeoutRefresh: TimeoutRefresh;
}

/** Commands per nft transaction; a reload of a full table is cut into lines of this many. */
const COMMANDS_PER_LINE = 256;
/** A listing runs at the lowest priority, so on a saturated core it may take long; past this it counts as an error. */
const LIST_TIMEOUT_MS = 60_000;

/** A `written` entry's expiry of one orientation when no listing has shown it this poll. */
const NOT_LISTED = -1;

/** Where (bank, set) is in the per-set arrays; a flow's place is 1 + that, 0 when it is not offloaded. */
function setSlot(bank: number, set: number): number {
  return bank * SET_COUNT + set;
}

function placeBank(place: number): number {
  return Math.floor((place - 1) / SET_COUNT);
}

function placeSet(place: number): number {
  return (place - 1) % SET_COUNT;
}

export class FastPath {
  size = 0;
  /** Set when the owner stops: flows ending then keep their elements (a restart adopts none, rebuilds). */
  closing = false;
  /** Per flow slot: 0 when the flow is not offloaded, else 1 + setSlot(its bank, its set). */
  private readonly place: Uint16Array;
  private readonly presence: ElementPresence;
  /** Per flow slot, in the element's raw counter units: what was credited, plus the agent's own returns (fast-path-credit.ts). */
  private readonly basePackets: Float64Array;
  private readonly baseBytes: Float64Array;
  /** Offloaded flows per (bank, set): a poll lists only the sets that have some. */
  private readonly setFlows = new Int32Array(MAX_BANKS * SET_COUNT);
  private queue: string[] = [];
  private flushScheduled = false;
  private readonly channel: NftChannel;
  private readonly geneve = new GeneveHeader();
  private readonly inner = new InnerPacket();
  private readonly credit: Credit;
  /**
   * Allowed flows the agent wrote (they waited for their bank): they may be two elements, one
   * each way round, so a poll sums their raw counts before crediting them. Slot -> this poll's
   * raw packets and bytes, and each orientation's listed expiry (s, NOT_LISTED); at most the
   * flows that waited (fast-path-endpoints.ts).
   */
  private readonly written = new Map<number, [number, number, number, number]>();
  /** With timeouts kept by the polls: the slack (s) given to TCP and to other elements past their idle timeout. */
  private readonly slack: readonly [number, number] | null;
  private polling: Promise<void> | null = null;
  /** The signal of the call that started the running poll. */
  private pollingSignal: AbortSignal | undefined = undefined;
  /** Ms the polls have spent parsing listings on the event loop, in all (the poll schedule tells it from the data path's). */
  listingMs = 0;
  private listing = false;
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
    const refreshAtPolls = config.timeoutRefresh === "poll";
    this.credit = new Credit(kernelCountsPerPacket(refreshAtPolls));
    this.slack = refreshAtPolls ? [refreshSlackSeconds(config.tcpIdleTimeoutSeconds, config.pollMs), refreshSlackSeconds(config.otherIdleTimeoutSeconds, config.pollMs)] : null;
    // Zero-filled, so a slot's pages become resident only once a flow there is offloaded.
    this.place = new Uint16Array(table.capacity);
    this.presence = new ElementPresence(table.capacity);
    this.basePackets = new Float64Array(table.capacity);
    this.baseBytes = new Float64Array(table.capacity);
    this.channel = new NftChannel({
      nft: config.nft,
      onError: (message) => {
        counters.values[Counter.FastPathErrors]++;
        onError(message);
      },
    });
  }

  offloaded(slot: number): boolean {
    return this.place[slot] !== 0;
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
      if ((table.flags[slot] & FLAG_IN_USE) === 0 || table.policyVersion[slot] !== policyVersion || this.place[slot] !== 0) continue;
      if (!offloadableProtocol(table.protocol(slot))) continue;
      if (keys[base + KEY_ENDPOINT_HIGH] !== high || keys[base + KEY_ENDPOINT_LOW] !== low) continue;
      this.install(slot, (table.flags[slot] & FLAG_ALLOW) !== 0, true);
    }
  }

  /**
   * Installs (or moves to the right set) the flow in `slot` with its verdict. A flow whose
   * endpoint has no bank yet waits for it (setBank). The kernel learns an allowed flow from the
   * agent's return of its packet; `write` has the agent write it instead. A denied flow's
   * element is always written here.
   */
  install(slot: number, allow: boolean, write = false): void {
    const table = this.table;
    const place = this.place[slot];
    // Every packet of a flow of an endpoint without a bank comes here: that answer comes first.
    const bank = place !== 0 ? placeBank(place) : this.bankFor(slot);
    if (bank < 0) return;
    const set = setIndexOf(allow, table.family(slot), table.protocol(slot));
    if (place !== 0) {
      const old = placeSet(place);
      if (old === set) return;
      this.queueDelete(slot, bank, old);
      this.setFlows[place - 1]--;
    } else {
      if (this.size >= this.config.setSize) {
        this.counters.values[Counter.FastPathFull]++;
        return;
      }
      this.size++;
    }
    this.place[slot] = 1 + setSlot(bank, set);
    this.setFlows[setSlot(bank, set)]++;
    this.presence.placed(slot, !allow || write);
    this.basePackets[slot] = 0;
    this.baseBytes[slot] = 0;
    this.written.delete(slot);
    this.counters.values[Counter.FastPathInstalls]++;
    // An allowed flow is added by the kernel's egress chain as the agent returns its packets;
    // only a denial, or a flow the kernel could not learn, needs an element written here.
    if (allow && !write) return;
    // The kernel may also have learned this one the other way round, from a return after the
    // bank's map entry was written and before this worker heard of the bank.
    if (allow) this.written.set(slot, [0, 0, NOT_LISTED, NOT_LISTED]);
    const timeout = this.elementTimeout(set);
    // The initiator's direction, as the kernel would have learned it from the flow's first return.
    const [ab, ba] = elementsOf(table.keys, slot, table.family(slot));
    const element = (table.flags[slot] & FLAG_INITIATOR_IS_A) !== 0 ? ab : ba;
    this.enqueue(`add element netdev ${FAST_PATH_TABLE} ${bankSetName(set, bank)} { ${element} timeout ${timeout}s }`);
  }

  /** Notes a datagram of `length` bytes the agent returned for `slot` in the shape the egress chain learns from (and counts). */
  countReturn(slot: number, length: number): void {
    const place = this.place[slot];
    if (place === 0 || !setAllows(placeSet(place))) return;
    this.basePackets[slot]++;
    this.baseBytes[slot] += length + RETURN_OVERHEAD_BYTES;
    if (this.listing) this.presence.returnedDuringPoll(slot);
  }

  /** Takes a flow out of the kernel (it ended); nothing if it was not offloaded. */
  remove(slot: number): void {
    const place = this.place[slot];
    if (place === 0) return;
    if (!this.closing) this.queueDelete(slot, placeBank(place), placeSet(place));
    this.release(slot);
    this.counters.values[Counter.FastPathRemovals]++;
  }

  /** Calls `visit` with every offloaded flow's slot (for re-deciding them after a reload). */
  forEachFlow(visit: (slot: number) => void): void {
    const slots: number[] = [];
    for (let slot = 0; slot < this.place.length; slot++) if (this.place[slot] !== 0) slots.push(slot);
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
   * flows (packets, inner bytes, last seen = now). Concurrent calls share one poll. `signal` (of
   * the call that started the poll) cuts it short, as a failed listing does, but it counts as no
   * error; a call that comes after that does not share the cut poll but waits for it to settle
   * and reads afresh.
   */
  poll(now: () => number, signal?: AbortSignal): Promise<void> {
    if (this.polling !== null && this.pollingSignal?.aborted === true) return this.polling.then(() => this.poll(now, signal));
    if (this.polling === null) {
      this.pollingSignal = signal;
      this.polling = this.pollOnce(now, signal).finally(() => {
        this.polling = null;
      });
    }
    return this.polling;
  }

  close(): Promise<void> {
    this.flush();
    return this.channel.close();
  }

  private async pollOnce(now: () => number, signal: AbortSignal | undefined): Promise<void> {
    this.pollAt = now();
    this.listing = true;
    // A set at its size learns nothing more: its flows that are missing were not added.
    const full = new Uint8Array(MAX_BANKS * SET_COUNT);
    // JSON, one set per process, read as it streams: nft 1.0.6 writes its text listing a token per
    // write(2) and fails on several `list set` in one call. A flow installed or moved while this
    // runs starts afresh (install), so what is read belongs to the flow now there.
    let complete: boolean;
    try {
      complete = await this.listSets(full, signal);
    } finally {
      this.listing = false;
    }
    for (const [slot, sums] of this.written) {
      if (complete && this.presence.wasListed(slot)) {
        const place = this.place[slot];
        this.creditFlow(slot, placeSet(place), sums[0], sums[1]);
        for (const orientation of [0, 1] as const) {
          if (sums[2 + orientation] !== NOT_LISTED) this.refreshTimeout(slot, placeBank(place), placeSet(place), orientation, sums[2 + orientation]);
        }
      }
      sums.fill(0, 0, 2).fill(NOT_LISTED, 2);
    }
    const values = this.counters.values;
    const place = this.place;
    const presence = this.presence;
    for (let slot = 0; slot < place.length; slot++) {
      if (place[slot] === 0 || !presence.endPoll(slot, complete)) continue;
      if (full[place[slot] - 1] === 1) values[Counter.FastPathFull]++;
      this.release(slot);
    }
  }

  /** Lists every set that holds flows, crediting each element as it is read; false if a listing failed or was stopped. */
  private async listSets(full: Uint8Array, signal: AbortSignal | undefined): Promise<boolean> {
    for (const bank of this.endpoints.used) {
      for (let set = 0; set < SET_COUNT; set++) {
        if (this.setFlows[setSlot(bank, set)] === 0) continue;
        const reader = new SetListingReader(set, (element) => this.accumulate(bank, set, element));
        try {
          await this.channel.stream(["-j", "list", "set", "netdev", FAST_PATH_TABLE, bankSetName(set, bank)], LIST_TIMEOUT_MS, (chunk) => {
            const started = performance.now();
            reader.push(chunk);
            this.listingMs += performance.now() - started;
          }, signal);
        } catch {
          if (signal?.aborted !== true) this.counters.values[Counter.FastPathErrors]++;
          return false;
        }
        if (!reader.finish()) {
          this.counters.values[Counter.FastPathErrors]++;
          return false;
        }
        if (reader.count >= this.config.setSize) full[setSlot(bank, set)] = 1;
      }
    }
    return true;
  }

  /** The bank of the flow's endpoint; negative when there is none (yet). */
  private bankFor(slot: number): number {
    const keys = this.table.keys;
    return this.endpoints.bankFor(keys[slot * KEY_WORDS + KEY_ENDPOINT_HIGH], keys[slot * KEY_WORDS + KEY_ENDPOINT_LOW], slot);
  }

  /** Adds what one listed element counted since the last poll to its flow (packets, inner bytes, last seen). */
  private accumulate(bank: number, set: number, element: ListedElement): void {
    const geneve = this.geneve;
    const inner = this.inner;
    geneve.endpointIdHigh = this.endpoints.high[bank];
    geneve.endpointIdLow = this.endpoints.low[bank];
    inner.family = setFamily(set);
    inner.protocol = setIsTcp(set) ? PROTO_TCP : PROTO_UDP;
    inner.source.set(element.source);
    inner.destination.set(element.destination);
    inner.sourcePort = element.sourcePort;
    inner.destinationPort = element.destinationPort;
    const slot = this.table.find(geneve, inner);
    // Not a flow of ours in this set: an element being deleted, or one the kernel learned for a flow this worker had no room for.
    if (slot < 0 || this.place[slot] !== 1 + setSlot(bank, set)) return;
    this.presence.listed(slot);
    const sums = this.written.size === 0 ? undefined : this.written.get(slot);
    const orientation = this.slack === null ? 0 : orientationOf(this.table.keys, slot, inner.family, element.source, element.sourcePort);
    if (sums !== undefined) {
      sums[0] += element.packets;
      sums[1] += element.bytes;
      sums[2 + orientation] = element.expiresSeconds;
      return;
    }
    this.creditFlow(slot, set, element.packets, element.bytes);
    this.refreshTimeout(slot, bank, set, orientation, element.expiresSeconds);
  }

  /** The timeout an element of set `set` is written with: its flows' idle timeout, plus the slack where polls refresh it. */
  private elementTimeout(set: number): number {
    const tcp = setIsTcp(set);
    const idle = tcp ? this.config.tcpIdleTimeoutSeconds : this.config.otherIdleTimeoutSeconds;
    return this.slack === null ? idle : idle + this.slack[tcp ? 0 : 1];
  }

  /**
   * Where the polls keep timeouts: gives the flow's element (listed in `orientation`, expiring in
   * `expiresSeconds`) a fresh timeout once it would outlive the agent's own deadline for the flow
   * (just moved by the credit) by less than half the slack, so that the kernel never drops an
   * element the agent still holds, and an active flow costs about one command per half slack.
   */
  private refreshTimeout(slot: number, bank: number, set: number, orientation: 0 | 1, expiresSeconds: number): void {
    const slack = this.slack;
    if (slack === null || expiresSeconds < 0 || this.closing) return;
    const margin = slack[setIsTcp(set) ? 0 : 1] * 500;
    if (expiresSeconds * 1000 >= this.table.deadline(slot) - this.pollAt + margin) return;
    const table = this.table;
    const element = elementsOf(table.keys, slot, table.family(slot))[orientation];
    // The kernel resets an existing element's expiry only when it is given one (`expires`).
    const timeout = this.elementTimeout(set);
    this.enqueue(`add element netdev ${FAST_PATH_TABLE} ${bankSetName(set, bank)} { ${element} timeout ${timeout}s expires ${timeout}s }`);
    this.counters.values[Counter.FastPathTimeoutRefreshes]++;
  }

  /** Credits the flow in `slot` (of set `set`) with what its elements' raw counts hold beyond its baseline. */
  private creditFlow(slot: number, set: number, rawPackets: number, rawBytes: number): void {
    const table = this.table;
    const raced = this.presence.raced(slot);
    const credit = this.credit.compute(rawPackets, rawBytes, this.basePackets[slot], this.baseBytes[slot], raced);
    this.basePackets[slot] = credit.basePackets;
    this.baseBytes[slot] = credit.baseBytes;
    if (credit.packets === 0) return;
    table.packets[slot] += credit.packets;
    table.bytes[slot] += credit.bytes;
    table.markSeen(slot, this.pollAt);
    const values = this.counters.values;
    if (setAllows(set)) {
      values[Counter.FastPathPackets] += credit.packets;
      values[Counter.FastPathBytes] += credit.bytes;
    } else {
      values[Counter.FastPathDropped] += credit.packets;
    }
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

  private release(slot: number): void {
    this.written.delete(slot);
    this.setFlows[this.place[slot] - 1]--;
    this.place[slot] = 0;
    this.presence.clear(slot);
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
