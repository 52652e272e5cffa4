// The fast path's counter polls: they wait while the data path keeps the event loop busy, and a
// running one stops when the loop turns busy, for at most a bounded number of intervals in a row;
// they are spaced by 20 times their own length, and stop.
import { strict as assert } from "node:assert";
import { sleep } from "../support/agent-process";
import { LoopWindow, MAX_DEFERRALS, POLL_SHARE, PollSchedule, dataPathBusy, loopMeter } from "../../../appliance-agent/src/dataplane/poll-schedule";


/** A 100 ms window of the loop, `utilization` of it active. */
const window = (utilization: number): LoopWindow => ({ active: 100 * utilization, idle: 100 * (1 - utilization) });

/** A schedule whose loop readings come from `readings` (then `rest`), as utilizations, recording what happened in order. */
function scripted(readings: number[], rest: number, options: { intervalMs?: number; pollMs?: number; maxDeferrals?: number; checkMs?: number } = {}) {
  const events: string[] = [];
  const tooks: number[] = [];
  let reads = 0;
  const schedule = new PollSchedule({
    intervalMs: options.intervalMs ?? 5,
    maxDeferrals: options.maxDeferrals,
    checkMs: options.checkMs,
    loop: () => {
      const value = reads < readings.length ? readings[reads] : rest;
      reads++;
      return window(value);
    },
    poll: async (signal) => {
      events.push("poll");
      if (options.pollMs === undefined) return;
      // Like a listing: ends after pollMs, or as soon as it is stopped.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          events.push("stopped");
          resolve();
        });
      });
    },
    onPolled: (took) => tooks.push(took),
    onDeferred: () => events.push("wait"),
  });
  return { schedule, events, tooks };
}

/** Waits (at most 5 s) until `condition` holds, checking every 2 ms: support/netns.ts's waitUntil checks every 50, coarser than these schedules' steps. */
async function until(condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 5000) throw new Error("condition not reached");
    await sleep(2);
  }
}

