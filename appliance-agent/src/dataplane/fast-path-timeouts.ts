// Who keeps the kernel elements' idle timeouts, and what follows from it: the timeout an element
// is given, when a counter poll refreshes it, and how many times its counter counts a packet.
//
// "packet": the ingress chain's lookup is followed by an `update` that gives the element its idle
// timeout again on every packet (and counts the packet a second time). "poll", where the kernel
// resets an element's expiry in place: the lookup alone, and the agent's counter polls, which
// read every element's counter and expiry anyway, refresh the elements that need it. The
// ruleset (control/fast-path-ruleset.ts) renders the chains of either; the data plane
// (fast-path.ts) writes and refreshes elements by the same numbers.

export type TimeoutRefresh = "poll" | "packet";

/**
 * With "poll": how much longer than its flow's idle timeout an element is given, when it is learned
 * and when a poll refreshes it. A poll refreshes an element once it would outlive the agent's own
 * deadline for the flow by less than half of this, so an active flow's element is refreshed about
 * every half of it, and an element outlives its flow's deadline by at least half of it less one
 * poll interval (hence at least two intervals). Listings give expiries in whole seconds, rounded
 * down: at least 2 s keeps that second of doubt from making every poll refresh.
 */
export function refreshSlackSeconds(idleTimeoutSeconds: number, pollMs: number): number {
  return Math.max(Math.ceil(idleTimeoutSeconds / 4), Math.ceil((2 * pollMs) / 1000), 2);
}

/** The timeout (s) an element of a flow with this idle timeout is learned, written or refreshed with. */
export function elementTimeoutSeconds(refresh: TimeoutRefresh, idleTimeoutSeconds: number, pollMs: number): number {
  return refresh === "poll" ? idleTimeoutSeconds + refreshSlackSeconds(idleTimeoutSeconds, pollMs) : idleTimeoutSeconds;
}

/** How many times an element's counter counts one packet the ingress chain forwards or drops: its lookup, and the `update` of "packet". */
export function kernelCountsPerPacket(refresh: TimeoutRefresh): number {
  return refresh === "poll" ? 1 : 2;
}

export interface ElementTimeoutConfig {
  readonly timeoutRefresh: TimeoutRefresh;
  readonly tcpIdleTimeoutSeconds: number;
  readonly otherIdleTimeoutSeconds: number;
  readonly pollMs: number;
}

/** One worker's element timeouts, TCP and other. */
export class ElementTimeouts {
  readonly atPolls: boolean;
  /** Raw counts per packet the ingress chain forwards or drops (kernelCountsPerPacket). */
  readonly countsPerPacket: number;
  private readonly seconds: readonly [number, number];
  /** Half the slack (ms): a poll refreshes an element whose lead over the agent's deadline is below it. */
  private readonly margin: readonly [number, number];

  constructor(config: ElementTimeoutConfig) {
    this.atPolls = config.timeoutRefresh === "poll";
    this.countsPerPacket = kernelCountsPerPacket(config.timeoutRefresh);
    const idle = [config.tcpIdleTimeoutSeconds, config.otherIdleTimeoutSeconds] as const;
    this.seconds = [elementTimeoutSeconds(config.timeoutRefresh, idle[0], config.pollMs), elementTimeoutSeconds(config.timeoutRefresh, idle[1], config.pollMs)];
    this.margin = [(this.seconds[0] - idle[0]) * 500, (this.seconds[1] - idle[1]) * 500];
  }

  /** The timeout (s) of a TCP flow's element, or another's. */
  of(tcp: boolean): number {
    return this.seconds[tcp ? 0 : 1];
  }

  /**
   * Whether a poll should refresh an element listed as expiring in `expiresSeconds` (-1: no
   * expiry listed) whose flow the agent holds for `agentRemainingMs` more: so that the kernel
   * never drops an element the agent still holds, and an active flow costs one command per half slack.
   */
  due(tcp: boolean, expiresSeconds: number, agentRemainingMs: number): boolean {
    return this.atPolls && expiresSeconds >= 0 && expiresSeconds * 1000 < agentRemainingMs + this.margin[tcp ? 0 : 1];
  }
}
