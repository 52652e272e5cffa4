// Return socket pool bookkeeping, on loopback.
import { strict as assert } from "node:assert";
import * as dgram from "node:dgram";
import { Drop } from "../../../appliance-agent/src/dataplane/drop-reasons";
import { DataPlaneCounters } from "../../../appliance-agent/src/dataplane/counters";
import { ReturnSocketPool } from "../../../appliance-agent/src/dataplane/return-sockets";

describe("agent: return socket pool", () => {
  it("forgets a GWLB address once its last socket is gone, so distinct sources cannot grow it without bound", () => {
    const listenSocket = dgram.createSocket("udp4");
    const pool = new ReturnSocketPool({
      localAddress: "127.0.0.1",
      gwlbPort: 6081,
      maxSockets: 2,
      sendBufferBytes: 65536,
      counters: new DataPlaneCounters(),
      listenSocket,
      listenPort: 6081,
    });
    try {
      // Each send opens a socket (queued while it binds); at the cap the least recently used closes.
      for (let i = 1; i <= 20; i++) {
        pool.now = i;
        assert.equal(pool.send(`127.0.1.${i}`, 47000 + i, Buffer.alloc(8)), Drop.None);
      }
      assert.equal(pool.size, 2);
      pool.now = 1000;
      pool.closeIdle(1);
      assert.equal(pool.size, 0);
      const addresses = (pool as unknown as { byAddress: Map<string, unknown> }).byAddress;
      assert.equal(addresses.size, 0);
    } finally {
      pool.closeAll();
      listenSocket.close();
    }
  });
});
