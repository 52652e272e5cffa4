import * as assert from "node:assert/strict";
import * as dgram from "node:dgram";
import * as os from "node:os";
import { parseUdpTable, procAddressHex, readKernelSocketStats } from "../../../appliance-agent/src/control/kernel-socket-stats";

const HEADER = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
const row = (sl: number, local: string, remote: string, rx: string, drops: number) =>
  `  ${sl}: ${local} ${remote} 07 00000000:${rx} 00:00000000 00000000     0        0 ${1000 + sl} 2 0000000000000000 ${drops}`;

describe("kernel socket statistics", () => {
  it("prints IPv4 addresses the way /proc/net/udp does", () => {
    assert.equal(procAddressHex("127.0.0.2", true), "0200007F");
    assert.equal(procAddressHex("127.0.0.2", false), "7F000002");
    assert.equal(procAddressHex("0.0.0.0", true), "00000000");
    assert.equal(procAddressHex("10.21.11.194", true), "C20B150A");
  });

  it("sums only the unconnected sockets bound to the GENEVE address and port", () => {
    const table = [
      HEADER,
      row(0, "0200007F:17C1", "00000000:0000", "00001000", 5), // agent, worker 1
      row(1, "0200007F:17C1", "00000000:0000", "00000200", 2), // agent, worker 2 (reusePort)
      row(2, "0100007F:17C1", "00000000:0000", "00000000", 9), // another socket on 6081 (the simulator)
      row(3, "0200007F:C350", "0100007F:17C1", "00000000", 4), // a return socket, connected to GWLB:6081
      row(4, "0200007F:0035", "00000000:0000", "00000000", 1), // another port
      "  garbage line",
      "",
    ].join("\n");
    assert.deepEqual(parseUdpTable(table, "127.0.0.2", 6081, true), { receiveDrops: 7, receiveQueueBytes: 0x1200, sockets: 2 });
    assert.deepEqual(parseUdpTable(table, "127.0.0.9", 6081, true), { receiveDrops: 0, receiveQueueBytes: 0, sockets: 0 });
  });

  it("finds the GENEVE rows among 20,000 return sockets' rows, wherever they are", () => {
    const returns = Array.from({ length: 20_000 }, (_, i) => row(i + 2, `0200007F:${(10_000 + i).toString(16).toUpperCase().padStart(4, "0")}`, "0100007F:17C1", "00000000", 1));
    const table = [HEADER, row(0, "0200007F:17C1", "00000000:0000", "00000040", 3), ...returns, row(1, "0200007F:17C1", "00000000:0000", "00000000", 4)].join("\n");
    assert.deepEqual(parseUdpTable(table, "127.0.0.2", 6081, true), { receiveDrops: 7, receiveQueueBytes: 0x40, sockets: 2 });
  });

  it("finds a real socket bound on loopback, and gives null without /proc", async () => {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.3", resolve));
    try {
      const stats = await readKernelSocketStats("127.0.0.3", socket.address().port);
      assert.deepEqual(stats, os.platform() === "linux" ? { receiveDrops: 0, receiveQueueBytes: 0, sockets: 1 } : null);
    } finally {
      socket.close();
    }
    assert.equal(await readKernelSocketStats("127.0.0.3", 6081, "/nonexistent/proc/net/udp"), null);
  });
});
