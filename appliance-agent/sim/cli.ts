// `npm run agent:sim -- [options]`: plays the GWLB against a running agent on loopback and
// reports how many datagrams came back byte-identical with the right ports.

import { parseIpv4 } from "../../common/cidr";
import { buildDatagram, DatagramSpec, TCP_ACK, TCP_SYN } from "./packets";
import { ExchangeItem, GwlbSimulator } from "./simulator";

interface SimArgs {
  agent: string;
  agentPort: number;
  gwlb: string;
  returnPort: number;
  sourcePorts: number;
  flows: number;
  packets: number;
  size: number;
  protocols: Array<"tcp" | "udp" | "icmp">;
  families: Array<4 | 6>;
  timeoutMs: number;
}

const HELP = `gwlb-sim: GWLB simulator for the appliance agent (loopback only)

usage: npm run agent:sim -- [options]

  --agent <address[:port]>  agent's GENEVE address (default 127.0.0.2:6081)
  --gwlb <address>          address the simulated GWLB sends from and receives on (default 127.0.0.1)
  --return-port <port>      port returns are expected on (default 6081)
  --source-ports <n>        distinct GWLB source ports (default 16)
  --flows <n>               distinct inner flows, spread over the source ports (default 64)
  --packets <n>             packets per flow (default 4; TCP flows start with a SYN)
  --size <bytes>            inner IP packet length, 64-8500 (default 64)
  --protocols <list>        comma-separated tcp,udp,icmp (default all)
  --families <list>         comma-separated 4,6 (default both)
  --timeout-ms <ms>         how long to wait for returns (default 3000)

Prints a JSON summary; exits 0 when every datagram came back identical from the right port.
`;

function parseArgs(argv: readonly string[]): SimArgs {
  const args: SimArgs = {
    agent: "127.0.0.2",
    agentPort: 6081,
    gwlb: "127.0.0.1",
    returnPort: 6081,
    sourcePorts: 16,
    flows: 64,
    packets: 4,
    size: 64,
    protocols: ["tcp", "udp", "icmp"],
    families: [4, 6],
    timeoutMs: 3000,
  };
  const integer = (flag: string, text: string, min: number, max: number): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) throw new Error(`${flag}: ${JSON.stringify(text)} is not an integer between ${min} and ${max}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") {
      process.stdout.write(HELP);
      process.exit(0);
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case "--agent": {
        const [address, port] = value.split(":");
        args.agent = address;
        if (port !== undefined) args.agentPort = integer(flag, port, 1, 65535);
        break;
      }
      case "--gwlb":
        args.gwlb = value;
        break;
      case "--return-port":
        args.returnPort = integer(flag, value, 1, 65535);
        break;
      case "--source-ports":
        args.sourcePorts = integer(flag, value, 1, 4096);
        break;
      case "--flows":
        args.flows = integer(flag, value, 1, 1_000_000);
        break;
      case "--packets":
        args.packets = integer(flag, value, 1, 10_000);
        break;
      case "--size":
        args.size = integer(flag, value, 64, 8500);
        break;
      case "--protocols":
        args.protocols = value.split(",").map((p) => {
          if (p !== "tcp" && p !== "udp" && p !== "icmp") throw new Error(`--protocols: ${JSON.stringify(p)} is not tcp, udp or icmp`);
          return p;
        });
        break;
      case "--families":
        args.families = value.split(",").map((f) => {
          if (f !== "4" && f !== "6") throw new Error(`--families: ${JSON.stringify(f)} is not 4 or 6`);
          return Number(f) as 4 | 6;
        });
        break;
      case "--timeout-ms":
        args.timeoutMs = integer(flag, value, 1, 600_000);
        break;
      default:
        throw new Error(`unknown option ${flag} (see --help)`);
    }
  }
  for (const [what, address] of [["--agent", args.agent], ["--gwlb", args.gwlb]] as const) {
    const value = parseIpv4(address);
    if (value < 0 || value >>> 24 !== 127) throw new Error(`${what}: ${address} is not a loopback address (127.0.0.0/8)`);
  }
  return args;
}

/** The i-th flow's datagram spec: documentation-range inner addresses, never sent anywhere. */
export function flowSpec(i: number, packet: number, args: Pick<SimArgs, "protocols" | "families" | "size">): DatagramSpec {
  const protocol = args.protocols[i % args.protocols.length];
  const family = args.families[Math.floor(i / args.protocols.length) % args.families.length];
  const host = i % 65536;
  const src = family === 4 ? `198.18.${host >> 8}.${host & 255}` : `2001:db8::1:${host.toString(16)}`;
  const dst = family === 4 ? "10.10.21.100" : "2001:db8::a0a:1564";
  return {
    inner: {
      src,
      dst,
      protocol,
      srcPort: 20000 + (i % 40000),
      dstPort: protocol === "tcp" ? 443 : 53,
      tcpFlags: packet === 0 ? TCP_SYN : TCP_ACK,
      icmpId: i % 65536,
      icmpSeq: packet,
      totalLength: Math.max(args.size, protocol === "tcp" ? (family === 4 ? 40 : 60) : family === 4 ? 28 : 48),
    },
    geneve: { endpointId: 0x0123456789abcdefn, attachmentId: 0n, flowCookie: (0xc0000000 + i) >>> 0 },
  };
}

async function run(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const sim = await GwlbSimulator.start({
    gwlbAddress: args.gwlb,
    agentAddress: args.agent,
    agentPort: args.agentPort,
    returnPort: args.returnPort,
    sourcePortCount: args.sourcePorts,
  });
  try {
    const ports = sim.sourcePorts;
    const items: ExchangeItem[] = [];
    for (let packet = 0; packet < args.packets; packet++) {
      for (let flow = 0; flow < args.flows; flow++) {
        items.push({ sourcePort: ports[flow % ports.length], datagram: buildDatagram(flowSpec(flow, packet, args)).datagram });
      }
    }
    const started = Date.now();
    const report = await sim.exchange(items, { timeoutMs: args.timeoutMs });
    const summary = {
      sent: report.sent,
      returned: report.returned.length,
      missing: report.missing.length,
      mismatched: report.mismatched.length,
      mismatchReasons: [...new Set(report.mismatched.map((m) => m.reason))].slice(0, 5),
      sourcePorts: ports.length,
      elapsedMs: Date.now() - started,
    };
    process.stdout.write(JSON.stringify(summary) + "\n");
    return report.missing.length === 0 && report.mismatched.length === 0 ? 0 : 1;
  } finally {
    await sim.close();
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`gwlb-sim: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
