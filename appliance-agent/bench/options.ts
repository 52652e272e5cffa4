// `npm run bench` options (see --help and the README's Benchmark section).

import type { GeneratorKind } from "./generator";

export interface Options {
  durationSeconds: number;
  rounds: number;
  sizes: number[];
  flows: number;
  /** GWLB source-port counts, each a configuration of its own (default 64 and 20,000). */
  ports: number[];
  generator: GeneratorKind | "auto";
  agentWorkers: number;
  install: boolean;
  throughput: boolean;
  memory: boolean;
  newFlows: boolean;
  workers: boolean;
  /** Kernel paths also with their returns counted in the kernel at the generator's side. */
  capacity: boolean;
  memoryFlows: number;
  /** net.core.netdev_max_backlog for the run (restored after it); null leaves the machine's. */
  netdevBacklog: number | null;
  /** Move every other task, the unbound workqueues and device interrupts off the appliance's CPU for the run (cpu-isolation.ts). */
  isolateApplianceCpu: boolean;
  quick: boolean;
  json: string | null;
  /** Print the report of an earlier run's --json file instead of measuring. */
  reportFrom: string | null;
}

export const HELP = `npm run bench -- [options]

Side by side on this machine: the generator's ceiling, the seed's kernel hairpin, the agent with
the kernel fast path (--fast-path nft), the agent without it (--fast-path off) and a bare Node.js
reflector (see appliance-agent/README.md). Needs root, ip, nft, iptables (installed with apt-get
when missing) and gcc.

  --duration <s>        seconds per measurement run (default 3)
  --rounds <n>          rounds per figure; medians are reported (default 3)
  --sizes <list>        inner packet sizes in bytes (default 64,1400)
  --flows <n>           long-lived inner flows (default 1024; at least one per source port)
  --ports <list>        GWLB source-port counts, one configuration each (default 64,20000)
  --generator <kind>    c | node | auto (default auto: C if gcc is available)
  --agent-workers <n>   agent --workers (default 1, pinned to CPU 1; more are not pinned)
  --no-install          do not apt-get install nftables/iptables when missing
  --no-throughput       skip the per-configuration throughput tables (new flows then use 20,000 pps)
  --no-memory           skip the memory runs
  --no-new-flows        skip the new-flows-per-second runs
  --no-workers          skip the worker figures (Node.js 24 from the npm registry, 1 and 2 workers)
  --no-capacity         skip the capacity runs of the kernel paths (returns counted by nft at the
                        generator's side, 1 in 16 received and verified)
  --memory-flows <n>    flows for the memory runs (default 100000)
  --netdev-backlog <n>  net.core.netdev_max_backlog during the run, restored after it (default: the
                        machine's; the bench steers each appliance's receive to CPU 1 through it)
  --share-appliance-cpu leave the machine's other tasks and interrupts where they may run (by
                        default they are moved off CPU 1 for the run and put back after)
  --json <file>         also write every result as JSON
  --report <file>       print the report of an earlier run's --json file (no measuring, no root)
  --quick               --rounds 1 --duration 2
`;

export function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    durationSeconds: 3,
    rounds: 3,
    sizes: [64, 1400],
    flows: 1024,
    ports: [64, 20000],
    generator: "auto",
    agentWorkers: 1,
    install: true,
    throughput: true,
    memory: true,
    newFlows: true,
    workers: true,
    capacity: true,
    memoryFlows: 100_000,
    netdevBacklog: null,
    isolateApplianceCpu: true,
    quick: false,
    json: null,
    reportFrom: null,
  };
  const int = (flag: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new Error(`${flag}: expected an integer in ${min}-${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case "--help":
      case "-h":
        process.stdout.write(HELP);
        process.exit(0);
        break;
      case "--duration": o.durationSeconds = int(flag, argv[++i], 1, 60); break;
      case "--rounds": o.rounds = int(flag, argv[++i], 1, 15); break;
      case "--sizes": o.sizes = (argv[++i] ?? "").split(",").map((s) => int(flag, s, 64, 8500)); break;
      case "--flows": o.flows = int(flag, argv[++i], 1, 65536); break;
      case "--ports": o.ports = (argv[++i] ?? "").split(",").map((s) => int(flag, s, 1, 25000)); break;
      case "--generator": {
        const kind = argv[++i];
        if (kind !== "c" && kind !== "node" && kind !== "auto") throw new Error("--generator: c, node or auto");
        o.generator = kind;
        break;
      }
      case "--agent-workers": o.agentWorkers = int(flag, argv[++i], 1, 16); break;
      case "--no-install": o.install = false; break;
      case "--no-throughput": o.throughput = false; break;
      case "--no-memory": o.memory = false; break;
      case "--no-new-flows": o.newFlows = false; break;
      case "--no-workers": o.workers = false; break;
      case "--no-capacity": o.capacity = false; break;
      case "--memory-flows": o.memoryFlows = int(flag, argv[++i], 1000, 1_000_000); break;
      case "--netdev-backlog": o.netdevBacklog = int(flag, argv[++i], 100, 1_000_000); break;
      case "--share-appliance-cpu": o.isolateApplianceCpu = false; break;
      case "--json": o.json = argv[++i] ?? null; break;
      case "--report": o.reportFrom = argv[++i] ?? null; break;
      case "--quick":
        o.quick = true;
        o.rounds = 1;
        o.durationSeconds = 2;
        break;
      default:
        throw new Error(`unknown option ${flag} (see --help)`);
    }
  }
  return o;
}
