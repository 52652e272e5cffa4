// The Node.js load generator: same options and JSON as gen.c, one process, one dgram socket
// per GWLB source port, sends in setImmediate batches. It exists to show why the benchmark uses
// the C helper (its ceiling is printed next to the C one) and as a fallback where no C compiler
// is available. Each send is one syscall plus a JavaScript callback and a Buffer copy (a
// Buffer handed to dgram must not change until its send completes).

import * as dgram from "node:dgram";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { cpuBusy, processCpuSeconds, sampleCpus } from "./sys";
import { COOKIE_OFFSET, STAMP_LENGTH, STAMP_MAGIC, decodeTemplates } from "./templates";

interface Options {
  templates: string;
  src: string;
  dst: string;
  dport: number;
  listen: string;
  lport: number;
  expectFrom: string;
  sockets: number;
  rate: number;
  duration: number;
  drainMs: number;
  batch: number;
  once: boolean;
  portBase: number;
  watchPid: number;
}

const HIST_US = 100_000;

function parse(argv: readonly string[]): Options {
  const o: Options = { templates: "", src: "", dst: "", dport: 6081, listen: "", lport: 6081, expectFrom: "", sockets: 64, rate: 0, duration: 5, drainMs: 500, batch: 64, once: false, portBase: 0, watchPid: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--once") {
      o.once = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case "--templates": o.templates = value; break;
      case "--src": o.src = value; break;
      case "--dst": o.dst = value; break;
      case "--dport": o.dport = Number(value); break;
      case "--listen": o.listen = value; break;
      case "--lport": o.lport = Number(value); break;
      case "--expect-from": o.expectFrom = value; break;
      case "--sockets": o.sockets = Number(value); break;
      case "--rate": o.rate = Number(value); break;
      case "--duration": o.duration = Number(value); break;
      case "--drain-ms": o.drainMs = Number(value); break;
      case "--batch": o.batch = Number(value); break;
      case "--port-base": o.portBase = Number(value); break;
      case "--watch-pid": o.watchPid = Number(value); break;
      case "--cpu": break; // pinning is done by the caller (taskset)
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  if (!(o.duration > 0 && o.duration <= 600)) throw new Error("--duration must be in (0, 600]");
  return o;
}

function bind(socket: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

function percentile(hist: Float64Array, total: number, p: number): number {
  if (total === 0) return -1;
  const want = Math.min(total - 1, Math.floor(p * total));
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i];
    if (acc > want) return i;
  }
  return HIST_US;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const templates = decodeTemplates(readFileSync(o.templates));
  const bySocket: number[][] = Array.from({ length: o.sockets }, () => []);
  templates.forEach((t, i) => bySocket[t.socket].push(i));
  const next = new Array<number>(o.sockets).fill(0);

  const rx = dgram.createSocket({ type: "udp4", recvBufferSize: 32 << 20 });
  await bind(rx, o.listen, o.lport);
  const sockets: dgram.Socket[] = [];
  const ports: number[] = [];
  for (let i = 0; i < o.sockets; i++) {
    const s = dgram.createSocket({ type: "udp4", sendBufferSize: 4 << 20 });
    s.on("error", () => undefined);
    await bind(s, o.src, o.portBase > 0 ? o.portBase + i : 0);
    await new Promise<void>((resolve, reject) => s.connect(o.dport, o.dst, (error?: Error) => (error ? reject(error) : resolve())));
    sockets.push(s);
    ports.push(s.address().port);
  }

  const maxSeq = o.once ? templates.length : Math.ceil(o.duration * 5e6);
  const seen = new Uint8Array((maxSeq >> 3) + 1);
  const hist = new Float64Array(HIST_US + 1);
  let sent = 0;
  let received = 0;
  let rxInWindow = 0;
  let sendErrors = 0;
  let dup = 0;
  let badFrom = 0;
  let badPort = 0;
  let badLength = 0;
  let badBytes = 0;
  let badStamp = 0;
  let maxUs = 0;
  let onceNext = 0;
  let cursor = 0;
  const cpus0 = sampleCpus();
  const watch0 = o.watchPid > 0 ? processCpuSeconds(o.watchPid) : null;
  let cpus1 = cpus0;
  let watch1: number | null = null;
  const t0 = performance.now();
  const end = t0 + o.duration * 1000;
  let sendEnd = end;

  rx.on("message", (msg, remote) => {
    if (remote.address !== o.expectFrom) return void badFrom++;
    if (msg.length < COOKIE_OFFSET + 4) return void badLength++;
    const ti = msg.readUInt32BE(COOKIE_OFFSET);
    if (ti >= templates.length) return void badBytes++;
    const t = templates[ti];
    if (msg.length !== t.datagram.length) return void badLength++;
    if (remote.port !== ports[t.socket]) return void badPort++;
    const st = t.stampOffset;
    if (msg.readUInt32BE(st) !== STAMP_MAGIC || msg.readUInt32BE(st + 8) !== ti) return void badStamp++;
    if (msg.compare(t.datagram, 0, st, 0, st) !== 0 || msg.compare(t.datagram, st + STAMP_LENGTH, msg.length, st + STAMP_LENGTH, msg.length) !== 0) {
      return void badBytes++;
    }
    const seq = msg.readUInt32BE(st + 12) * 2 ** 32 + msg.readUInt32BE(st + 4);
    if (seq >= sent || seq >= maxSeq) return void badStamp++;
    if ((seen[seq >> 3] & (1 << (seq & 7))) !== 0) return void dup++;
    seen[seq >> 3] |= 1 << (seq & 7);
    received++;
    const now = performance.now();
    if (now <= end) rxInWindow++;
    const sentAtUs = (msg.readUInt32BE(st + 16) * 2 ** 32 + msg.readUInt32BE(st + 20)) / 1000;
    const us = Math.max(0, now * 1000 - sentAtUs);
    if (us > maxUs) maxUs = us;
    hist[Math.min(HIST_US, Math.floor(us))]++;
  });

  const stamp = (ti: number, seq: number): Buffer => {
    const t = templates[ti];
    const out = Buffer.allocUnsafe(t.datagram.length);
    t.datagram.copy(out);
    const st = t.stampOffset;
    const ns = Math.floor(performance.now() * 1e6);
    out.writeUInt32BE(STAMP_MAGIC, st);
    out.writeUInt32BE(seq % 2 ** 32, st + 4);
    out.writeUInt32BE(ti, st + 8);
    out.writeUInt32BE(Math.floor(seq / 2 ** 32), st + 12);
    out.writeUInt32BE(Math.floor(ns / 2 ** 32), st + 16);
    out.writeUInt32BE(ns % 2 ** 32, st + 20);
    return out;
  };
  const onSent = (error: Error | null): void => {
    if (error !== null) sendErrors++;
  };

  await new Promise<void>((resolve) => {
    const loop = (): void => {
      const now = performance.now();
      if (now >= end || (o.once && onceNext >= templates.length) || sent >= maxSeq) {
        sendEnd = Math.min(now, end);
        cpus1 = sampleCpus();
        watch1 = o.watchPid > 0 ? processCpuSeconds(o.watchPid) : null;
        resolve();
        return;
      }
      let n = o.batch;
      if (o.rate > 0) n = Math.max(0, Math.min(n, Math.floor((o.rate * (now - t0)) / 1000 - sent)));
      for (let k = 0; k < n; k++) {
        let ti: number;
        if (o.once) {
          if (onceNext >= templates.length) break;
          ti = onceNext++;
        } else {
          const s = cursor;
          cursor = (cursor + 1) % o.sockets;
          if (bySocket[s].length === 0) continue;
          ti = bySocket[s][next[s]];
          next[s] = (next[s] + 1) % bySocket[s].length;
        }
        sockets[templates[ti].socket].send(stamp(ti, sent), onSent);
        sent++;
      }
      setImmediate(loop);
    };
    loop();
  });
  await new Promise((resolve) => setTimeout(resolve, o.drainMs));
  const seconds = Math.max(1e-9, (sendEnd - t0) / 1000);
  const result = {
    cpuBusy: cpuBusy(cpus0, cpus1),
    watchCores: watch0 !== null && watch1 !== null ? (watch1 - watch0) / seconds : -1,
    sent,
    received,
    rxInWindow,
    sendSeconds: seconds,
    sendPps: Math.round(sent / seconds),
    deliveredPps: Math.round(rxInWindow / seconds),
    lost: sent - received,
    duplicates: dup,
    badFrom,
    badPort,
    badLength,
    badBytes,
    badStamp,
    sendCalls: sent,
    sendErrors,
    p50Us: percentile(hist, received, 0.5),
    p90Us: percentile(hist, received, 0.9),
    p99Us: percentile(hist, received, 0.99),
    p999Us: percentile(hist, received, 0.999),
    maxUs: Math.round(maxUs * 10) / 10,
    // dgram gives no kernel receive timestamps: the arrival latency is not measured here.
    arrivalP50Us: -1,
    arrivalP99Us: -1,
    arrivals: 0,
    maxBehind: -1,
    forgiven: -1,
    sockets: o.sockets,
    templates: templates.length,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`gen-node: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
