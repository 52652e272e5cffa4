// Return path: GWLB requires each packet back with source port = the port it sent from and
// destination port 6081. A socket bound to 6081 cannot send from another port, so we keep one
// UDP socket per (GWLB address, GWLB source port), bound to that port on our address and
// connected to GWLB:6081 (a connected send skips the per-packet address lookup). The sockets
// are opened lazily, kept for as long as their port is in use (GWLB varies its source port per
// flow, so tens of thousands can be live at once) and bounded in number: an intrusive
// doubly linked list in use order makes both the per-packet touch and the eviction of the
// least recently used O(1). Packets that arrive while a socket is still binding wait in a
// short queue.

import * as dgram from "node:dgram";
import { Drop } from "./drop-reasons";
import { Counter, DataPlaneCounters } from "./counters";

const STATE_BINDING = 0;
const STATE_READY = 1;
const STATE_FAILED = 2;
/** Packets held per socket while it binds and connects (a few ms). */
export const MAX_PENDING_PER_SOCKET = 64;
/** A socket that failed to bind is retried after this long. */
const RETRY_AFTER_MS = 5000;

/** What the pool uses of a dgram socket (a seam for tests that need more ports than descriptors). */
export interface ReturnSocketLike {
  bind(options: dgram.BindOptions, callback: () => void): unknown;
  connect(port: number, address: string, callback: () => void): void;
  send(datagram: Buffer): void;
  close(): void;
  on(event: "error", listener: (error: NodeJS.ErrnoException) => void): unknown;
  on(event: "message", listener: () => void): unknown;
}

export type ReturnSocketFactory = (sendBufferBytes: number) => ReturnSocketLike;

// reuseAddr lets every worker process bind its own socket to the same (address, port).
const dgramFactory: ReturnSocketFactory = (sendBufferSize) => dgram.createSocket({ type: "udp4", reuseAddr: true, sendBufferSize });

class ReturnSocket {
  state = STATE_BINDING;
  pending: Buffer[] = [];
  lastUsed = 0;
  retryAt = 0;
  /** Neighbours in use order: `newer` toward the head (most recent), `older` toward the tail. */
  newer: ReturnSocket | null = null;
  older: ReturnSocket | null = null;
  constructor(
    readonly socket: ReturnSocketLike,
    readonly byPort: Map<number, ReturnSocket>,
    readonly address: string,
    readonly port: number,
  ) {}
}

export interface ReturnSocketPoolOptions {
  /** Our address (the one GWLB sends to); "0.0.0.0" lets the kernel pick by route. */
  readonly localAddress: string;
  /** GWLB's GENEVE port, the destination of every return (6081). */
  readonly gwlbPort: number;
  readonly maxSockets: number;
  readonly sendBufferBytes: number;
  readonly counters: DataPlaneCounters;
  /** The receiving socket, used when the GWLB's source port equals our listen port. */
  readonly listenSocket: dgram.Socket;
  readonly listenPort: number;
  readonly onError?: (message: string) => void;
  /** Defaults to real dgram sockets. */
  readonly createSocket?: ReturnSocketFactory;
}

export class ReturnSocketPool {
  /** Coarse clock (ms) maintained by the owner; saves a clock read per packet. */
  now = 0;
  private readonly byAddress = new Map<string, Map<number, ReturnSocket>>();
  private count = 0;
  private closed = false;
  private newest: ReturnSocket | null = null;
  private oldest: ReturnSocket | null = null;
  private readonly createSocket: ReturnSocketFactory;