describe("agent: fast-path poll schedule", () => {
  it("calls the data path busy when the loop idled under 10% of a window and the poll itself took no more than half", () => {
    assert.equal(dataPathBusy({ active: 95, idle: 5 }, 0), true);
    assert.equal(dataPathBusy({ active: 90, idle: 10 }, 0), false);
    assert.equal(dataPathBusy({ active: 100, idle: 0 }, 50), true);
    assert.equal(dataPathBusy({ active: 100, idle: 0 }, 51), false, "a listing that streams faster than it is parsed is the poll's own work");
    assert.equal(dataPathBusy({ active: 0, idle: 0 }, 0), false);
  });

  it("polls each interval while the event loop is not busy", async () => {
    const { schedule, events } = scripted([], 0.2);
    schedule.start();
    await until(() => events.length >= 3);
    schedule.stop();
    assert.deepEqual(events.slice(0, 3), ["poll", "poll", "poll"]);
  });

  it("waits while the loop is busy, and polls as soon as a window is not", async () => {
    const { schedule, events } = scripted([1, 0.91, 0.95, 0.85], 0);
    schedule.start();
    await until(() => events.includes("poll"));
    schedule.stop();
    assert.deepEqual(events.slice(0, 4), ["wait", "wait", "wait", "poll"]);
  });

  it("polls anyway after maxDeferrals busy intervals in a row, then may wait again", async () => {
    const { schedule, events } = scripted([], 1, { maxDeferrals: 3 });
    schedule.start();
    await until(() => events.filter((e) => e === "poll").length >= 2);
    schedule.stop();
    assert.deepEqual(events.slice(0, 8), ["wait", "wait", "wait", "poll", "wait", "wait", "wait", "poll"]);
  });

  it("defers at most MAX_DEFERRALS (10) intervals by default", async () => {
    assert.equal(MAX_DEFERRALS, 10);
    const { schedule, events } = scripted([], 1, { intervalMs: 1 });
    schedule.start();
    await until(() => events.includes("poll"));
    schedule.stop();
    assert.deepEqual(events.slice(0, 11), [...Array<string>(10).fill("wait"), "poll"]);
  });

  it("stops a running poll when the loop turns busy, counts it as put off, and polls again an interval later", async () => {
    // Readings: at the due time (not busy), at the poll's start (the window's start), at the first check (busy).
    const { schedule, events, tooks } = scripted([0, 0, 1], 0, { intervalMs: 5, pollMs: 400, checkMs: 20 });
    schedule.start();
    await until(() => events.length >= 4);
    schedule.stop();
    assert.deepEqual(events.slice(0, 4), ["poll", "wait", "stopped", "poll"]);
    assert.deepEqual(tooks, [], "a stopped poll is not reported as polled");
  });

  it("does not stop the poll that follows maxDeferrals put-off ones", async () => {
    const { schedule, events, tooks } = scripted([], 1, { intervalMs: 5, pollMs: 60, checkMs: 10, maxDeferrals: 2 });
    schedule.start();
    await until(() => tooks.length === 1);
    schedule.stop();
    assert.deepEqual(events, ["wait", "wait", "poll"]);
  });

  it("does not stop a poll for the time it spends parsing its own listing", async () => {
    // The loop is saturated in every window, but the poll's own parsing took 80 ms of each 100.
    let own = 0;
    const events: string[] = [];
    const schedule = new PollSchedule({
      intervalMs: 5,
      checkMs: 10,
      loop: () => window(1),
      ownBusyMs: () => (own += 80),
      poll: async (signal) => {
        events.push("poll");
        await sleep(100);
        if (signal.aborted) events.push("stopped");
      },
      onPolled: () => events.push("polled"),
      onDeferred: () => events.push("wait"),
    });
    // The first due time sees a busy loop with no poll running: it waits, up to the bound.
    schedule.start();
    await until(() => events.includes("polled"));
    schedule.stop();
    assert.deepEqual(events, [...Array<string>(10).fill("wait"), "poll", "polled"]);
  });

  it("stop() during a poll leaves it running to its end (the final poll of a stop joins it)", async () => {
    const { schedule, events, tooks } = scripted([0, 0], 1, { intervalMs: 5, pollMs: 80, checkMs: 10 });
    schedule.start();
    await until(() => events.length === 1);
    schedule.stop();
    await sleep(150);
    assert.deepEqual(events, ["poll"]);
    assert.equal(tooks.length, 1);
  });

  it("spaces polls by 1/POLL_SHARE times the last one's length", async () => {
    assert.equal(POLL_SHARE, 0.05);
    // A 30 ms poll: the next is due no sooner than 600 ms after it ended.
    const { schedule, events, tooks } = scripted([], 0, { intervalMs: 1, pollMs: 30 });
    schedule.start();
    await until(() => tooks.length === 1);
    await sleep(300);
    assert.deepEqual(events, ["poll"]);
    assert.ok(tooks[0] >= 29, `poll took ${tooks[0]} ms`);
    await until(() => events.length === 2);
    schedule.stop();
  });

  it("stops: no poll after stop(), and start() does not revive it", async () => {
    const { schedule, events } = scripted([], 0, { intervalMs: 20 });
    schedule.start();
    schedule.stop();
    schedule.start();
    await sleep(80);
    assert.deepEqual(events, []);
  });

  it("measures the real event loop: a window spent blocking reads busy, one spent sleeping does not", async () => {
    const meter = loopMeter();
    await sleep(50);
    const idle = meter();
    const until = Date.now() + 50;
    while (Date.now() < until) {
      // a synchronous block, as a flood of datagrams keeps the loop
    }
    const blocked = meter();
    assert.equal(dataPathBusy(idle, 0), false, `while sleeping: ${JSON.stringify(idle)}`);
    assert.equal(dataPathBusy(blocked, 0), true, `while blocking: ${JSON.stringify(blocked)}`);
  });
});
