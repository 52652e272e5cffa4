// GWLB simulator on loopback: sends GENEVE datagrams to the agent from many source ports and
// receives what the agent returns on the GWLB's GENEVE port, checking bytes and ports.
//
// API (for tests and the benchmark):
//   const sim = await GwlbSimulator.start({ gwlbAddress, agentAddress, sourcePortCount })
//   sim.sourcePorts                      the bound source ports (ephemeral unless given)
//   sim.send(sourcePort, datagram)       fire one datagram (no bookkeeping; for load)
//   sim.onReturn = (datagram, fromAddress, fromPort) => ...   raw hook, called for every return
//   await sim.exchange(items, { timeoutMs })   send and match returns byte for byte and port for port
//   await sim.close()
// Only loopback addresses are accepted, so nothing can leave the machine.

import * as dgram from "node:dgram";
import { parseIpv4 } from "../../common/cidr";

export interface SimulatorOptions {
  /** Address the GWLB sends from and receives returns on; default 127.0.0.1. */
  readonly gwlbAddress?: string;
  /** Where the agent listens; default 127.0.0.2:6081. */
  readonly agentAddress?: string;
  readonly agentPort?: number;
  /** Port the returns are addressed to (GWLB's 6081); default 6081. */
  readonly returnPort?: number;
  /** Explicit source ports; otherwise `sourcePortCount` ephemeral ports are bound. */
  readonly sourcePorts?: readonly number[];
  readonly sourcePortCount?: number;
  readonly receiveBufferBytes?: number;
}

export interface ExchangeItem {
  readonly sourcePort: number;
  readonly datagram: Buffer;
}

export interface ExchangeReport {
  readonly sent: number;
  /** Indexes (into the items) that came back identical, from the agent, to the right port. */
  readonly returned: number[];
  /** Indexes that did not come back in time. */
  readonly missing: number[];
  /** Returns that matched no outstanding item: wrong bytes, wrong source port or wrong sender. */
  readonly mismatched: Array<{ fromAddress: string; fromPort: number; length: number; reason: string }>;
}

function assertLoopback(address: string, what: string): void {
  const value = parseIpv4(address);
  if (value < 0 || value >>> 24 !== 127) throw new Error(`${what} ${address} is not an IPv4 loopback address (127.0.0.0/8)`);
}

export class GwlbSimulator {
  readonly gwlbAddress: string;
  readonly agentAddress: string;
  readonly agentPort: number;
  readonly returnPort: number;
  /** Called for every datagram received on the return port. */
  onReturn: ((datagram: Buffer, fromAddress: string, fromPort: number) => void) | null = null;
  private readonly senders = new Map<number, dgram.Socket>();
  private receiver: dgram.Socket | null = null;

  private constructor(options: SimulatorOptions) {
    this.gwlbAddress = options.gwlbAddress ?? "127.0.0.1";
    this.agentAddress = options.agentAddress ?? "127.0.0.2";
    this.agentPort = options.agentPort ?? 6081;
    this.returnPort = options.returnPort ?? 6081;
    assertLoopback(this.gwlbAddress, "gwlbAddress");
    assertLoopback(this.agentAddress, "agentAddress");
  }

  static async start(options: SimulatorOptions = {}): Promise<GwlbSimulator> {
    const sim = new GwlbSimulator(options);
    try {
      await sim.open(options);
    } catch (error) {
      await sim.close();
      throw error;
    }
    return sim;
  }

  get sourcePorts(): number[] {
    return [...this.senders.keys()];
  }

  /** Sends one datagram from `sourcePort` (one of `sourcePorts`) to the agent. */
  send(sourcePort: number, datagram: Buffer): void {
    const socket = this.senders.get(sourcePort);
    if (socket === undefined) throw new Error(`source port ${sourcePort} is not bound by this simulator`);
    // Connected sockets skip the per-send address lookup, raising the generator's ceiling.
    socket.send(datagram);
  }

  /**
   * Sends every item (in order) and collects returns until all came back or `timeoutMs` passed.
   * A return counts for an item only if its bytes are identical, it comes from the agent's
   * address and its source port is the item's source port (and it arrived on `returnPort`).
   */
  exchange(items: readonly ExchangeItem[], options: { timeoutMs?: number } = {}): Promise<ExchangeReport> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const outstanding = new Map<string, number[]>();
    const bytesOnly = new Map<string, number>();
    items.forEach((item, index) => {
      const body = item.datagram.toString("base64");
      const key = `${item.sourcePort}/${body}`;
      const list = outstanding.get(key) ?? [];
      list.push(index);
      outstanding.set(key, list);
      bytesOnly.set(body, (bytesOnly.get(body) ?? 0) + 1);
    });
    const returned: number[] = [];
    const mismatched: ExchangeReport["mismatched"] = [];
    const previous = this.onReturn;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.onReturn = previous;
        const got = new Set(returned);
        resolve({
          sent: items.length,
          returned: returned.sort((a, b) => a - b),
          missing: items.map((_, i) => i).filter((i) => !got.has(i)),
          mismatched,
        });
      };
      const timer = setTimeout(finish, timeoutMs);
      this.onReturn = (datagram, fromAddress, fromPort) => {
        previous?.(datagram, fromAddress, fromPort);
        const body = datagram.toString("base64");
        const list = outstanding.get(`${fromPort}/${body}`);
        if (fromAddress !== this.agentAddress) {
          mismatched.push({ fromAddress, fromPort, length: datagram.length, reason: `from ${fromAddress}, not the agent` });
        } else if (list !== undefined && list.length > 0) {
          returned.push(list.shift()!);
          if (returned.length === items.length) finish();
        } else if (bytesOnly.has(body)) {
          mismatched.push({ fromAddress, fromPort, length: datagram.length, reason: `source port ${fromPort} is not the one it was sent from` });
        } else {
          mismatched.push({ fromAddress, fromPort, length: datagram.length, reason: "bytes differ from every datagram sent" });
        }
      };
      for (const item of items) this.send(item.sourcePort, item.datagram);
      if (items.length === 0) finish();
    });
  }

  async close(): Promise<void> {
    const sockets = [...this.senders.values()];
    if (this.receiver !== null) sockets.push(this.receiver);
    this.senders.clear();
    this.receiver = null;
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            try {
              socket.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
  }

  private async open(options: SimulatorOptions): Promise<void> {
    const receiver = dgram.createSocket({ type: "udp4", recvBufferSize: options.receiveBufferBytes ?? 8 << 20 });
    this.receiver = receiver;
    receiver.on("message", (datagram, remote) => this.onReturn?.(datagram, remote.address, remote.port));
    await bind(receiver, this.gwlbAddress, this.returnPort);
    const ports = options.sourcePorts ?? new Array<number>(options.sourcePortCount ?? 16).fill(0);
    for (const wanted of ports) {
      const socket = dgram.createSocket({ type: "udp4", sendBufferSize: 1 << 20 });
      // Nothing is expected on source ports (returns go to the GWLB's 6081), but an ICMP error
      // (e.g. the agent is not running yet) must not crash the simulator.
      socket.on("error", () => undefined);
      const port = await bind(socket, this.gwlbAddress, wanted);
      await new Promise<void>((resolve) => socket.connect(this.agentPort, this.agentAddress, () => resolve()));
      this.senders.set(port, socket);
    }
  }
}

function bind(socket: dgram.Socket, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off("error", reject);
      resolve(socket.address().port);
    });
  });
}
