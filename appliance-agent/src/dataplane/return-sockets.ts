// Return path: GWLB requires each packet back with source port = the port it sent from and
// destination port 6081. A socket bound to 6081 cannot send from another port, so we keep one
// UDP socket per (GWLB address, GWLB source port), bound to that port on our address and
// connected to GWLB:6081 (a connected send skips the per-packet address lookup). The sockets
// are bounded in number (least recently used closed first) and opened lazily; packets that
// arrive while a socket is still binding wait in a short queue.

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

class ReturnSocket {
  state = STATE_BINDING;
  pending: Buffer[] = [];
  lastUsed = 0;
  retryAt = 0;
  constructor(readonly socket: dgram.Socket | null) {}
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
}

export class ReturnSocketPool {
  /** Coarse clock (ms) maintained by the owner; saves a clock read per packet. */
  now = 0;
  private readonly byAddress = new Map<string, Map<number, ReturnSocket>>();
  private count = 0;
  private closed = false;

  constructor(private readonly options: ReturnSocketPoolOptions) {}

  get size(): number {
    return this.count;
  }

  /**
   * Sends `datagram` to gwlbAddress:gwlbPort from our `sourcePort`. Returns Drop.None when the
   * datagram was sent or queued, else the drop reason.
   */
  send(gwlbAddress: string, sourcePort: number, datagram: Buffer): number {
    if (sourcePort === this.options.listenPort) return this.sendFromListenSocket(gwlbAddress, datagram);
    let byPort = this.byAddress.get(gwlbAddress);
    if (byPort === undefined) {
      byPort = new Map();
      this.byAddress.set(gwlbAddress, byPort);
    }
    let entry = byPort.get(sourcePort);
    if (entry === undefined || (entry.state === STATE_FAILED && this.now >= entry.retryAt)) {
      if (entry !== undefined) this.discard(byPort, sourcePort, entry);
      entry = this.open(gwlbAddress, sourcePort, byPort);
    }
    entry.lastUsed = this.now;
    if (entry.state === STATE_READY) {
      entry.socket!.send(datagram);
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
   * Closes sockets unused for `idleMs`, and forgets addresses left without sockets (by this or
   * by evictions since the last call), so that many distinct sources cannot grow the map.
   */
  closeIdle(idleMs: number): void {
    for (const [address, byPort] of this.byAddress) {
      for (const [port, entry] of byPort) {
        if (this.now - entry.lastUsed >= idleMs) this.discard(byPort, port, entry);
      }
      if (byPort.size === 0) this.byAddress.delete(address);
    }
  }

  closeAll(): void {
    this.closed = true;
    for (const byPort of this.byAddress.values()) {
      for (const [port, entry] of byPort) this.discard(byPort, port, entry);
    }
    this.byAddress.clear();
  }

  private sendFromListenSocket(gwlbAddress: string, datagram: Buffer): number {
    this.options.listenSocket.send(datagram, this.options.gwlbPort, gwlbAddress);
    const counters = this.options.counters.values;
    counters[Counter.PacketsOut]++;
    counters[Counter.BytesOut] += datagram.length;
    return Drop.None;
  }

  private open(gwlbAddress: string, sourcePort: number, byPort: Map<number, ReturnSocket>): ReturnSocket {
    if (this.count >= this.options.maxSockets) this.evictLeastRecentlyUsed();
    const { counters, gwlbPort, localAddress, sendBufferBytes } = this.options;
    // reuseAddr lets every worker process bind its own socket to the same (address, port).
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: true, sendBufferSize: sendBufferBytes });
    const entry = new ReturnSocket(socket);
    byPort.set(sourcePort, entry);
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

  private fail(entry: ReturnSocket, message: string): void {
    entry.state = STATE_FAILED;
    entry.retryAt = this.now + RETRY_AFTER_MS;
    this.options.counters.drops[Drop.ReturnSocketUnavailable] += entry.pending.length;
    entry.pending = [];
    try {
      entry.socket?.close();
    } catch {
      // already closed
    }
    if (!this.closed) this.options.onError?.(message);
  }

  private discard(byPort: Map<number, ReturnSocket>, port: number, entry: ReturnSocket): void {
    byPort.delete(port);
    this.count--;
    if (entry.pending.length > 0) this.options.counters.drops[Drop.ReturnSocketUnavailable] += entry.pending.length;
    entry.pending = [];
    if (entry.state !== STATE_FAILED) {
      entry.state = STATE_FAILED;
      try {
        entry.socket?.close();
      } catch {
        // already closed
      }
    }
  }

  private evictLeastRecentlyUsed(): void {
    let victimMap: Map<number, ReturnSocket> | null = null;
    let victimPort = -1;
    let victim: ReturnSocket | null = null;
    for (const byPort of this.byAddress.values()) {
      for (const [port, entry] of byPort) {
        if (victim === null || entry.lastUsed < victim.lastUsed) {
          victim = entry;
          victimPort = port;
          victimMap = byPort;
        }
      }
    }
    if (victim !== null && victimMap !== null) {
      this.discard(victimMap, victimPort, victim);
      this.options.counters.values[Counter.ReturnSocketEvictions]++;
    }
  }
}
