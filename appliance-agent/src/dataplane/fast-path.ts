// One worker's share of the kernel fast path: which of its flows are in the nftables sets (the
// kernel learns allowed ones from the agent's returns; fast-path-state.ts), the batched denials
// and removals, the banks of sets the control plane gave each GWLB endpoint, and the counter
// polls (fast-path-poll.ts) that bring what the kernel forwarded back into the flow table. The
// flow table stays authoritative: an element lives only while its flow does, and a flow whose
// element the kernel lost goes back to the slow path.

import { Counter, DataPlaneCounters } from "./counters";
import { CommandBatch } from "./fast-path-commands";
import { FAST_PATH_TABLE, RETURN_OVERHEAD_BYTES, bankSetName, elementsOf, offloadableProtocol, setAllows, setIndexOf, setIsTcp } from "./fast-path-elements";
import { EndpointBanks } from "./fast-path-endpoints";
import { CounterPoll } from "./fast-path-poll";
import { OffloadedFlows } from "./fast-path-state";
import { ElementTimeouts, TimeoutRefresh } from "./fast-path-timeouts";
import { KEY_ENDPOINT_HIGH, KEY_ENDPOINT_LOW, KEY_WORDS } from "./flow-key";
import { FLAG_ALLOW, FLAG_INITIATOR_IS_A, FLAG_IN_USE, FlowTable } from "./flow-table";
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
  /** Who keeps elements' idle timeouts: with "poll", this worker's polls (refreshTimeout). */
  readonly timeoutRefresh: TimeoutRefresh;
}

export class FastPath {
  /** Set when the owner stops: flows ending then keep their elements (a restart adopts none, rebuilds). */
  closing = false;
  /** The per-slot state (public so that the benchmark can size it). */
  readonly flows: OffloadedFlows;
  private readonly channel: NftChannel;
  private readonly commands: CommandBatch;
  private readonly timeouts: ElementTimeouts;
  private readonly endpoints: EndpointBanks;
  private readonly counterPoll: CounterPoll;

  constructor(
    private readonly config: FastPathConfig,
    private readonly table: FlowTable,
    private readonly counters: DataPlaneCounters,
    onError: (message: string) => void,
    /** Asks the control plane for a bank for this endpoint (16 hex digits); the answer comes through setBank. */
    requestBank: (endpoint: string) => void,
  ) {
    this.endpoints = new EndpointBanks(config.banks, requestBank);
    this.timeouts = new ElementTimeouts(config);
    this.flows = new OffloadedFlows(table.capacity);
    this.channel = new NftChannel({
      nft: config.nft,
      onError: (message) => {
        counters.values[Counter.FastPathErrors]++;
        onError(message);
      },
    });
    this.commands = new CommandBatch(this.channel);
    this.counterPoll = new CounterPoll({
      setSize: config.setSize,
      table,
      counters,
      flows: this.flows,
      endpoints: this.endpoints,
      channel: this.channel,
      commands: this.commands,
      timeouts: this.timeouts,
      closing: () => this.closing,
    });
  }

  /** Flows offloaded. */
  get size(): number {
    return this.flows.size;
  }

  /** Ms the polls have spent parsing listings on the event loop, in all. */
  get listingMs(): number {
    return this.counterPoll.listingMs;
  }

  offloaded(slot: number): boolean {
    return this.flows.has(slot);
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
      if ((table.flags[slot] & FLAG_IN_USE) === 0 || table.policyVersion[slot] !== policyVersion || this.flows.has(slot)) continue;
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
    const flows = this.flows;
    const offloaded = flows.has(slot);
    // Every packet of a flow of an endpoint without a bank comes here: that answer comes first.
    const bank = offloaded ? flows.bank(slot) : this.bankFor(slot);
    if (bank < 0) return;
    const set = setIndexOf(allow, table.family(slot), table.protocol(slot));
    if (offloaded) {
      const old = flows.set(slot);
      if (old === set) return;
      this.queueDelete(slot, bank, old);
    } else if (flows.size >= this.config.setSize) {
      this.counters.values[Counter.FastPathFull]++;
      return;
    }
    // The kernel may also have learned an allowed flow the agent writes the other way round, from
    // a return after the bank's map entry was written and before this worker heard of the bank.
    flows.put(slot, bank, set, !allow || write, allow && write);
    this.counters.values[Counter.FastPathInstalls]++;
    // An allowed flow is added by the kernel's egress chain as the agent returns its packets;
    // only a denial, or a flow the kernel could not learn, needs an element written here.
    if (allow && !write) return;
    const timeout = this.timeouts.of(setIsTcp(set));
    // The initiator's direction, as the kernel would have learned it from the flow's first return.
    const [ab, ba] = elementsOf(table.keys, slot, table.family(slot));
    const element = (table.flags[slot] & FLAG_INITIATOR_IS_A) !== 0 ? ab : ba;
    this.commands.enqueue(`add element netdev ${FAST_PATH_TABLE} ${bankSetName(set, bank)} { ${element} timeout ${timeout}s }`);
  }

  /** Notes a datagram of `length` bytes the agent returned for `slot` in the shape the egress chain learns from (and counts). */
  countReturn(slot: number, length: number): void {
    const flows = this.flows;
    if (!flows.has(slot) || !setAllows(flows.set(slot))) return;
    flows.basePackets[slot]++;
    flows.baseBytes[slot] += length + RETURN_OVERHEAD_BYTES;
    if (this.counterPoll.listing) flows.presence.returnedDuringPoll(slot);
  }

  /** Takes a flow out of the kernel (it ended); nothing if it was not offloaded. */
  remove(slot: number): void {
    if (!this.flows.has(slot)) return;
    if (!this.closing) this.queueDelete(slot, this.flows.bank(slot), this.flows.set(slot));
    this.flows.release(slot);
    this.counters.values[Counter.FastPathRemovals]++;
  }

  /** Calls `visit` with every offloaded flow's slot (for re-deciding them after a reload). */
  forEachFlow(visit: (slot: number) => void): void {
    const slots: number[] = [];
    for (let slot = 0; slot < this.flows.place.length; slot++) if (this.flows.has(slot)) slots.push(slot);
    for (const slot of slots) visit(slot);
  }

  /** Writes the queued commands now. */
  flush(): void {
    this.commands.flush();
  }

  /** Reads the kernel's counters into the flows (CounterPoll.poll). */
  poll(now: () => number, signal?: AbortSignal): Promise<void> {
    return this.counterPoll.poll(now, signal);
  }

  close(): Promise<void> {
    this.flush();
    return this.channel.close();
  }

  /** The bank of the flow's endpoint; negative when there is none (yet). */
  private bankFor(slot: number): number {
    const keys = this.table.keys;
    return this.endpoints.bankFor(keys[slot * KEY_WORDS + KEY_ENDPOINT_HIGH], keys[slot * KEY_WORDS + KEY_ENDPOINT_LOW], slot);
  }

  /**
   * Deletes the flow's element whichever way round the kernel learned it. Adding each first
   * makes its delete succeed even if it is not there (the transaction fails as a whole otherwise).
   */
  private queueDelete(slot: number, bank: number, set: number): void {
    const table = this.table;
    const name = `netdev ${FAST_PATH_TABLE} ${bankSetName(set, bank)}`;
    const commands = elementsOf(table.keys, slot, table.family(slot)).map((element) => `add element ${name} { ${element} timeout 1s }; delete element ${name} { ${element} }`);
    this.commands.enqueue(commands.join("; "));
  }
}
