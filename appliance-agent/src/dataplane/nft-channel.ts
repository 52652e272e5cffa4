// The one long-lived channel to the kernel's nftables: an `nft -i` process fed one line per
// batch. A line is one netlink transaction (it all applies or none of it does), so a batch of
// installs costs one write, not a process per flow. Counter reads use separate short-lived
// `nft -j list set` processes, whose output cannot interleave with the channel's errors; it is
// read as it streams.

import { ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { setPriority } from "node:os";

/** Counter reads run at the lowest CPU priority: they take only what the data path leaves. */
const LIST_NICENESS = 19;
/**
 * Lower still: SCHED_IDLE (util-linux `chrt -i 0`) where chrt is installed. A nice-19 task on
 * the agent's CPU still runs in slices of its own; an idle-policy task runs only when the CPU
 * would otherwise idle.
 */
const CHRT_CANDIDATES = ["/usr/bin/chrt", "/bin/chrt"];
let chrt: string | null | undefined;

function idleCommand(nft: string, args: readonly string[]): [string, string[]] {
  chrt ??= CHRT_CANDIDATES.find((candidate) => existsSync(candidate)) ?? null;
  return chrt === null ? [nft, [...args]] : [chrt, ["-i", "0", nft, ...args]];
}

export interface NftChannelOptions {
  readonly nft: string;
  /** Called with each error line nft prints (a failed transaction). */
  readonly onError: (message: string) => void;
}

export class NftChannel {
  private child: ChildProcess | null = null;
  private closed = false;

  constructor(private readonly options: NftChannelOptions) {}

  /** Sends one transaction (several `;`-separated commands on one line). */
  send(line: string): void {
    if (this.closed) return;
    const child = this.ensure();
    child.stdin!.write(line.replace(/\n/g, " ") + "\n");
  }

  /**
   * Runs `nft <args>` once, handing its standard output to `onData` chunk by chunk as it arrives
   * (so a large listing is never held whole); resolves when nft exits 0. `signal` stops it
   * early (nft is killed and the promise rejects with the signal's reason).
   */
  stream(args: readonly string[], timeoutMs: number, onData: (chunk: string) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      const [command, commandArgs] = idleCommand(this.options.nft, args);
      const child = spawn(command, commandArgs, { stdio: ["ignore", "pipe", "pipe"] });
      try {
        if (child.pid !== undefined) setPriority(child.pid, LIST_NICENESS);
      } catch {
        // it already ended, or the platform refuses: it then runs at the agent's priority
      }
      let errors = "";
      let failure: Error | null = null;
      // Timeout, a chunk onData refused, or the signal: nft is killed and the first reason kept.
      const fail = (reason: unknown): void => {
        failure ??= reason instanceof Error ? reason : new Error(String(reason));
        child.kill("SIGKILL");
      };
      const timer = setTimeout(() => fail(new Error(`nft ${args.join(" ")}: no answer in ${timeoutMs} ms`)), timeoutMs);
      const abort = (): void => fail(signal?.reason);
      signal?.addEventListener("abort", abort, { once: true });
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (chunk: string) => {
        if (failure !== null) return;
        try {
          onData(chunk);
        } catch (error) {
          fail(error);
        }
      });
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (chunk: string) => {
        if (errors.length < 4096) errors += chunk;
      });
      child.on("error", (error) => {
        failure ??= error;
      });
      child.on("close", (code, exitSignal) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        if (failure !== null) reject(failure);
        else if (code !== 0) reject(new Error(`nft ${args.join(" ")} exited (code ${code}, signal ${exitSignal}): ${errors.trim()}`));
        else resolve();
      });
    });
  }

  /** Waits until nft has read and applied everything written so far, then stops it. */
  close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = null;
    if (child === null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin!.end();
    });
  }

  private ensure(): ChildProcess {
    if (this.child !== null) return this.child;
    const child = spawn(this.options.nft, ["-i"], { stdio: ["pipe", "ignore", "pipe"] });
    let pending = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("Error")) this.options.onError(line);
    });
    child.stdin!.on("error", () => undefined); // reported by "exit"
    child.on("error", (error) => this.options.onError(`nft: ${error.message}`));
    child.on("exit", (code, signal) => {
      if (this.child === child) {
        this.child = null; // respawned on the next send
        if (!this.closed) this.options.onError(`nft -i exited (code ${code}, signal ${signal})`);
      }
    });
    this.child = child;
    return child;
  }
}
