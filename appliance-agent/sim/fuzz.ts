// The fuzz command: hostile datagrams (mutate.ts) at the BUILT agent bundle on loopback, in
// batches; after each batch the agent must be alive, healthy, have read every datagram (or the
// kernel counted it dropped), return a valid probe byte for byte, and keep its RSS bounded.
//   npm run agent:fuzz -- --count 1000000 --seed 1 [--batch 1000]
import { ChildProcess, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildAgentBundle } from "../build";
import { Random, mutate, seedDatagrams } from "./mutate";
import { buildDatagram } from "./packets";

export interface FuzzOptions {
  count: number;
  seed: number;
  batch?: number;
  /** Peak RSS allowed, as a multiple of the RSS after the first batch. */
  rssFactor?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  sent: number;
  batches: number;
  packetsIn: number;
  packetsOut: number;
  kernelDrops: number;
  returned: number;
  drops: Record<string, number>;
  unclassified: Record<string, number>;
  byMutator: Record<string, number>;
  rssFirstMiB: number;
  rssMaxMiB: number;
}

// Per process, so a CI run and a long manual run never share an address.
const GWLB = `127.77.${process.pid % 250}.1`;
const AGENT = `127.77.${process.pid % 250}.2`;

function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: urlPath, timeout: 3000, agent: false }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
  });
}

function samples(text: string, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = new RegExp(`^${prefix}\\{reason="([a-z_0-9]+)"\\} (\\d+)$`).exec(line);
    if (match !== null && Number(match[2]) > 0) out[match[1]] = Number(match[2]);
  }
  return out;
}

function value(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
  return match === null ? 0 : Number(match[1]);
}

function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match === null ? 0 : Number(match[1]) / 1024;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined);
  const batch = options.batch ?? 1000;
  const dir = mkdtempSync(path.join(tmpdir(), "gwlb-fuzz-"));
  const { outfile } = await buildAgentBundle(path.join(dir, "appliance-agent.js"));
  const returns = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => returns.bind(0, GWLB, () => resolve()));
  const sender = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => sender.bind(0, GWLB, () => resolve()));
  const policy = path.join(dir, "policy.json");
  // Allow and fail open: the most code runs, and everything well formed comes back.
  writeFileSync(policy, JSON.stringify({ defaultAction: "allow", failMode: "open", rules: [{ name: "deny-telnet", action: "deny", protocol: "tcp", destination: { ports: 23 } }] }));
  const health = 20000 + (process.pid % 20000);
  const metricsPort = health + 1;
  const child: ChildProcess = spawn(process.execPath, [outfile, "--config", policy, "--listen-address", AGENT, "--gwlb-cidrs", `${GWLB}/32`,
    "--gwlb-port", String(returns.address().port), "--health-address", "127.0.0.1", "--health-port", String(health), "--metrics-port", String(metricsPort),
    "--workers", "1", "--fast-path", "off", "--max-flows", "100000"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const fail = (why: string): never => {
    throw new Error(`${why}; agent stderr tail:\n${stderr}`);
  };
  const probe = buildDatagram({ inner: { src: "198.51.100.250", dst: "10.0.0.250", protocol: "udp", srcPort: 65000, dstPort: 65001, payload: 32 } }).datagram;
  let probeBack: (() => void) | null = null;
  let returned = 0;
  returns.on("message", (message) => {
    returned++;
    if (probeBack !== null && message.equals(probe)) probeBack();
  });
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) fail(`agent exited with ${child.exitCode}`);
      if (i > 200) fail("agent did not become healthy");
      const answer = await get(health, "/health").catch(() => null);
      if (answer?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const random = new Random(options.seed);
    const seeds = seedDatagrams();
    const byMutator: Record<string, number> = {};
    let sent = 0;
    let batches = 0;
    let rssFirst = 0;
    let rssMax = 0;
    let text = "";
    while (sent < options.count) {
      const n = Math.min(batch, options.count - sent);
      for (let i = 0; i < n; i++) {
        const { datagram, mutator } = mutate(random, seeds);
        byMutator[mutator] = (byMutator[mutator] ?? 0) + 1;
        sender.send(datagram, 6081, AGENT);
        // Yield now and then so the agent reads as fast as we write (this is not a load test).
        if (i % 32 === 31) await new Promise((resolve) => setImmediate(resolve));
      }
      sent += n;
      batches++;
      // Every datagram read by the agent or counted as dropped by the kernel.
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (child.exitCode !== null) fail(`agent exited with ${child.exitCode} after ${sent} datagrams`);
        text = (await get(metricsPort, "/metrics")).body;
        if (value(text, "gwlb_agent_packets_in_total") + value(text, "gwlb_agent_socket_receive_drops_total") + 1 >= sent + batches) break;
        if (Date.now() > deadline) fail(`the agent read ${value(text, "gwlb_agent_packets_in_total")} of ${sent + batches - 1} datagrams`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const healthAnswer = await get(health, "/health");
      if (healthAnswer.status !== 200) fail(`health ${healthAnswer.status} ${healthAnswer.body.trim()} after ${sent} datagrams`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => fail(`no probe back after ${sent} datagrams`), 3000);
        probeBack = () => {
          clearTimeout(timer);
          probeBack = null;
          resolve();
        };
        sender.send(probe, 6081, AGENT);
      });
      const rss = rssMiB(child.pid!);
      if (rssFirst === 0) rssFirst = rss;
      rssMax = Math.max(rssMax, rss);
      if (rss > rssFirst * (options.rssFactor ?? 2)) fail(`RSS ${rss.toFixed(1)} MiB, over ${options.rssFactor ?? 2}x the first batch's ${rssFirst.toFixed(1)} MiB`);
      if (batches % 100 === 0) log(`${sent} sent, RSS ${rss.toFixed(1)} MiB`);
    }
    return {
      sent,
      batches,
      packetsIn: value(text, "gwlb_agent_packets_in_total"),
      packetsOut: value(text, "gwlb_agent_packets_out_total"),
      kernelDrops: value(text, "gwlb_agent_socket_receive_drops_total"),
      returned,
      drops: samples(text, "gwlb_agent_drops_total"),
      unclassified: samples(text, "gwlb_agent_unclassified_packets_total"),
      byMutator,
      rssFirstMiB: +rssFirst.toFixed(1),
      rssMaxMiB: +rssMax.toFixed(1),
    };
  } finally {
    child.kill("SIGKILL");
    sender.close();
    returns.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const arg = (name: string, fallback: number): number => {
    const at = process.argv.indexOf(name);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
  };
  runFuzz({ count: arg("--count", 100_000), seed: arg("--seed", 1), batch: arg("--batch", 1000), log: (line) => console.error(line) }).then(
    (report) => console.log(JSON.stringify(report, null, 2)),
    (error: Error) => {
      console.error(`fuzz failed: ${error.message}`);
      process.exit(1);
    },
  );
}
