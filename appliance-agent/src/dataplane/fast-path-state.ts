// Which of a worker's flows are in the kernel's sets, by flow slot, beside the flow table's own
// state: where each one's element is (its bank and set), how many flows each set holds (a poll
// lists only the sets that hold some), what the listings have seen of it (fast-path-presence.ts),
// the raw-count baseline a poll credits against (fast-path-credit.ts), and the allowed flows whose
// elements the agent wrote itself. 19 bytes per slot, zero-filled, so a slot's pages become
// resident only once a flow there is offloaded.

import { MAX_BANKS, SET_COUNT } from "./fast-path-elements";
import { ElementPresence } from "./fast-path-presence";

/** A `written` entry's expiry of one orientation when no listing has shown it this poll. */
export const NOT_LISTED = -1;

/** Where (bank, set) is in the per-set arrays. */
export function setSlot(bank: number, set: number): number {
  return bank * SET_COUNT + set;
}

export class OffloadedFlows {
  /** Flows offloaded. */
  size = 0;
  /** Per slot: 0 when the flow is not offloaded, else 1 + setSlot(its bank, its set). */
  readonly place: Uint16Array;
  readonly presence: ElementPresence;
  /** Per slot, in the element's raw counter units: what was credited, plus the agent's own returns. */
  readonly basePackets: Float64Array;
  readonly baseBytes: Float64Array;
  /** Offloaded flows per (bank, set). */
  readonly setFlows = new Int32Array(MAX_BANKS * SET_COUNT);
  /**
   * Allowed flows the agent wrote (they waited for their bank): they may be two elements, one
   * each way round, so a poll sums their raw counts before crediting them. Slot -> this poll's
   * raw packets and bytes, and each orientation's listed expiry (s, NOT_LISTED); at most the
   * flows that waited (fast-path-endpoints.ts).
   */
  readonly written = new Map<number, [number, number, number, number]>();

  constructor(capacity: number) {
    this.place = new Uint16Array(capacity);
    this.presence = new ElementPresence(capacity);
    this.basePackets = new Float64Array(capacity);
    this.baseBytes = new Float64Array(capacity);
  }

  has(slot: number): boolean {
    return this.place[slot] !== 0;
  }

  bank(slot: number): number {
    return Math.floor((this.place[slot] - 1) / SET_COUNT);
  }

  set(slot: number): number {
    return (this.place[slot] - 1) % SET_COUNT;
  }

  isIn(slot: number, bank: number, set: number): boolean {
    return this.place[slot] === 1 + setSlot(bank, set);
  }

  /**
   * Puts the flow in (bank, set), counting a flow that was elsewhere out of its old set; `written`:
   * its element is the agent's to write, `writtenAllow`: and it is an allowed one (summed by polls).
   */
  put(slot: number, bank: number, set: number, written: boolean, writtenAllow: boolean): void {
    if (this.place[slot] !== 0) this.setFlows[this.place[slot] - 1]--;
    else this.size++;
    this.place[slot] = 1 + setSlot(bank, set);
    this.setFlows[setSlot(bank, set)]++;
    this.presence.placed(slot, written);
    this.basePackets[slot] = 0;
    this.baseBytes[slot] = 0;
    if (writtenAllow) this.written.set(slot, [0, 0, NOT_LISTED, NOT_LISTED]);
    else this.written.delete(slot);
  }

  release(slot: number): void {
    this.written.delete(slot);
    this.setFlows[this.place[slot] - 1]--;
    this.place[slot] = 0;
    this.presence.clear(slot);
    this.size--;
  }
}
