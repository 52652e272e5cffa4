import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import * as os from "node:os";
import { parseSsOutput, parseUdpTable, procAddressHex, readKernelSocketStats } from "../../../appliance-agent/src/control/kernel-socket-stats";

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

  it("sums the same sockets from ss's output: unconnected, on the GENEVE address and port", () => {
    const output = [
      "UNCONN 0      0      127.0.0.2:6081 0.0.0.0:*",
      "\t skmem:(r4608,rb8388608,t0,tb212992,f0,w0,o0,bl0,d5)", // agent, worker 1
      "UNCONN 0      0      127.0.0.2:6081 0.0.0.0:*",
      "\t skmem:(r0,rb8388608,t0,tb212992,f0,w0,o0,bl0,d2)", // agent, worker 2 (reusePort)
      "UNCONN 0      0      127.0.0.1:6081 0.0.0.0:*",
      "\t skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d9)", // another socket on 6081
      "ESTAB  0      0      127.0.0.2:6081 127.0.0.1:6081",
      "\t skmem:(r0,rb212992,t0,tb1048576,f0,w0,o0,bl0,d4)", // a return socket for GWLB source port 6081
      "",
    ].join("\n");
    assert.deepEqual(parseSsOutput(output, "127.0.0.2", 6081), { receiveDrops: 7, receiveQueueBytes: 4608, sockets: 2 });
    assert.deepEqual(parseSsOutput(output, "127.0.0.9", 6081), { receiveDrops: 0, receiveQueueBytes: 0, sockets: 0 });
    assert.deepEqual(parseSsOutput("UNCONN 0 0 0.0.0.0:6081 *:*\n skmem:(r1,rb2,t0,tb3,f0,w0,o0,bl0,d6)\n", "0.0.0.0", 6081), { receiveDrops: 6, receiveQueueBytes: 1, sockets: 1 });
  });

  it("finds a real socket bound on loopback through ss, and through /proc/net/udp without ss; null with neither", async () => {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.3", resolve));
    try {
      const port = socket.address().port;
      const expected = os.platform() === "linux" ? { receiveDrops: 0, receiveQueueBytes: 0, sockets: 1 } : null;
      assert.deepEqual(await readKernelSocketStats("127.0.0.3", port), expected);
      // ss alone (iproute2; .ci/run installs it), where it is on PATH.
      if (spawnSync("ss", ["-V"]).status === 0) assert.deepEqual(await readKernelSocketStats("127.0.0.3", port, { procPath: "/nonexistent/proc/net/udp" }), expected);
      assert.deepEqual(await readKernelSocketStats("127.0.0.3", port, { ss: "/nonexistent/ss" }), expected);
    } finally {
      socket.close();
    }
    assert.equal(await readKernelSocketStats("127.0.0.3", 6081, { ss: "/nonexistent/ss", procPath: "/nonexistent/proc/net/udp" }), null);
  });
});
