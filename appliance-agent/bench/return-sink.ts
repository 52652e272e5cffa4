// Capacity runs: the returns counted and dropped in the kernel at the generator's side, so that
// the generator's one thread only sends.
//
// The generator sends and receives on one CPU, so a kernel path that keeps up with it is bounded
// by the generator's receive work, not its own (the "generator-bound" rows). Here an nft netdev
// ingress rule on the generator's veth counts every return from the appliance and drops 15 of 16
// before any socket sees them; the generator still receives and verifies the 16th, byte for byte
// and port for port, so wrong returns still show. Delivered = counted + verified.

import { GeneratorResult } from "./generator";
import { BenchPath, inNamespace } from "./netns";
import { run, tryRun } from "./sys";

/** One return in KEEP_ONE_IN reaches the generator's sockets. */
export const KEEP_ONE_IN = 16;
const TABLE = "gwlbbench_sink";
/** Returns go to the GWLB's GENEVE port, whatever port the appliance listens on. */
const RETURN_PORT = 6081;

export class ReturnSink {
  private readonly ns: string;
  private readonly dev: string;

  constructor(private readonly at: BenchPath) {
    if (at.generatorNs === null || at.generatorDev === undefined) throw new Error(`a return sink needs the generator's namespace and device (path to ${at.appliance})`);
    this.ns = at.generatorNs;
    this.dev = at.generatorDev;
  }

  private nft(args: readonly string[]): string {
    return run(...inNamespace(this.ns, "nft", args));
  }

  /** Adds the counting rule (replacing one left by an earlier run). */
  install(): void {
    this.remove();
    const rule = `ip saddr ${this.at.appliance} udp dport ${RETURN_PORT} numgen inc mod ${KEEP_ONE_IN} != 0 counter drop`;
    this.nft([`add table netdev ${TABLE}; add chain netdev ${TABLE} in { type filter hook ingress device "${this.dev}" priority 0; }; add rule netdev ${TABLE} in ${rule}`]);
  }

  /** Returns dropped so far (the counter never resets while the rule lives). */
  dropped(): number {
    const listing = this.nft(["list", "chain", "netdev", TABLE, "in"]);
    const packets = /counter packets (\d+)/.exec(listing);
    if (packets === null) throw new Error(`return sink on ${this.dev}: no counter in: ${listing}`);
    return Number(packets[1]);
  }

  remove(): void {
    tryRun(...inNamespace(this.ns, "nft", ["delete", "table", "netdev", TABLE]));
  }
}

/**
 * A generator result with the sink's drops counted as delivered. The counter also counts what
 * arrived in the drain after sending stopped: at most the backlogs in flight then, a small
 * share of a run of seconds at these rates.
 */
export function withSunkReturns(result: GeneratorResult, dropped: number): GeneratorResult {
  const received = result.received + dropped;
  const rxInWindow = result.rxInWindow + dropped;
  return {
    ...result,
    received,
    rxInWindow,
    lost: Math.max(0, result.sent - received),
    deliveredPps: result.sendSeconds > 0 ? Math.min(result.sent, rxInWindow) / result.sendSeconds : 0,
  };
}
