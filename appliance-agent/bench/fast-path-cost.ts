// Where the fast path's kernel time goes. The agent decides the benchmark's flows once and is
// stopped with SIGINT, which leaves its table and elements in place; then the same offered rate
// is sent through that table with one stage at a time taken out of its chains (and with the
// per-packet timeout update put in, where the agent's polls keep timeouts), through a bare
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
import { ENDPOINT_ID, KEY4, KEY4_REVERSED, LENGTHS4, ipv4LengthTriples } from "../src/control/fast-path-ruleset";
import { FAST_PATH_TABLE } from "../src/dataplane/fast-path-elements";
import { GWLB_OTHER_IDLE_TIMEOUT_SECONDS } from "../../common/contract";
import { AgentProcess, buildBundle } from "./agent-process";
import { CpuIsolation } from "./cpu-isolation";
import { positiveIntegerOption as option } from "./argv";
import { Generator, compileCHelper, lossFraction } from "./generator";
import { AGENT_NS, AGENT_PATH, BenchNetwork, KERNEL_PATH, REFLECTOR_PATH, inNamespace } from "./netns";
import { ReturnSink } from "./return-sink";
import { APPLIANCE_CPU, GENERATOR_CPU, Measurer } from "./search";
import { killChildren, median, pinSelf, run } from "./sys";
import { TargetContext, startAgent } from "./targets";
import { dataTemplates, writeTemplates } from "./templates";

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

/** Runs `command` in the agent's namespace and returns its output. */
function inAgentNs(command: string, args: readonly string[]): string {
  return run(...inNamespace(AGENT_NS, command, args));
}

function nft(script: string, dir: string): void {
  const file = path.join(dir, "variant.nft");
  writeFileSync(file, script);
  inAgentNs("nft", ["-f", file]);
}

function listChain(name: string): string[] {
  const text = inAgentNs("nft", ["list", "chain", "netdev", FAST_PATH_TABLE, name]);
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
  /** The nft script that takes it down after its measurement, when restoring the agent's chains does not. */
  readonly teardown?: string;
  /** Measured with the agent running (started before, stopped after with its table left in place). */
  readonly withAgent?: boolean;
}

/** The protocol guard of a rule of the bank chain: what comes before its key (as is or reversed). */
function guardOf(rule: string): string {
  const at = rule.indexOf(` ${KEY4} `) >= 0 ? rule.indexOf(` ${KEY4} `) : rule.indexOf(` ${KEY4_REVERSED} `);
  if (at < 0) throw new Error(`fast-path-cost: no flow key in ${JSON.stringify(rule)}`);
  return rule.slice(0, at);
}

/**
 * A flow rule of the bank chain with the per-packet timeout refresh that
 * `--fast-path-timeout-refresh packet` renders (the lookup's element given its timeout again).
 */
function withUpdate(rule: string): string {
  for (const key of [KEY4, KEY4_REVERSED]) {
    const at = rule.indexOf(` ${key} @`);
    if (at < 0) continue;
    const nameAt = at + key.length + 3;
    const name = rule.slice(nameAt, rule.indexOf(" ", nameAt));
    const end = nameAt + name.length;
    // The timeout's value does not change what the refresh costs.
    return `${rule.slice(0, end)} update @${name} { ${key} timeout ${GWLB_OTHER_IDLE_TIMEOUT_SECONDS}s }${rule.slice(end)}`;
  }
  throw new Error(`fast-path-cost: no flow key in ${JSON.stringify(rule)}`);
}

/**
 * The variants, built from the chains the agent installed (`bank`: the chain its endpoint's
 * datagrams jump to, `endpoint`: its id, `mtu`: the device's, which sized the agent's `len4`).
 */
