// What the kernel knows about the GENEVE socket and the agent does not: datagrams it dropped
// because the socket's receive buffer was full (the agent never saw them, so no drop counter of
// its own can count them) and the bytes waiting in that buffer. Read at scrape time, never on the
// packet path, from `ss` (sock_diag, filtered by port in the kernel). /proc/net/udp, the
// fallback where ss is missing, costs time superlinear in the number of UDP sockets: with a
// return socket per GWLB source port, one read took 4 ms at 1,000 sockets, 93 ms at 10,000 and
// 0.36-0.92 s at 19,000-20,000, where ss took 6-19 ms (README, Metrics).

import * as fs from "node:fs";
import * as os from "node:os";
import { commandMissing, runCommand } from "../shared/run-command";

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
 * Sums `ss -u -a -n -m -H` output for unconnected sockets bound to `address`:`port`. Each socket
 * is a line `UNCONN <recv-q> <send-q> <local> <peer>` and then a line
 * `skmem:(r<rmem>,rb<rcvbuf>,...,d<drops>)`; an unconnected socket's peer is `0.0.0.0:*` (or `*:*`).
 */
export function parseSsOutput(text: string, address: string, port: number): KernelSocketStats {
  const local = `${address}:${port}`;
  let receiveDrops = 0;
  let receiveQueueBytes = 0;
  let sockets = 0;
  let matching = false;
  for (const line of text.split("\n")) {
    const memory = /skmem:\(r(\d+),.*\bd(\d+)\)/.exec(line);
    if (memory !== null) {
      if (matching) {
        receiveQueueBytes += Number(memory[1]);
        receiveDrops += Number(memory[2]);
        sockets += 1;
      }
      matching = false;
      continue;
    }
    const fields = line.trim().split(/\s+/);
    matching = fields.length >= 5 && fields[3] === local && (fields[4] === "0.0.0.0:*" || fields[4] === "*:*");
  }
  return { receiveDrops, receiveQueueBytes, sockets };
}

export interface KernelSocketStatsSources {
  /** The ss binary (looked up on PATH by default). */
  readonly ss?: string;
  readonly procPath?: string;
}

/** ss binaries found missing: not run again at every scrape. */
const missingSs = new Set<string>();

/**
 * The GENEVE sockets' kernel counters, or null where neither ss nor /proc/net/udp can be read
 * (not Linux). Both are read off the event loop, which with one worker is the data path's.
 */
export async function readKernelSocketStats(address: string, port: number, sources: KernelSocketStatsSources = {}): Promise<KernelSocketStats | null> {
  const ss = sources.ss ?? "ss";
  if (!missingSs.has(ss)) {
    try {
      return parseSsOutput(await runCommand(ss, ["-u", "-a", "-n", "-m", "-H", `sport = :${port}`], { timeoutMs: 5000, maxBufferBytes: 1 << 20 }), address, port);
    } catch (error) {
      // No ss (or it failed this time): the proc table, correct but slow with many sockets.
      if (commandMissing(error)) missingSs.add(ss);
    }
  }
  try {
    return parseUdpTable(await fs.promises.readFile(sources.procPath ?? "/proc/net/udp", "utf8"), address, port);
  } catch {
    return null;
  }
}
