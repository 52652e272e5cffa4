// The benchmark's capacity runs count returns in the kernel and send with UDP GSO: checked here
// so that their figures are the path's and not the harness's. Every return is counted once (the
// sink's drops plus the generator's verified returns are what was sent, 1 in 16 verified), and a
// GSO send reaches the appliance as single datagrams (its ingress sees one packet per datagram,
// none longer than a datagram). And receive steering puts the appliances' receive on CPU 1 and
// leaves the returns' where they are sent (an IPI to CPU 0 per return would cost CPU 1 more than
// the receive itself: bench/netns.ts). Under a flood no return the appliance sent is refused on
// the way back (they have a receive ring of their own), which they were without it. Runs
// against the benchmark's own kernel hairpin.
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Generator, GeneratorResult, compileCHelper, invalidReturns } from "../../../appliance-agent/bench/generator";
import { AGENT_PATH, APPLIANCE_RECEIVE_CPUS, BenchNetwork, GWLB_NS, KERNEL_NS, KERNEL_PATH, receiveSteering, steerReceive } from "../../../appliance-agent/bench/netns";
import { KEEP_ONE_IN, ReturnSink, withSunkReturns } from "../../../appliance-agent/bench/return-sink";
import { GENERATOR_CPU, Measurer, PORT_BASE } from "../../../appliance-agent/bench/search";
import { run, which } from "../../../appliance-agent/bench/sys";
import { dataTemplates, writeTemplates } from "../../../appliance-agent/bench/templates";
import { netnsUnavailable } from "../support/netns";

const SOCKETS = 64;
/** The hairpin's device toward the generator, in its namespace. */
const APPLIANCE_DEV = KERNEL_PATH.applianceDev!;

function unavailable(): string | null {
  const reason = netnsUnavailable();
  if (reason !== null) return reason;
  for (const tool of ["iptables", "ethtool", "gcc"]) if (which(tool) === null) return `${tool} is not installed (.ci/run installs it)`;
  return null;
}