function variants(bank: string, endpoint: string, mtu: number): Variant[] {
  const geneve = listChain("geneve");
  const flows = listChain(bank);
  const allow = listChain("allow");
  const restore = chainScript(bank, flows) + chainScript("geneve", geneve);
  const swap = allow[0]?.slice(allow[0].indexOf("@nh,128,32 set"));
  if (swap === undefined || !swap.includes("fwd")) throw new Error(`fast-path-cost: unexpected allow chain ${JSON.stringify(allow)}`);
  const lengths = ` ${LENGTHS4} @len4`;
  const endpointMap = ` ${ENDPOINT_ID} vmap @in4`;
  if (!geneve[0].includes(lengths) || !geneve[0].endsWith(endpointMap)) throw new Error(`fast-path-cost: unexpected geneve chain ${JSON.stringify(geneve)}`);
  const guards = [...new Set(flows.map(guardOf))];
  const mergedMap = `map merged4 { typeof ${ENDPOINT_ID} . ${LENGTHS4} : verdict; elements = { ${ipv4LengthTriples(mtu).map((triple) => `${endpoint} . ${triple} : jump ${bank}`).join(", ")} }; }`;
  return [
    { name: "hairpin (iptables NAT)", script: null },
    { name: "agent's table", script: restore },
    // The agent's table has the per-packet update only where the kernel cannot reset expiries in place.
    flows.some((rule) => rule.includes(" update @"))
      ? { name: "  without the timeout update", script: restore + chainScript(bank, flows.map((rule) => rule.replace(/ update @\S+ \{[^}]*\}/, ""))) }
      : { name: "  with the per-packet timeout update", script: restore + chainScript(bank, flows.map(withUpdate)) },
    { name: "  without the flow lookup", script: restore + chainScript(bank, guards.map((guard) => `${guard} goto allow`)) },
    { name: "  without the length lookup", script: restore + chainScript("geneve", [geneve[0].replace(lengths, ""), ...geneve.slice(1)]) },
    { name: "  endpoint map as a jump", script: restore + chainScript("geneve", [geneve[0].replace(endpointMap, ` jump ${bank}`), ...geneve.slice(1)]) },
    {
      // One lookup instead of two: the endpoint's map keyed by its id and the length triple.
      name: "  lengths in the endpoint map",
      script: `${restore}table netdev ${FAST_PATH_TABLE} { ${mergedMap}; }\n${chainScript("geneve", [geneve[0].replace(lengths, "").replace(endpointMap, ` ${ENDPOINT_ID} . ${LENGTHS4} vmap @merged4`), ...geneve.slice(1)])}`,
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
      teardown: `table netdev ${FLOOR_TABLE}\ndelete table netdev ${FLOOR_TABLE}\n`,
    },
    ...(flood ? [{ name: "agent's table, agent running", script: restore, withAgent: true }] : []),
  ];
}

async function main(): Promise<void> {
  pinSelf(GENERATOR_CPU);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "gwlbbench-cost-"));
  const network = new BenchNetwork();
  const isolation = new CpuIsolation();
  const cleanup = (): void => {
    killChildren();
    isolation.restore();
    network.destroy();
    rmSync(scratch, { recursive: true, force: true });
  };
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  const moved = isolation.isolate(APPLIANCE_CPU);
  if (moved !== null) process.stderr.write(`fast-path-cost: ${moved}\n`);
  const status = network.create({ installIptables: true, cpus: 2 });
  if (!status.namespaces || !status.hairpin || !status.returnsOwnRing) throw new Error(`fast-path-cost needs root, namespaces, the hairpin and the returns on a ring of their own: ${status.notes.join("; ")}`);
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
  const endpoints = inAgentNs("nft", ["list", "map", "netdev", FAST_PATH_TABLE, "in4"]);
  const [, endpoint, bank] = /(0x[0-9a-f]+) : jump (in4_\d+)/.exec(endpoints) ?? [];
  if (bank === undefined || endpoint === undefined) throw new Error("fast-path-cost: the agent installed no endpoint bank (no flow was decided)");

  const mtu = Number(inAgentNs("cat", [`/sys/class/net/${AGENT_PATH.applianceDev}/mtu`]));
  const all = variants(bank, endpoint, mtu);
  const sinks = new Map(flood ? [AGENT_PATH, KERNEL_PATH].map((at) => [at, new ReturnSink(at)]) : []);
  for (const sink of sinks.values()) sink.install();
  const results = new Map(all.map((variant) => [variant.name, [] as { us: number; loss: number; pps: number; refused: number }[]]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of round % 2 === 0 ? all : [...all].reverse()) {
      const agent = variant.withAgent === true ? await warmAgent() : null;
      if (variant.script !== null) nft(variant.script, scratch);
      const to = variant.script === null ? KERNEL_PATH : AGENT_PATH;
      const measured = await measurer.measure(to, { templates, sockets: ports, rate: flood ? 0 : rate, seconds, sink: flood ? sinks.get(to) : undefined }, agent?.pid ?? null);
      await agent?.stop();
      if (variant.teardown !== undefined) nft(variant.teardown, scratch);
      results.get(variant.name)?.push({ us: measured.applianceUsPerPacket, loss: lossFraction(measured.result), pps: measured.result.deliveredPps, refused: measured.returnsRefused });
    }
  }
  const hairpin = median(results.get(all[0].name)?.map((r) => r.us) ?? []);
  const offered = flood ? "a flood (returns counted at the generator's side)" : `${rate.toLocaleString("en-US")} pps offered`;
  const lines = [`appliance CPU per packet at ${offered}, ${size} B inner, ${flows.toLocaleString("en-US")} flows over ${ports.toLocaleString("en-US")} ports, ${rounds} rounds of ${seconds} s (median; hairpin / variant):`];
  for (const [name, rows] of results) {
    const us = median(rows.map((r) => r.us));
    const worstLoss = Math.max(...rows.map((r) => r.loss));
    const pps = Math.round(median(rows.map((r) => r.pps))).toLocaleString("en-US");
    const refused = Math.max(...rows.map((r) => r.refused)).toLocaleString("en-US");
    lines.push(`  ${name.padEnd(36)} ${us.toFixed(2)} us  ${(hairpin / us).toFixed(2)}x  ${pps} pps delivered  loss <= ${(worstLoss * 100).toFixed(2)}%  returns refused <= ${refused}  (rounds ${rows.map((r) => r.us.toFixed(2)).join(", ")})`);
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
