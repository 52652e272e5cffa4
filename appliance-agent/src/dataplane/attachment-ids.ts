// GWLB attachment ids (the GENEVE option of type 2: 64 bits, 0 when none) interned as 16-bit
// numbers, so that a flow keeps its latest packet's id in 2 bytes instead of 8. A deployment
// meets a handful (a transit gateway has at most 5,000 attachments); past MAX_ATTACHMENT_IDS
// distinct ones, a flow records UNKNOWN_ATTACHMENT and its flow log says "unknown".

export const MAX_ATTACHMENT_IDS = 0xffff;
export const UNKNOWN_ATTACHMENT = 0xffff;

export class AttachmentIds {
  /** Index -> the id's words. */
  readonly high = new Uint32Array(MAX_ATTACHMENT_IDS);
  readonly low = new Uint32Array(MAX_ATTACHMENT_IDS);
  size = 0;
  private readonly byHigh = new Map<number, Map<number, number>>();
  // Consecutive packets mostly carry the same id: the last answer is kept.
  private lastHigh = -1;
  private lastLow = -1;
  private lastIndex = UNKNOWN_ATTACHMENT;

  /** The index of the id `high`:`low`, given one the first time it is met; UNKNOWN_ATTACHMENT once all are taken. */
  intern(high: number, low: number): number {
    if (high === this.lastHigh && low === this.lastLow) return this.lastIndex;
    let lows = this.byHigh.get(high);
    let index = lows?.get(low);
    if (index === undefined) {
      if (this.size === MAX_ATTACHMENT_IDS) return UNKNOWN_ATTACHMENT;
      index = this.size++;
      this.high[index] = high;
      this.low[index] = low;
      if (lows === undefined) this.byHigh.set(high, (lows = new Map()));
      lows.set(low, index);
    }
    this.lastHigh = high;
    this.lastLow = low;
    this.lastIndex = index;
    return index;
  }
}