  constructor(private readonly options: ReturnSocketPoolOptions) {
    this.createSocket = options.createSocket ?? dgramFactory;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Sends `datagram` to gwlbAddress:gwlbPort from our `sourcePort`. Returns Drop.None when the
   * datagram was sent or queued, else the drop reason.
   */
  send(gwlbAddress: string, sourcePort: number, datagram: Buffer): number {
    if (sourcePort === this.options.listenPort) return this.sendFromListenSocket(gwlbAddress, datagram);
    let entry = this.byAddress.get(gwlbAddress)?.get(sourcePort);
    if (entry !== undefined && entry.state === STATE_FAILED && this.now >= entry.retryAt) {
      this.discard(entry);
      entry = undefined;
    }
    if (entry === undefined) {
      // The discard (or an eviction) may have dropped this address's map: fetch it again.
      entry = this.open(gwlbAddress, sourcePort);
    } else if (entry !== this.newest) {
      this.unlink(entry);
      this.pushNewest(entry);
    }
    entry.lastUsed = this.now;
    if (entry.state === STATE_READY) {
      entry.socket.send(datagram);
      const counters = this.options.counters.values;
      counters[Counter.PacketsOut]++;
      counters[Counter.BytesOut] += datagram.length;
      return Drop.None;
    }
    if (entry.state === STATE_BINDING) {
      if (entry.pending.length >= MAX_PENDING_PER_SOCKET) return Drop.ReturnQueueFull;
      entry.pending.push(datagram);
      return Drop.None;
    }
    return Drop.ReturnSocketUnavailable;
  }

  /**
   * Closes sockets unused for `idleMs`: walks from the least recently used and stops at the
   * first one still in use, so the cost is the sockets closed, not the sockets open.
   */
  closeIdle(idleMs: number): void {
    while (this.oldest !== null && this.now - this.oldest.lastUsed >= idleMs) this.discard(this.oldest);
  }

  closeAll(): void {
    this.closed = true;
    while (this.oldest !== null) this.discard(this.oldest);
    this.byAddress.clear();
  }

  private sendFromListenSocket(gwlbAddress: string, datagram: Buffer): number {
    this.options.listenSocket.send(datagram, this.options.gwlbPort, gwlbAddress);
    const counters = this.options.counters.values;
    counters[Counter.PacketsOut]++;
    counters[Counter.BytesOut] += datagram.length;
    return Drop.None;
  }

  private open(gwlbAddress: string, sourcePort: number): ReturnSocket {
    if (this.count >= this.options.maxSockets && this.oldest !== null) {
      this.discard(this.oldest);
      this.options.counters.values[Counter.ReturnSocketEvictions]++;
    }
    let byPort = this.byAddress.get(gwlbAddress);
    if (byPort === undefined) {
      byPort = new Map();
      this.byAddress.set(gwlbAddress, byPort);
    }
    const { counters, gwlbPort, localAddress, sendBufferBytes } = this.options;
    const socket = this.createSocket(sendBufferBytes);
    const entry = new ReturnSocket(socket, byPort, gwlbAddress, sourcePort);
    byPort.set(sourcePort, entry);
    this.pushNewest(entry);
    this.count++;
    counters.values[Counter.ReturnSocketsOpened]++;
    socket.on("message", () => {
      // Nothing is expected here; GWLB never sends from 6081 to these ports.
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (entry.state === STATE_BINDING) {
        this.fail(entry, `return socket ${localAddress}:${sourcePort} -> ${gwlbAddress}:${gwlbPort}: ${error.message}`);
      } else {
        // ICMP errors (e.g. port unreachable) surface on connected sockets; count, keep the socket.
        counters.values[Counter.ReturnSendErrors]++;
      }
    });
    socket.bind({ address: localAddress, port: sourcePort, exclusive: true }, () => {
      if (entry.state !== STATE_BINDING) return;
      socket.connect(gwlbPort, gwlbAddress, () => {
        if (entry.state !== STATE_BINDING) return;
        entry.state = STATE_READY;
        const pending = entry.pending;
        entry.pending = [];
        for (const datagram of pending) {
          socket.send(datagram);
          counters.values[Counter.PacketsOut]++;
          counters.values[Counter.BytesOut] += datagram.length;
        }
      });
    });
    return entry;
  }

  /** A failed socket keeps its place (and its port) until its retry time, so it is not reopened per packet. */
  private fail(entry: ReturnSocket, message: string): void {
    entry.state = STATE_FAILED;
    entry.retryAt = this.now + RETRY_AFTER_MS;
    this.options.counters.drops[Drop.ReturnSocketUnavailable] += entry.pending.length;
    entry.pending = [];
    closeQuietly(entry.socket);
    if (!this.closed) this.options.onError?.(message);
  }

  private discard(entry: ReturnSocket): void {
    this.unlink(entry);
    entry.byPort.delete(entry.port);
    // Forget an address with no sockets left, so that many distinct sources cannot grow the map.
    if (entry.byPort.size === 0 && this.byAddress.get(entry.address) === entry.byPort) this.byAddress.delete(entry.address);
    this.count--;
    if (entry.pending.length > 0) this.options.counters.drops[Drop.ReturnSocketUnavailable] += entry.pending.length;
    entry.pending = [];
    if (entry.state !== STATE_FAILED) {
      entry.state = STATE_FAILED;
      closeQuietly(entry.socket);
    }
  }

  private pushNewest(entry: ReturnSocket): void {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest !== null) this.newest.newer = entry;
    this.newest = entry;
    if (this.oldest === null) this.oldest = entry;
  }

  private unlink(entry: ReturnSocket): void {
    if (entry.newer !== null) entry.newer.older = entry.older;
    else this.newest = entry.older;
    if (entry.older !== null) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    entry.newer = null;
    entry.older = null;
  }
}

function closeQuietly(socket: ReturnSocketLike): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
