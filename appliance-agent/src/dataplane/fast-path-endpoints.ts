// A worker's view of the fast path's endpoint banks: which bank each GWLB endpoint it met has
// (the control plane assigns them, control/fast-path-banks.ts), which endpoint each bank stands
// for (to read a bank's listing back into flow keys), and the flows that were decided while
// their endpoint's bank was still being asked for.

import { MAX_BANKS, NO_BANK, isEndpointHex } from "./fast-path-elements";
import { formatId64 } from "./geneve";

/** Bank of an endpoint the control plane has been asked about and not answered yet. */
const BANK_ASKED = -2;
/** Flows held, all endpoints together, until their endpoint's bank is known. */
const MAX_WAITING = 4096;

export class EndpointBanks {
  /** Bank -> endpoint id words. */
  readonly high = new Uint32Array(MAX_BANKS);
  readonly low = new Uint32Array(MAX_BANKS);
  /** Banks this worker has been told of, in that order (what a poll visits). */
  readonly used: number[] = [];
  /** Endpoint (16 hex digits) -> bank, BANK_ASKED, or NO_BANK. */
  private readonly byEndpoint = new Map<string, number>();
  private readonly waiting = new Map<string, number[]>();
  private waitingCount = 0;
  // The endpoint bankFor saw last, and its answer then.
  private lastHigh = -1;
  private lastLow = -1;
  private lastBank = BANK_ASKED;
  private lastEndpoint = "";
  private lastWaiting = -1;

  constructor(
    private readonly banks: number,
    /** Asks the control plane for the endpoint's bank; the answer comes through `answer`. */
    private readonly request: (endpoint: string) => void,
  ) {}

  /**
   * The bank of the endpoint `high`:`low`, met by the flow in `slot`; negative when there is
   * none: refused, or not known yet (then it is asked for, once, and the slot waits for the
   * answer). Every packet of a flow not offloaded comes here, so the last endpoint's answer is
   * kept and the common case builds no string.
   */
  bankFor(high: number, low: number, slot: number): number {
    if (high !== this.lastHigh || low !== this.lastLow || this.lastBank === BANK_ASKED) {
      const endpoint = formatId64(high, low);
      const known = this.byEndpoint.get(endpoint);
      if (known === undefined) {
        this.byEndpoint.set(endpoint, BANK_ASKED);
        this.request(endpoint);
      }
      this.lastHigh = high;
      this.lastLow = low;
      this.lastBank = known ?? BANK_ASKED;
      this.lastEndpoint = endpoint;
    }
    if (this.lastBank !== BANK_ASKED) return this.lastBank;
    // Until the answer, each packet of the flow comes here: consecutive ones are listed once.
    if (this.waitingCount < MAX_WAITING && this.lastWaiting !== slot) {
      const waiting = this.waiting.get(this.lastEndpoint) ?? [];
      waiting.push(slot);
      this.waiting.set(this.lastEndpoint, waiting);
      this.waitingCount++;
      this.lastWaiting = slot;
    }
    return BANK_ASKED;
  }

  /** Takes the control plane's answer (a bank, or NO_BANK); returns the slots that waited for it (none if refused or malformed). */
  answer(endpoint: string, bank: number): number[] {
    if (!isEndpointHex(endpoint) || !Number.isInteger(bank) || bank < NO_BANK || bank >= Math.min(MAX_BANKS, this.banks)) return [];
    this.byEndpoint.set(endpoint, bank);
    this.lastHigh = -1; // the cached answer may be this endpoint's
    this.lastWaiting = -1;
    const waiting = this.waiting.get(endpoint) ?? [];
    this.waiting.delete(endpoint);
    this.waitingCount -= waiting.length;
    if (bank < 0) return [];
    this.high[bank] = Number.parseInt(endpoint.slice(0, 8), 16);
    this.low[bank] = Number.parseInt(endpoint.slice(8), 16);
    if (!this.used.includes(bank)) this.used.push(bank);
    return waiting;
  }
}
