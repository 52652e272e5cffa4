// When the fast path's counter polls run. A poll lists every offloaded flow (nft fetches the set
// and prints it as JSON, the agent parses it), so its cost grows with the table, and a flood of
// new flows grows the table fastest exactly when the agent has no CPU to spare. In scratch runs
// at 30,000 new-flow packets per second a poll that overlapped the flood cost the agent up to a
// quarter of its packets, even with nft at SCHED_IDLE, where the same flood without polls lost
// none. So:
//
//   - a poll waits at least 1/POLL_SHARE times the last one's length;
//   - a poll that falls due while the data path keeps the event loop busy waits another interval;
//   - a poll that is running when the loop turns busy is stopped (nft is killed) and waits too;
//
// but never for more than `maxDeferrals` intervals in a row: the poll after that runs to its end.
// Counts, flow logs and idle expiry of offloaded flows then lag by at most that much, and a flood
// longer than that still pays one poll per that time.

/** The share of wall time counter polls may take: the next poll waits 1/POLL_SHARE times the last one's length. */
export const POLL_SHARE = 0.05;
/** Event loop utilization at or above which the data path counts as busy. */
export const BUSY_UTILIZATION = 0.9;
/** Polls in a row that may be put off for a busy data path (20 s at the default 2 s interval). */
export const MAX_DEFERRALS = 10;
/** How often a running poll checks whether the data path turned busy. */
export const CHECK_MS = 100;

export interface PollScheduleOptions {
  readonly intervalMs: number;
  /** Event loop utilization (0..1) since the previous call: `loopUtilizationMeter()` by default. */
  readonly utilization?: () => number;
  readonly maxDeferrals?: number;
  readonly checkMs?: number;
  /** One poll, which stops early when `signal` aborts; the next is scheduled when it settles. */
  readonly poll: (signal: AbortSignal) => Promise<unknown>;
  /** After each poll that ran to its end, with its wall time. */
  readonly onPolled: (tookMs: number) => void;
  /** Each time a poll is put off or stopped for a busy data path. */
  readonly onDeferred: () => void;
}

/** The event loop utilization since the previous call (the first call: since this was made). */
export function loopUtilizationMeter(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, last);
    last = now;
    return window.utilization;
  };
}

export class PollSchedule {
  private timer: NodeJS.Timeout | null = null;
  private check: NodeJS.Timeout | null = null;
  private stopped = false;
  private deferrals = 0;
  private readonly utilization: () => number;
  private readonly maxDeferrals: number;

  constructor(private readonly options: PollScheduleOptions) {
    this.utilization = options.utilization ?? loopUtilizationMeter();
    this.maxDeferrals = options.maxDeferrals ?? MAX_DEFERRALS;
  }

  start(): void {
    if (this.timer === null && !this.stopped) this.arm(this.options.intervalMs);
  }

  /** No poll starts after this, and a running one is no longer stopped early (it may be joined). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.check !== null) clearInterval(this.check);
    this.timer = null;
    this.check = null;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.due(), delayMs).unref();
  }

  private mayDefer(): boolean {
    return this.deferrals < this.maxDeferrals;
  }

  private defer(): void {
    this.deferrals++;
    this.options.onDeferred();
  }

  private due(): void {
    this.timer = null;
    if (this.stopped) return;
    if (this.mayDefer() && this.utilization() >= BUSY_UTILIZATION) {
      this.defer();
      this.arm(this.options.intervalMs);
      return;
    }
    const controller = new AbortController();
    if (this.mayDefer()) {
      this.utilization(); // the window starts with the poll
      this.check = setInterval(() => {
        if (this.utilization() < BUSY_UTILIZATION) return;
        clearInterval(this.check!);
        this.check = null;
        this.defer();
        controller.abort(new Error("the data path is busy"));
      }, this.options.checkMs ?? CHECK_MS).unref();
    }
    const started = performance.now();
    void this.options
      .poll(controller.signal)
      .catch(() => undefined) // a poll reports its own failures
      .finally(() => {
        if (this.check !== null) clearInterval(this.check);
        this.check = null;
        const took = performance.now() - started;
        if (controller.signal.aborted) {
          if (!this.stopped) this.arm(this.options.intervalMs);
          return;
        }
        this.deferrals = 0;
        this.options.onPolled(took);
        // The poll's own parsing kept the loop busy: the next window starts after it.
        this.utilization();
        if (!this.stopped) this.arm(Math.max(this.options.intervalMs, took / POLL_SHARE));
      });
  }
}
