// What the kernel knows about the GENEVE socket and the agent does not: datagrams it dropped
// because the socket's receive buffer was full (the agent never saw them, so no drop counter of
// its own can count them) and the bytes waiting in that buffer. Read from /proc/net/udp at scrape
// time, never on the packet path.

import * as fs from "node:fs";
import * as os from "node:os";

export interface KernelSocketStats {
  /** Datagrams dropped by the kernel on the receiving socket(s), since they were opened. */
  readonly receiveDrops: number;
  /** Bytes queued in the receive buffer(s) right now. */
  readonly receiveQueueBytes: number;
  /** How many sockets matched (one when shared, one per worker with reusePort). */
  readonly sockets: number;
}

/**
 * The kernel prints a socket's IPv4 address as its in-memory 32-bit word in hex, so on a
 * little-endian host 127.0.0.2 reads "0200007F".
 */
export function procAddressHex(address: string, littleEndian = os.endianness() === "LE"): string {
  const octets = address.split(".").map((part) => Number(part).toString(16).toUpperCase().padStart(2, "0"));
  return (littleEndian ? octets.reverse() : octets).join("");
}

/**
 * Sums the rows of a /proc/net/udp table for unconnected sockets bound to `address`:`port` (the
 * GENEVE sockets; the return sockets are connected and bound to the GWLB's source ports instead).
 * Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops.
 * With a return socket per GWLB source port the table has tens of thousands of rows and only
 * one per worker matters, so rows are found by searching for the address, not split one by one.
 */
export function parseUdpTable(table: string, address: string, port: number, littleEndian = os.endianness() === "LE"): KernelSocketStats {
  const local = `${procAddressHex(address, littleEndian)}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const unconnected = "00000000:0000";
  // The kernel prints `%08X:%04X %08X:%04X`: the local address, one space, the remote one.
  const needle = ` ${local} ${unconnected} `;
  let receiveDrops = 0;
  let receiveQueueBytes = 0;
  let sockets = 0;
  for (let at = table.indexOf(needle); at >= 0; ) {
    const start = table.lastIndexOf("\n", at) + 1;
    const newline = table.indexOf("\n", at);
    const end = newline < 0 ? table.length : newline;
    at = newline < 0 ? -1 : table.indexOf(needle, end);
    const fields = table.slice(start, end).trim().split(/\s+/);
    if (fields.length < 13 || fields[1] !== local || fields[2] !== unconnected) continue;
    const queues = fields[4];
    const rxQueue = parseInt(queues.slice(queues.indexOf(":") + 1), 16);
    const drops = Number(fields[12]);
    if (!Number.isFinite(rxQueue) || !Number.isFinite(drops)) continue;
    receiveQueueBytes += rxQueue;
    receiveDrops += drops;
    sockets += 1;
  }
  return { receiveDrops, receiveQueueBytes, sockets };
}

/**
 * The GENEVE sockets' kernel counters, or null where /proc/net/udp cannot be read (not Linux).
 * Read off the event loop: the kernel formats every UDP socket's row in the read, which takes
 * milliseconds with tens of thousands of return sockets, and with one worker the data path
 * shares this process's event loop.
 */
export async function readKernelSocketStats(address: string, port: number, path = "/proc/net/udp"): Promise<KernelSocketStats | null> {
  try {
    return parseUdpTable(await fs.promises.readFile(path, "utf8"), address, port);
  } catch {
    return null;
  }
}
