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
//     the time the poll itself spends on the loop (parsing the listing) is not the data path's;
//
// but never for more than `maxDeferrals` intervals in a row: the poll after that runs to its end.
// Counts, flow logs and idle expiry of offloaded flows then lag by at most that much, and a flood
// longer than that still pays one poll per that time.

/** The share of wall time counter polls may take: the next poll waits 1/POLL_SHARE times the last one's length. */
export const POLL_SHARE = 0.05;
/** The data path counts as busy when the loop idled less than this share of a window... */
export const MAX_IDLE_SHARE = 0.1;
/** ...and the data path (everything but the poll's own parsing) took at least this share of it. */
export const MIN_DATA_PATH_SHARE = 0.5;
/** Polls in a row that may be put off for a busy data path (20 s at the default 2 s interval). */
export const MAX_DEFERRALS = 10;
/** How often a running poll checks whether the data path turned busy. */
export const CHECK_MS = 100;

/** Time (ms) the event loop was active and idle in a window. */
export interface LoopWindow {
  readonly active: number;
  readonly idle: number;
}

/** Whether the data path kept the loop busy in `window`, of which the running poll itself took `ownMs`. */
export function dataPathBusy(window: LoopWindow, ownMs: number): boolean {
  const elapsed = window.active + window.idle;
  return elapsed > 0 && window.idle < MAX_IDLE_SHARE * elapsed && window.active - ownMs >= MIN_DATA_PATH_SHARE * elapsed;
}

export interface PollScheduleOptions {
  readonly intervalMs: number;
  /** The loop's active and idle time since the previous call: `loopMeter()` by default. */
  readonly loop?: () => LoopWindow;
  /** Total ms the polls have spent on the event loop themselves (parsing listings) so far. */
  readonly ownBusyMs?: () => number;
  readonly maxDeferrals?: number;
  readonly checkMs?: number;
  /** One poll, which stops early when `signal` aborts; the next is scheduled when it settles. */
  readonly poll: (signal: AbortSignal) => Promise<unknown>;
  /** After each poll that ran to its end, with its wall time. */
  readonly onPolled: (tookMs: number) => void;
  /** Each time a poll is put off or stopped for a busy data path. */
  readonly onDeferred: () => void;
}

/** The event loop's active and idle time since the previous call (the first call: since this was made). */
export function loopMeter(): () => LoopWindow {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, last);
    last = now;
    return window;
  };
}

export class PollSchedule {
  private timer: NodeJS.Timeout | null = null;
  private check: NodeJS.Timeout | null = null;
  private stopped = false;
  private deferrals = 0;
  private readonly loop: () => LoopWindow;
  private readonly ownBusyMs: () => number;
  private readonly maxDeferrals: number;

  constructor(private readonly options: PollScheduleOptions) {
    this.loop = options.loop ?? loopMeter();
    this.ownBusyMs = options.ownBusyMs ?? (() => 0);
    this.maxDeferrals = options.maxDeferrals ?? MAX_DEFERRALS;
  }

  start(): void {
    if (this.timer === null && !this.stopped) this.arm(this.options.intervalMs);
  }

  /** No poll starts after this, and a running one is no longer stopped early (it may be joined). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.clearCheck();
  }

  private clearCheck(): void {
    if (this.check !== null) clearInterval(this.check);
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
    if (this.mayDefer() && dataPathBusy(this.loop(), 0)) {
      this.defer();
      this.arm(this.options.intervalMs);
      return;
    }
    const controller = new AbortController();
    if (this.mayDefer()) {
      this.loop(); // the window starts with the poll
      let own = this.ownBusyMs();
      this.check = setInterval(() => {
        const ownBefore = own;
        own = this.ownBusyMs();
        if (!dataPathBusy(this.loop(), own - ownBefore)) return;
        this.clearCheck();
        this.defer();
        controller.abort(new Error("the data path is busy"));
      }, this.options.checkMs ?? CHECK_MS).unref();
    }
    const started = performance.now();
    void this.options
      .poll(controller.signal)
      .catch(() => undefined) // a poll reports its own failures
      .finally(() => {
        this.clearCheck();
        const took = performance.now() - started;
        if (controller.signal.aborted) {
          if (!this.stopped) this.arm(this.options.intervalMs);
          return;
        }
        this.deferrals = 0;
        this.options.onPolled(took);
        // The poll's own parsing kept the loop busy: the next window starts after it.
        this.loop();
        if (!this.stopped) this.arm(Math.max(this.options.intervalMs, took / POLL_SHARE));
      });
  }
}
