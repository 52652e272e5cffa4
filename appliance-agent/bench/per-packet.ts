// The agent's own code per datagram, without sockets: Forwarder.handle (source check, GENEVE and
// inner parse, flow lookup, cached verdict, counters, the return socket's lookup and LRU touch)
// on the benchmark's 64 B datagrams, its return sockets stand-ins that count what they are given
// to send, beside what the bare reflector does per datagram in JavaScript (two Map lookups). Their difference is what the agent's slow path adds
// to Node.js's receive and send, which `npm run bench` measures with the sockets.
//
//   npm run bench:per-packet [-- --flows 1024 --ports 64 --rounds 7 --packets 2000000]

import { parseCidr, type Cidr } from "../../common/cidr";
import { defaultSettings } from "../src/control/settings";
import { loadDocument } from "../src/control/load-document";
import { FlowLogger } from "../src/dataplane/flow-log";
import { Forwarder } from "../src/dataplane/forwarder";
import type { ReturnSocketLike } from "../src/dataplane/return-sockets";
import { BENCH_POLICY } from "./agent-process";
import { positiveIntegerOption as option } from "./argv";
import { AGENT_PATH } from "./netns";
import { PORT_BASE } from "./search";
import { median } from "./sys";
import { dataTemplates } from "./templates";

const flows = option("--flows", 1024);
const ports = option("--ports", 64);
const rounds = option("--rounds", 7);
const packets = option("--packets", 2_000_000);
const gwlb = AGENT_PATH.gwlb;

const settings = { ...defaultSettings(), listenAddress: AGENT_PATH.appliance, gwlbCidrs: [parseCidr(`${gwlb}/32`) as Cidr], workers: 1 };
let returned = 0;
/** A return socket that binds and connects at once and counts what it would send. */
const countingSocket = (): ReturnSocketLike => ({
  bind: (_options, done) => done(),
  connect: (_port, _address, done) => done(),
  send: () => void returned++,
  close: () => undefined,
  on: () => undefined,
});
const forwarder = new Forwarder({ settings, workerId: 0, bindMode: "exclusive", flowLogger: new FlowLogger(false, 0), createReturnSocket: countingSocket });
forwarder.setPolicy(loadDocument(JSON.stringify(BENCH_POLICY), "benchmark policy").policy, 1);

const templates = dataTemplates({ innerLength: 64, flows, sockets: ports });
const datagrams = templates.map((t) => t.datagram);
const sourcePorts = templates.map((t) => PORT_BASE + t.socket);
const reflectorSockets = new Map([[gwlb, new Map(sourcePorts.map((port) => [port, port]))]]);

/** Nanoseconds per datagram over `packets` datagrams, cycling through the templates. */
function timeLoop(perDatagram: (index: number) => number): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let n = 0; n < packets; n++) sink += perDatagram(n % datagrams.length);
  const ns = Number(process.hrtime.bigint() - started) / packets;
  if (sink === -1) process.stdout.write("");
  return ns;
}

const agent = (i: number): number => forwarder.handle(datagrams[i], gwlb, sourcePorts[i]);
const reflector = (i: number): number => reflectorSockets.get(gwlb)?.get(sourcePorts[i]) ?? 0;
const agentNs: number[] = [];
const reflectorNs: number[] = [];
for (let round = 0; round < rounds; round++) {
  agentNs.push(timeLoop(agent));
  reflectorNs.push(timeLoop(reflector));
}
const snapshot = forwarder.snapshot();
const dropped = snapshot.drops.reduce((a, b) => a + b, 0);
process.stdout.write(
  [
    `per datagram, ${flows} flows over ${ports} GWLB source ports, 64 B inner, ${packets.toLocaleString("en-US")} datagrams x ${rounds} rounds, Node ${process.version}:`,
    `  agent (Forwarder.handle, no sockets): median ${median(agentNs).toFixed(1)} ns (rounds ${agentNs.map((x) => x.toFixed(0)).join(", ")})`,
    `  reflector's JavaScript (Map lookups): median ${median(reflectorNs).toFixed(1)} ns (rounds ${reflectorNs.map((x) => x.toFixed(0)).join(", ")})`,
    `  checks: ${returned.toLocaleString("en-US")} returned, ${dropped} dropped, ${snapshot.activeFlows} flows in the table`,
    "",
  ].join("\n"),
);
void forwarder.stop();
