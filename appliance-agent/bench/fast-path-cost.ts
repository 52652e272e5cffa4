// Where the fast path's kernel time goes. The agent decides the benchmark's flows once and is
// stopped with SIGINT, which leaves its table and elements in place; then the same offered rate
// is sent through that table with one stage at a time taken out of its chains, through a bare
// netdev forward (the floor of forwarding from the ingress hook), and through the kernel
// hairpin, each variant in every round, and the medians of appliance CPU per packet are compared.
// A variant is a measurement aid only: it proves less than the agent's table does.
//
//   npm run bench:fast-path-cost [-- --rate 400000 --rounds 5 --ports 64 --size 64 --seconds 2 --flood]
//
// With --flood the generator sends as fast as it can and the returns are counted and dropped at
// its side (bench/return-sink.ts), so CPU 1 saturates; a last variant then measures the agent's
// table with the agent running (restarted, its flows learned again), which the other variants
// are not.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FAST_PATH_TABLE } from "../src/dataplane/fast-path-elements";
import { AgentProcess, buildBundle } from "./agent-process";
import { Generator, compileCHelper, lossFraction } from "./generator";
import { AGENT_NS, AGENT_PATH, BenchNetwork, KERNEL_PATH, REFLECTOR_PATH } from "./netns";
import { ReturnSink } from "./return-sink";
import { GENERATOR_CPU, Measurer } from "./search";
import { killChildren, median, pinSelf, run } from "./sys";
import { TargetContext, startAgent } from "./targets";
import { dataTemplates, writeTemplates } from "./templates";

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(process.argv[at + 1])}`);
  return value;
}

const rate = option("--rate", 400_000);
const rounds = option("--rounds", 5);
const ports = option("--ports", 64);
const size = option("--size", 64);
const seconds = option("--seconds", 2);
const flood = process.argv.includes("--flood");
/** As in `npm run bench`: 1,024 long-lived flows, or one per port when there are more ports. */
const flows = Math.max(1024, ports);

/** A scratch table of the measurement's own, ahead of the agent's chain on the same hook. */
const FLOOR_TABLE = "gwlb_cost_floor";

function nft(script: string, dir: string): void {
  const file = path.join(dir, "variant.nft");
  writeFileSync(file, script);
  run("ip", ["netns", "exec", AGENT_NS, "nft", "-f", file]);
}

function listChain(name: string): string[] {
  const text = run("ip", ["netns", "exec", AGENT_NS, "nft", "list", "chain", "netdev", FAST_PATH_TABLE, name]);
  const body = text.split(`chain ${name} {`)[1]?.split("\n\t}")[0];
  if (body === undefined) throw new Error(`fast-path-cost: chain ${name} not found in the agent's table`);
  return body.split("\n").map((line) => line.trim()).filter((line) => line.length > 0 && !line.startsWith("type "));
}

/** Replaces a chain's rules (an nft script fragment). */
function chainScript(name: string, rules: readonly string[]): string {
  return [`flush chain netdev ${FAST_PATH_TABLE} ${name}`, ...rules.map((rule) => `add rule netdev ${FAST_PATH_TABLE} ${name} ${rule}`), ""].join("\n");
}

interface Variant {
  readonly name: string;
  /** The nft script that sets it up; null: the hairpin, which has no table. */
  readonly script: string | null;
  /** Measured with the agent running (started before, stopped after with its table left in place). */
  readonly withAgent?: boolean;
}

/** Outer IP length . UDP length . inner IPv4 length for every inner IPv4 packet a 1,500-byte MTU carries (the benchmark's veths). */
function lengthTriples4(): string[] {
  const innerAt = 48;
  const out: string[] = [];
  for (let udp = innerAt + 28; udp + 20 <= 1500; udp++) out.push(`${udp + 20} . ${udp} . ${udp - innerAt}`);
  return out;
}

/** The variants, built from the chains the agent installed (`bank`: the chain its endpoint's datagrams jump to, `endpoint`: its id). */
function variants(bank: string, endpoint: string): Variant[] {
  const geneve = listChain("geneve");
  const flows = listChain(bank);
  const allow = listChain("allow");
  const restore = chainScript(bank, flows) + chainScript("geneve", geneve);
  const swap = allow[0]?.slice(allow[0].indexOf("@nh,128,32 set"));
  if (swap === undefined || !swap.includes("fwd")) throw new Error(`fast-path-cost: unexpected allow chain ${JSON.stringify(allow)}`);
  const lengths = / @nh,16,16 \. @th,32,16 \. @th,400,16 @len4/;
  const endpointMap = / @th,160,64 vmap @in4$/;
  if (!lengths.test(geneve[0]) || !endpointMap.test(geneve[0])) throw new Error(`fast-path-cost: unexpected geneve chain ${JSON.stringify(geneve)}`);
  // A rule of the bank chain is its protocol guard, then the key (inner source first, as is or reversed).
  const guards = [...new Set(flows.map((rule) => rule.split(/ @th,(?:480|512),32 \. /)[0]))];
  return [
    { name: "hairpin (iptables NAT)", script: null },
    { name: "agent's table", script: restore },
    { name: "  without the timeout update", script: restore + chainScript(bank, flows.map((rule) => rule.replace(/ update @\S+ \{[^}]*\}/, ""))) },
    { name: "  without the flow lookup", script: restore + chainScript(bank, guards.map((guard) => `${guard} goto allow`)) },
    { name: "  without the length lookup", script: restore + chainScript("geneve", [geneve[0].replace(lengths, ""), ...geneve.slice(1)]) },
    { name: "  endpoint map as a jump", script: restore + chainScript("geneve", [geneve[0].replace(endpointMap, ` jump ${bank}`), ...geneve.slice(1)]) },
    {
      // One lookup instead of two: the endpoint's map keyed by its id and the length triple.
      name: "  lengths in the endpoint map",
      script:
        restore +
        `table netdev ${FAST_PATH_TABLE} { map merged4 { typeof @th,160,64 . @nh,16,16 . @th,32,16 . @th,400,16 : verdict; elements = { ${lengthTriples4()
          .map((triple) => `${endpoint} . ${triple} : jump ${bank}`)
          .join(", ")} }; }; }\n` +
        chainScript("geneve", [geneve[0].replace(lengths, "").replace(endpointMap, " @th,160,64 . @nh,16,16 . @th,32,16 . @th,400,16 vmap @merged4"), ...geneve.slice(1)]),
    },
    {
      name: "netdev forward only",
      script: [
        `table netdev ${FLOOR_TABLE} {`,
        `  chain ingress {`,
        `    type filter hook ingress device ${JSON.stringify(AGENT_PATH.applianceDev)} priority -400; policy accept;`,
        `    ip daddr ${AGENT_PATH.appliance} udp dport 6081 ${swap}`,
        `  }`,
        `}`,
        "",
      ].join("\n"),
    },
    ...(flood ? [{ name: "agent's table, agent running", script: restore, withAgent: true }] : []),
  ];
}

