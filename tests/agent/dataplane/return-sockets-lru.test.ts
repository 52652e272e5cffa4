// The return socket pool's use-ordered list, with fake sockets: 20,000 live GWLB source ports
// need more descriptors than a test process may hold, and the point is the bookkeeping (which
// socket is bound, kept, evicted or closed), not the kernel.
import { strict as assert } from "node:assert";
import * as dgram from "node:dgram";
import { Counter, DataPlaneCounters } from "../../../appliance-agent/src/dataplane/counters";
import { Drop } from "../../../appliance-agent/src/dataplane/drop-reasons";
import { MAX_PENDING_PER_SOCKET, ReturnSocketLike, ReturnSocketPool } from "../../../appliance-agent/src/dataplane/return-sockets";

/** Records every bind, send and close; bind and connect complete only when `settle` runs. */
class FakeSockets {
  readonly bound: number[] = [];
  readonly closed: number[] = [];
  sent = 0;
  private readonly waiting: Array<() => void> = [];

  create = (): ReturnSocketLike => {
    let port = -1;
    return {
      bind: (options: dgram.BindOptions, callback: () => void) => {
        port = options.port!;
        this.bound.push(port);
        this.waiting.push(callback);
      },
      connect: (_port: number, _address: string, callback: () => void) => void this.waiting.push(callback),
      send: () => void this.sent++,
      close: () => void this.closed.push(port),
      on: () => undefined,
    };
  };

  /** Completes binds, then the connects they started. */
  settle(): void {
    while (this.waiting.length > 0) this.waiting.shift()!();
  }
}

function makePool(maxSockets: number, fake: FakeSockets): { pool: ReturnSocketPool; counters: DataPlaneCounters } {
  const counters = new DataPlaneCounters();
  const pool = new ReturnSocketPool({
    localAddress: "127.0.0.1",
    gwlbPort: 6081,
    maxSockets,
    sendBufferBytes: 65536,
    counters,
    listenSocket: null as unknown as dgram.Socket, // port 6081 is never used as a source port here
    listenPort: 6081,
    createSocket: fake.create,
  });
  return { pool, counters };
}

describe("agent: return socket pool, least recently used", () => {
  it("keeps 20,000 live GWLB source ports at the default cap with one bind each and no close", () => {
    const fake = new FakeSockets();
    const { pool, counters } = makePool(32768, fake);
    const datagram = Buffer.alloc(100);
    const ports = 20_000;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < ports; i++) {
        pool.now = round * ports + i;
        assert.equal(pool.send("198.18.0.1", 30000 + i, datagram), Drop.None);
      }
      if (round === 0) fake.settle();
    }
    assert.equal(pool.size, ports);
    assert.equal(fake.bound.length, ports);
    assert.equal(new Set(fake.bound).size, ports);
    assert.deepEqual(fake.closed, []);
    assert.equal(fake.sent, 3 * ports);
    assert.equal(counters.values[Counter.ReturnSocketsOpened], ports);
    assert.equal(counters.values[Counter.ReturnSocketEvictions], 0);
    assert.equal(counters.values[Counter.PacketsOut], 3 * ports);
    assert.equal(counters.values[Counter.BytesOut], 3 * ports * 100);
  });

  it("evicts the least recently used socket, where use is the last send, not the open", () => {
    const fake = new FakeSockets();
    const { pool, counters } = makePool(3, fake);
    const d = Buffer.alloc(8);
    pool.send("198.18.0.1", 1001, d);
    pool.send("198.18.0.1", 1002, d);
    pool.send("198.18.0.9", 1003, d);
    fake.settle();
    pool.send("198.18.0.1", 1001, d); // 1001 is now the newest; 1002 the oldest
    pool.send("198.18.0.1", 1004, d);
    assert.deepEqual(fake.closed, [1002]);
    pool.send("198.18.0.1", 1005, d);
    assert.deepEqual(fake.closed, [1002, 1003]);
    // The address 198.18.0.9 lost its only socket, so it is forgotten.
    const addresses = (pool as unknown as { byAddress: Map<string, unknown> }).byAddress;
    assert.deepEqual([...addresses.keys()], ["198.18.0.1"]);
    assert.equal(pool.size, 3);
    assert.equal(counters.values[Counter.ReturnSocketEvictions], 2);
    // A port evicted and used again is bound again.
    pool.send("198.18.0.1", 1002, d);
    assert.deepEqual(fake.bound, [1001, 1002, 1003, 1004, 1005, 1002]);
    assert.deepEqual(fake.closed, [1002, 1003, 1001]);
  });

  it("closes exactly the sockets idle for the given time, oldest first", () => {
    const fake = new FakeSockets();
    const { pool } = makePool(100, fake);
    const d = Buffer.alloc(8);
    for (let i = 0; i < 10; i++) {
      pool.now = i * 10;
      pool.send("198.18.0.1", 2000 + i, d);
    }
    pool.now = 35;
    pool.send("198.18.0.1", 2001, d); // used at 35
    pool.now = 100;
    pool.closeIdle(50); // idle since <= 50: opened at 0, 20, 30, 40, 50
    assert.deepEqual(fake.closed, [2000, 2002, 2003, 2004, 2005]);
    assert.equal(pool.size, 5);
  });

  it("queues at most MAX_PENDING_PER_SOCKET datagrams while a socket binds, then sends them", () => {
    const fake = new FakeSockets();
    const { pool, counters } = makePool(4, fake);
    const d = Buffer.alloc(8);
    for (let i = 0; i < MAX_PENDING_PER_SOCKET; i++) assert.equal(pool.send("198.18.0.1", 3000, d), Drop.None);
    assert.equal(pool.send("198.18.0.1", 3000, d), Drop.ReturnQueueFull);
    assert.equal(fake.sent, 0);
    fake.settle();
    assert.equal(fake.sent, MAX_PENDING_PER_SOCKET);
    assert.equal(counters.values[Counter.PacketsOut], MAX_PENDING_PER_SOCKET);
  });
});
