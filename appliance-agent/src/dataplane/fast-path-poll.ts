// The counter polls of one worker's fast path: each lists the kernel's sets that hold the worker's
// flows and brings what the kernel forwarded or dropped back into the flow table (packets, inner
// bytes, last seen), so that metrics, idle expiry and flow logs stay the agent's; where the polls
// keep elements' idle timeouts (fast-path-timeouts.ts), it gives an element a fresh timeout before
// it could lapse under a flow the agent still holds; and a flow whose element the kernel lost is
// given up (it goes back to the slow path).

import { Counter, DataPlaneCounters } from "./counters";
import { CommandBatch } from "./fast-path-commands";
import { Credit } from "./fast-path-credit";
import { FAST_PATH_TABLE, MAX_BANKS, SET_COUNT, bankSetName, elementsOf, orientationOf, setAllows, setFamily, setIsTcp } from "./fast-path-elements";
import { EndpointBanks } from "./fast-path-endpoints";
import { ListedElement, SetListingReader } from "./fast-path-listing";
import { NOT_LISTED, OffloadedFlows, setSlot } from "./fast-path-state";
import { ElementTimeouts } from "./fast-path-timeouts";
import { FlowTable } from "./flow-table";
import { GeneveHeader } from "./geneve";
import { InnerPacket } from "./inner-packet";
import { NftChannel } from "./nft-channel";
import { PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";

/** A listing runs at the lowest priority, so on a saturated core it may take long; past this it counts as an error. */
const LIST_TIMEOUT_MS = 60_000;

export interface CounterPollParts {
  readonly setSize: number;
  readonly table: FlowTable;
  readonly counters: DataPlaneCounters;
  readonly flows: OffloadedFlows;
  readonly endpoints: EndpointBanks;
  readonly channel: NftChannel;
  readonly commands: CommandBatch;
  readonly timeouts: ElementTimeouts;
  /** Whether the owner is stopping (its flows keep their elements: no refresh either). */
  readonly closing: () => boolean;
}

export class CounterPoll {
  /** Ms the polls have spent parsing listings on the event loop, in all (the poll schedule tells it from the data path's). */
  listingMs = 0;
  /** Whether a listing is running (a return of the agent's meanwhile races it, fast-path-credit.ts). */
  listing = false;
  private polling: Promise<void> | null = null;
  /** The signal of the call that started the running poll. */
  private pollingSignal: AbortSignal | undefined = undefined;
  private pollAt = 0;
  private readonly geneve = new GeneveHeader();
  private readonly inner = new InnerPacket();
  private readonly credit: Credit;

  constructor(private readonly parts: CounterPollParts) {
    this.credit = new Credit(parts.timeouts.countsPerPacket);
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

  private async pollOnce(now: () => number, signal: AbortSignal | undefined): Promise<void> {
    const { flows, counters } = this.parts;
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
    for (const [slot, sums] of flows.written) {
      if (complete && flows.presence.wasListed(slot)) {
        const set = flows.set(slot);
        this.creditFlow(slot, set, sums[0], sums[1]);
        for (const orientation of [0, 1] as const) {
          if (this.refreshDue(slot, set, sums[2 + orientation])) this.refreshTimeout(slot, flows.bank(slot), set, orientation);
        }
      }
      sums.fill(0, 0, 2).fill(NOT_LISTED, 2);
    }
    const values = counters.values;
    const place = flows.place;
    for (let slot = 0; slot < place.length; slot++) {
      if (place[slot] === 0 || !flows.presence.endPoll(slot, complete)) continue;
      if (full[place[slot] - 1] === 1) values[Counter.FastPathFull]++;
      flows.release(slot);
    }
  }

  /** Lists every set that holds flows, crediting each element as it is read; false if a listing failed or was stopped. */
  private async listSets(full: Uint8Array, signal: AbortSignal | undefined): Promise<boolean> {
    const { flows, counters, endpoints, channel, setSize } = this.parts;
    for (const bank of endpoints.used) {
      for (let set = 0; set < SET_COUNT; set++) {
        if (flows.setFlows[setSlot(bank, set)] === 0) continue;
        const reader = new SetListingReader(set, (element) => this.accumulate(bank, set, element));
        try {
          await channel.stream(["-j", "list", "set", "netdev", FAST_PATH_TABLE, bankSetName(set, bank)], LIST_TIMEOUT_MS, (chunk) => {
            const started = performance.now();
            reader.push(chunk);
            this.listingMs += performance.now() - started;
          }, signal);
        } catch {
          if (signal?.aborted !== true) counters.values[Counter.FastPathErrors]++;
          return false;
        }
        if (!reader.finish()) {
          counters.values[Counter.FastPathErrors]++;
          return false;
        }
        if (reader.count >= setSize) full[setSlot(bank, set)] = 1;
      }
    }
    return true;
  }

  /** Adds what one listed element counted since the last poll to its flow (packets, inner bytes, last seen). */
  private accumulate(bank: number, set: number, element: ListedElement): void {
    const { flows, endpoints, timeouts } = this.parts;
    const geneve = this.geneve;
    const inner = this.inner;
    geneve.endpointIdHigh = endpoints.high[bank];
    geneve.endpointIdLow = endpoints.low[bank];
    inner.family = setFamily(set);
    inner.protocol = setIsTcp(set) ? PROTO_TCP : PROTO_UDP;
    inner.source.set(element.source);
    inner.destination.set(element.destination);
    inner.sourcePort = element.sourcePort;
    inner.destinationPort = element.destinationPort;
    const slot = this.parts.table.find(geneve, inner);
    // Not a flow of ours in this set: an element being deleted, or one the kernel learned for a flow this worker had no room for.
    if (slot < 0 || !flows.isIn(slot, bank, set)) return;
    flows.presence.listed(slot);
    const sums = flows.written.size === 0 ? undefined : flows.written.get(slot);
    if (sums !== undefined) {
      sums[0] += element.packets;
      sums[1] += element.bytes;
      if (timeouts.atPolls) sums[2 + this.orientationOf(slot, element)] = element.expiresSeconds;
      return;
    }
    this.creditFlow(slot, set, element.packets, element.bytes);
    if (this.refreshDue(slot, set, element.expiresSeconds)) this.refreshTimeout(slot, bank, set, this.orientationOf(slot, element));
  }

  private orientationOf(slot: number, element: ListedElement): 0 | 1 {
    const table = this.parts.table;
    return orientationOf(table.keys, slot, table.family(slot), element.source, element.sourcePort);
  }

  /** Whether the flow's element, listed as expiring in `expiresSeconds`, needs a fresh timeout now that the credit moved the agent's deadline. */
  private refreshDue(slot: number, set: number, expiresSeconds: number): boolean {
    return !this.parts.closing() && this.parts.timeouts.due(setIsTcp(set), expiresSeconds, this.parts.table.deadline(slot) - this.pollAt);
  }

  /** Gives the flow's element (the `orientation` of elementsOf the kernel holds) its timeout again. */
  private refreshTimeout(slot: number, bank: number, set: number, orientation: 0 | 1): void {
    const { table, timeouts, commands, counters } = this.parts;
    const element = elementsOf(table.keys, slot, table.family(slot))[orientation];
    // The kernel resets an existing element's expiry only when it is given one (`expires`).
    const timeout = timeouts.of(setIsTcp(set));
    commands.enqueue(`add element netdev ${FAST_PATH_TABLE} ${bankSetName(set, bank)} { ${element} timeout ${timeout}s expires ${timeout}s }`);
    counters.values[Counter.FastPathTimeoutRefreshes]++;
  }

  /** Credits the flow in `slot` (of set `set`) with what its elements' raw counts hold beyond its baseline. */
  private creditFlow(slot: number, set: number, rawPackets: number, rawBytes: number): void {
    const { table, flows, counters } = this.parts;
    const credit = this.credit;
    credit.compute(rawPackets, rawBytes, flows.basePackets[slot], flows.baseBytes[slot], flows.presence.raced(slot));
    flows.basePackets[slot] = credit.basePackets;
    flows.baseBytes[slot] = credit.baseBytes;
    if (credit.packets === 0) return;
    table.packets[slot] += credit.packets;
    table.bytes[slot] += credit.bytes;
    table.markSeen(slot, this.pollAt);
    const values = counters.values;
    if (setAllows(set)) {
      values[Counter.FastPathPackets] += credit.packets;
      values[Counter.FastPathBytes] += credit.bytes;
    } else {
      values[Counter.FastPathDropped] += credit.packets;
    }
  }
}
