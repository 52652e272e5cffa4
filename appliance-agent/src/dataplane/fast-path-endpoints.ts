// A worker's view of the fast path's endpoint banks: which bank each GWLB endpoint it met has
// (the control plane assigns them, control/fast-path-banks.ts), which endpoint each bank stands
// for (to read a bank's listing back into flow keys), and the flows that were decided while
// their endpoint's bank was still being asked for.

import { MAX_BANKS } from "./fast-path-elements";

/** Bank of an endpoint the control plane has been asked about and not answered yet (-1: refused, all banks taken). */
const BANK_ASKED = -2;
/** Flows held, all endpoints together, until their endpoint's bank is known. */
const MAX_WAITING = 4096;
const ENDPOINT = /^[0-9a-f]{16}$/;

export class EndpointBanks {
  /** Bank -> endpoint id words. */
  readonly high = new Uint32Array(MAX_BANKS);
  readonly low = new Uint32Array(MAX_BANKS);
  /** Banks this worker has been told of, in that order (what a poll visits). */
  readonly used: number[] = [];
  /** Endpoint (16 hex digits) -> bank, BANK_ASKED, or -1 when refused. */
  private readonly byEndpoint = new Map<string, number>();
  private readonly waiting = new Map<string, number[]>();
  private waitingCount = 0;

  constructor(
    private readonly banks: number,
    /** Asks the control plane for the endpoint's bank; the answer comes through `answer`. */
    private readonly request: (endpoint: string) => void,
  ) {}

  /**
   * The bank of `endpoint`, met by the flow in `slot`; negative when there is none: refused, or
   * not known yet (then it is asked for, once, and the slot waits for the answer).
   */
  bankFor(endpoint: string, slot: number): number {
    const bank = this.byEndpoint.get(endpoint);
    if (bank === undefined) {
      this.byEndpoint.set(endpoint, BANK_ASKED);
      this.request(endpoint);
    } else if (bank !== BANK_ASKED) {
      return bank;
    }
    // Every packet of the flow until then comes here; a slot listed twice is installed once.
    if (this.waitingCount < MAX_WAITING) {
      const waiting = this.waiting.get(endpoint) ?? [];
      waiting.push(slot);
      this.waiting.set(endpoint, waiting);
      this.waitingCount++;
    }
    return BANK_ASKED;
  }

  /** Takes the control plane's answer (a bank, or -1); returns the slots that waited for it (none if refused or malformed). */
  answer(endpoint: string, bank: number): number[] {
    if (!ENDPOINT.test(endpoint) || !Number.isInteger(bank) || bank < -1 || bank >= Math.min(MAX_BANKS, this.banks)) return [];
    this.byEndpoint.set(endpoint, bank);
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
