/** The offline job's command line, parsed into options (pure, so tests can check every error). */

export const USAGE = `usage: npm start -- [STACK] [--set KEY=VALUE]... [--state FILE] [--json] [--out DIR]
                  [--all-cases] [--datapath auto|namespaces|simulated] [--no-datapath] [--no-draw]

  STACK            stack to synthesize; reads Pulumi.STACK.yaml (default: dev)
  --set KEY=VALUE  override a config key for this run; VALUE is parsed as JSON when it can be
                   (--set eastWest=inspect --set 'spokes=[{"name":"app01","cidrBlock":"10.10.0.0/16"}]')
  --state FILE     trace a deployed stack instead: FILE is \`pulumi stack export\` output (version 3)
  --json           print the inventory, the traces and the checks as JSON
  --out DIR        where the picture goes (default: out): topology.mmd, topology.dot, topology.svg, topology.png
  --all-cases      print every case of AWS's choices, not one per first choice
  --datapath MODE  how the local data path runs: namespaces (real TCP in network namespaces, needs
                   root), simulated (the same bytes in simulated packets on loopback), or auto
                   (namespaces as root, else simulated; the default)
  --no-datapath    skip running the agent on the local data path
  --no-draw        skip the picture
  --help           this text

Exit codes: 0 when every check passes, 1 when a check fails (or the stack is invalid), 2 on bad input.`;

export interface JobOptions {
  readonly stack: string;
  readonly overrides: Record<string, unknown>;
  readonly stateFile?: string;
  readonly json: boolean;
  readonly outDir: string;
  readonly allCases: boolean;
  readonly datapath: boolean;
  readonly datapathMode: "auto" | "namespaces" | "simulated";
  readonly draw: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {}

export function parseJobArgs(argv: readonly string[]): JobOptions {
  let stack: string | undefined;
  let stateFile: string | undefined;
  let outDir = "out";
  let datapathMode: JobOptions["datapathMode"] = "auto";
  const flags = { json: false, allCases: false, datapath: true, draw: true, help: false };
  const overrides: Record<string, unknown> = {};
  const value = (i: number, option: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${option} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") flags.help = true;
    else if (arg === "--json") flags.json = true;
    else if (arg === "--all-cases") flags.allCases = true;
    else if (arg === "--no-datapath") flags.datapath = false;
    else if (arg === "--no-draw") flags.draw = false;
    else if (arg === "--state") stateFile = value(++i, "--state");
    else if (arg === "--out") outDir = value(++i, "--out");
    else if (arg === "--datapath") {
      const mode = value(++i, "--datapath");
      if (mode !== "auto" && mode !== "namespaces" && mode !== "simulated") throw new UsageError(`--datapath must be auto, namespaces or simulated, got "${mode}"`);
      datapathMode = mode;
    }
    else if (arg === "--set") {
      const pair = argv[++i];
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq <= 0) throw new UsageError(`--set needs KEY=VALUE, got ${pair === undefined ? "nothing" : `"${pair}"`}`);
      const text = pair.slice(eq + 1);
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the plain string
      }
      overrides[pair.slice(0, eq)] = parsed;
    } else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (stack !== undefined) throw new UsageError(`one stack at a time: got "${stack}" and "${arg}"`);
    else stack = arg;
  }
  if (stateFile !== undefined && (stack !== undefined || Object.keys(overrides).length > 0)) {
    throw new UsageError("--state traces an exported stack: it takes no STACK and no --set");
  }
  return { stack: stack ?? "dev", overrides, stateFile, outDir, datapathMode, ...flags };
}