describe("bench: the capacity runs' harness (return sink, GSO sends)", function () {
  this.timeout(120_000);
  const reason = unavailable();
  const network = new BenchNetwork();
  let scratch = "";
  let generator: Generator;
  let templates = "";
  /** The UDP payload of every template (all one length). */
  let payloadLength = 0;

  before(function () {
    if (reason !== null) {
      if (process.env.CI === "true") throw new Error(`these tests must run in CI: ${reason}`);
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    scratch = mkdtempSync(path.join(os.tmpdir(), "gwlbbench-test-"));
    const status = network.create({ installIptables: false, cpus: os.cpus().length });
    assert.deepEqual({ hairpin: status.hairpin, segmentsBeforeDevice: status.segmentsBeforeDevice, returnsOwnRing: status.returnsOwnRing }, { hairpin: true, segmentsBeforeDevice: true, returnsOwnRing: true }, status.notes.join("; "));
    const built = compileCHelper(scratch);
    assert.notEqual(built.binary, null, built.note);
    generator = new Generator("c", built.binary);
    templates = path.join(scratch, "templates.bin");
    const written = dataTemplates({ innerLength: 64, flows: 1024, sockets: SOCKETS });
    writeTemplates(templates, written);
    payloadLength = written[0].datagram.length;
  });

  after(() => {
    network.destroy();
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  const send = (rate: number, seconds: number, gso: boolean): Promise<GeneratorResult> =>
    generator.run({ path: KERNEL_PATH, templates, sockets: SOCKETS, rate, durationSeconds: seconds, cpu: -1, portBase: PORT_BASE, gso });

  const hairpinNft = (...args: string[]): string => run("ip", ["netns", "exec", KERNEL_NS, "nft", ...args]);
  const counter = (listing: string, comment: string): number => Number(new RegExp(`counter packets (\\d+) bytes \\d+ comment "${comment}"`).exec(listing)?.[1] ?? NaN);

  it("counts every return once: the sink's drops and the verified returns add up to what was sent", async () => {
    const sink = new ReturnSink(KERNEL_PATH);
    sink.install();
    try {
      const generated = await send(5000, 1, true);
      const dropped = sink.dropped();
      const merged = withSunkReturns(generated, dropped);
      assert.deepEqual(
        { invalid: invalidReturns(generated), verified: generated.received, dropped, lost: merged.lost, received: merged.received },
        { invalid: 0, verified: Math.ceil(generated.sent / KEEP_ONE_IN), dropped: generated.sent - Math.ceil(generated.sent / KEEP_ONE_IN), lost: 0, received: generated.sent },
      );
    } finally {
      sink.remove();
    }
  });

  it("sends with GSO as single datagrams: one ingress packet per datagram, none longer than one", async () => {
    const datagram = 20 + 8 + payloadLength;
    // Receive steering off for this test: each GSO send's datagrams then go through the input
    // backlog of the sending CPU, 64 at most at a time, so none is dropped before the count
    // (a steered flood overflows CPU 1's backlog, and that drop counter counts any packet).
    assert.ok(steerReceive(KERNEL_NS, APPLIANCE_DEV, "0"), "receive steering could not be turned off");
    hairpinNft("add", "table", "netdev", "gwlbbench_check");
    try {
      hairpinNft(
        `add chain netdev gwlbbench_check in { type filter hook ingress device "${APPLIANCE_DEV}" priority -500; }; ` +
          `add rule netdev gwlbbench_check in ip saddr ${KERNEL_PATH.gwlb} udp dport 6081 meta length > ${datagram} counter comment "longer"; ` +
          `add rule netdev gwlbbench_check in ip saddr ${KERNEL_PATH.gwlb} udp dport 6081 counter comment "datagrams"`,
      );
      const dropped0 = rxDropped();
      const generated = await send(0, 0.5, true);
      const listing = hairpinNft("list", "table", "netdev", "gwlbbench_check");
      assert.deepEqual(
        { longer: counter(listing, "longer"), arrived: counter(listing, "datagrams"), dropped: rxDropped() - dropped0, batched: generated.sendCalls * 8 < generated.sent },
        { longer: 0, arrived: generated.sent, dropped: 0, batched: true },
      );
    } finally {
      hairpinNft("delete", "table", "netdev", "gwlbbench_check");
      steerReceive(KERNEL_NS, APPLIANCE_DEV, APPLIANCE_RECEIVE_CPUS);
    }
  });

  it("steers each appliance's receive to CPU 1 and leaves the returns' on the CPU that sent them", function () {
    if (os.cpus().length < 2) this.skip();
    assert.deepEqual(
      [AGENT_PATH, KERNEL_PATH].map((p) => ({ appliance: receiveSteering(p.applianceNs!, p.applianceDev!), generator: receiveSteering(GWLB_NS, p.generatorDev!) })),
      [AGENT_PATH, KERNEL_PATH].map(() => ({ appliance: 2, generator: 0 })),
    );
  });

  it("refuses no return under a flood, as the shared input backlog did without the returns' own ring", async function () {
    if (os.cpus().length < 2) this.skip();
    const measurer = new Measurer(generator, GENERATOR_CPU);
    const sink = new ReturnSink(KERNEL_PATH);
    sink.install();
    const flood = async (): Promise<{ overflowed: boolean; refused: boolean }> => {
      const m = await measurer.measure(KERNEL_PATH, { templates, sockets: SOCKETS, rate: 0, seconds: 1, sink }, null);
      return { overflowed: m.applianceBacklogDrops > 0, refused: m.returnsRefused > 0 };
    };
    try {
      const ownRing = await flood();
      run("ip", ["netns", "exec", GWLB_NS, "ethtool", "-K", KERNEL_PATH.generatorDev!, "gro", "off"]);
      let shared: { overflowed: boolean; refused: boolean };
      try {
        shared = await flood();
      } finally {
        run("ip", ["netns", "exec", GWLB_NS, "ethtool", "-K", KERNEL_PATH.generatorDev!, "gro", "on"]);
      }
      assert.deepEqual({ ownRing, shared }, { ownRing: { overflowed: true, refused: false }, shared: { overflowed: true, refused: true } });
    } finally {
      sink.remove();
    }
  });

  /** Packets the hairpin's device dropped on receive (a full input backlog), before its ingress hook. */
  function rxDropped(): number {
    return Number(run("ip", ["netns", "exec", KERNEL_NS, "cat", `/sys/class/net/${APPLIANCE_DEV}/statistics/rx_dropped`]).trim());
  }
});
