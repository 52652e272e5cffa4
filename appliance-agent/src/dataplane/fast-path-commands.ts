// The fast path's writes to the kernel: commands queued during one turn of the event loop go to
// the long-lived nft channel as one line, i.e. one netlink transaction, at most
// COMMANDS_PER_LINE commands each (a reload of a full table is cut into lines of that many).

import { NftChannel } from "./nft-channel";

const COMMANDS_PER_LINE = 256;

export class CommandBatch {
  private queue: string[] = [];
  private flushScheduled = false;

  constructor(private readonly channel: NftChannel) {}

  enqueue(command: string): void {
    this.queue.push(command);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes the queued commands now. */
  flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (let at = 0; at < queue.length; at += COMMANDS_PER_LINE) this.channel.send(queue.slice(at, at + COMMANDS_PER_LINE).join("; "));
  }
}
