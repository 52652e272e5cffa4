// What the counter polls have seen of each offloaded flow's element, by flow slot, in one byte:
// whether this poll's listing showed it, whether the agent returned one of its datagrams while the
// poll ran (the credit then allows for the race), whether its element is one the agent wrote and
// no listing has shown yet, and how many complete polls in a row it was missing from. A flow
// missing long enough is one the kernel dropped (its timeout, or a set that was full).

/** A flow missing from this many polls in a row was dropped by the kernel. */
export const MISSING_POLLS = 2;
/**
 * An element the agent wrote is missing until the channel's nft has applied it, which no answer
 * tells (a slow start of `nft -i` on a loaded machine took longer than two polls of 200 ms):
 * such a flow is released only after this many polls without it, unless one has listed it.
 */
export const UNCONFIRMED_MISSING_POLLS = 10;

const LISTED = 1;
const RETURNED_DURING_POLL = 2;
const UNCONFIRMED = 4;
/** The missing count sits above the flags (at most UNCONFIRMED_MISSING_POLLS). */
const MISSING_SHIFT = 3;

export class ElementPresence {
  private readonly state: Uint8Array;

  constructor(capacity: number) {
    // Zero-filled: a slot's page becomes resident only once a flow there is offloaded.
    this.state = new Uint8Array(capacity);
  }

  /** A flow that has just been put in a set: by the kernel's egress chain, or written by the agent (`written`). */
  placed(slot: number, written: boolean): void {
    this.state[slot] = written ? UNCONFIRMED : 0;
  }

  clear(slot: number): void {
    this.state[slot] = 0;
  }

  listed(slot: number): void {
    this.state[slot] |= LISTED;
  }

  wasListed(slot: number): boolean {
    return (this.state[slot] & LISTED) !== 0;
  }

  returnedDuringPoll(slot: number): void {
    this.state[slot] |= RETURNED_DURING_POLL;
  }

  raced(slot: number): boolean {
    return (this.state[slot] & RETURNED_DURING_POLL) !== 0;
  }

  /**
   * Ends a poll for the flow in `slot`; true when it has now been missing long enough to count
   * as gone. A listing cut short says nothing of the flows it did not reach.
   */
  endPoll(slot: number, complete: boolean): boolean {
    const state = this.state[slot];
    if (!complete) {
      this.state[slot] = state & ~(LISTED | RETURNED_DURING_POLL);
      return false;
    }
    if ((state & LISTED) !== 0) {
      this.state[slot] = 0;
      return false;
    }
    const unconfirmed = state & UNCONFIRMED;
    const missing = (state >> MISSING_SHIFT) + 1;
    this.state[slot] = (missing << MISSING_SHIFT) | unconfirmed;
    return missing >= (unconfirmed !== 0 ? UNCONFIRMED_MISSING_POLLS : MISSING_POLLS);
  }
}