async function main(): Promise<void> {
  pinSelf(GENERATOR_CPU);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "gwlbbench-cost-"));
  const network = new BenchNetwork();
  const cleanup = (): void => {
    killChildren();
    network.destroy();
    rmSync(scratch, { recursive: true, force: true });
  };
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  const status = network.create({ installIptables: true, cpus: 2 });
  if (!status.namespaces || !status.hairpin) throw new Error(`fast-path-cost needs root, namespaces and the hairpin: ${status.notes.join("; ")}`);
  const generator = compileCHelper(scratch);
  const measurer = new Measurer(new Generator("c", generator.binary), GENERATOR_CPU);
  const { bundle } = await buildBundle(scratch);
  const context: TargetContext = { bundle, dir: scratch, agentPath: AGENT_PATH, reflectorPath: REFLECTOR_PATH, workers: 1, cpus: "1" };
  const templates = path.join(scratch, "templates.bin");
  writeTemplates(templates, dataTemplates({ innerLength: size, flows, sockets: ports }));

  // The agent decides every flow (its returns teach the table), then leaves the table behind.
  const warmAgent = async (): Promise<AgentProcess> => {
    const agent = await startAgent(context, "fast");
    await measurer.measure(AGENT_PATH, { templates, sockets: ports, rate: 50_000, seconds: 2 }, agent.pid);
    return agent;
  };
  await (await warmAgent()).stop();
  const endpoints = run("ip", ["netns", "exec", AGENT_NS, "nft", "list", "map", "netdev", FAST_PATH_TABLE, "in4"]);
  const [, endpoint, bank] = /(0x[0-9a-f]+) : jump (in4_\d+)/.exec(endpoints) ?? [];
  if (bank === undefined || endpoint === undefined) throw new Error("fast-path-cost: the agent installed no endpoint bank (no flow was decided)");

  const all = variants(bank, endpoint);
  const sinks = new Map(flood ? [AGENT_PATH, KERNEL_PATH].map((at) => [at, new ReturnSink(at)]) : []);
  for (const sink of sinks.values()) sink.install();
  const results = new Map(all.map((variant) => [variant.name, [] as { us: number; loss: number; pps: number }[]]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of round % 2 === 0 ? all : [...all].reverse()) {
      const agent = variant.withAgent === true ? await warmAgent() : null;
      if (variant.script !== null) nft(variant.script, scratch);
      const to = variant.script === null ? KERNEL_PATH : AGENT_PATH;
      const measured = await measurer.measure(to, { templates, sockets: ports, rate: flood ? 0 : rate, seconds, sink: flood ? sinks.get(to) : undefined }, agent?.pid ?? null);
      await agent?.stop();
      nft(`table netdev ${FLOOR_TABLE}\ndelete table netdev ${FLOOR_TABLE}\n`, scratch);
      results.get(variant.name)?.push({ us: measured.applianceUsPerPacket, loss: lossFraction(measured.result), pps: measured.result.deliveredPps });
    }
  }
  const hairpin = median(results.get(all[0].name)?.map((r) => r.us) ?? []);
  const offered = flood ? "a flood (returns counted at the generator's side)" : `${rate.toLocaleString("en-US")} pps offered`;
  const lines = [`appliance CPU per packet at ${offered}, ${size} B inner, ${flows.toLocaleString("en-US")} flows over ${ports.toLocaleString("en-US")} ports, ${rounds} rounds of ${seconds} s (median; hairpin / variant):`];
  for (const [name, rows] of results) {
    const us = median(rows.map((r) => r.us));
    const worstLoss = Math.max(...rows.map((r) => r.loss));
    const pps = Math.round(median(rows.map((r) => r.pps))).toLocaleString("en-US");
    lines.push(`  ${name.padEnd(30)} ${us.toFixed(2)} us  ${(hairpin / us).toFixed(2)}x  ${pps} pps delivered  loss <= ${(worstLoss * 100).toFixed(2)}%  (rounds ${rows.map((r) => r.us.toFixed(2)).join(", ")})`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
