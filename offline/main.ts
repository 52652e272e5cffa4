/**
 * The offline main job: `npm start -- [STACK] [--set key=value]... [--json]`.
 *
 * Synthesizes a stack (default "dev") by running the real index.ts under the Pulumi mock runtime and
 * prints what a preview would create, grouped by component and type, and the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { summarize, synthesize } from "./synthesize";

const USAGE = `usage: npm start -- [STACK] [--set KEY=VALUE]... [--json]

  STACK            stack to synthesize; reads Pulumi.STACK.yaml (default: dev)
  --set KEY=VALUE  override a config key for this run; VALUE is parsed as JSON when it can be
                   (--set eastWest=inspect --set 'spokes=[{"name":"app01","cidrBlock":"10.10.0.0/16"}]')
  --json           print the summary, every resource and the outputs as JSON
  --help           this text`;

function parseArgs(argv: string[]): { stack: string; overrides: Record<string, unknown>; json: boolean } {
  let stack = "dev";
  let json = false;
  const overrides: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "--json") {
      json = true;
    } else if (arg === "--set") {
      const pair = argv[++i];
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq <= 0) throw new Error(`--set needs KEY=VALUE, got ${pair === undefined ? "nothing" : `"${pair}"`}`);
      const text = pair.slice(eq + 1);
      let value: unknown = text;
      try {
        value = JSON.parse(text);
      } catch {
        // not JSON: keep the plain string
      }
      overrides[pair.slice(0, eq)] = value;
    } else if (arg.startsWith("-")) {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    } else {
      stack = arg;
    }
  }
  return { stack, overrides, json };
}

async function main(): Promise<number> {
  const { stack, overrides, json } = parseArgs(process.argv.slice(2));
  let synthesis;
  try {
    synthesis = await synthesize(stack, overrides);
  } catch (err) {
    if (pulumi.InputPropertiesError.isInstance(err)) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const groups = summarize(synthesis.registrations);
  const total = groups.reduce((n, g) => n + g.total, 0) + groups.filter((g) => g.type !== "pulumi:pulumi:Stack").length;
  if (json) {
    const resources = synthesis.registrations.map((r) => ({ type: r.type, name: r.name, parent: r.parentUrn, inputs: r.inputs }));
    console.log(JSON.stringify({ stack, resources: total, components: groups, outputs: synthesis.outputs, registrations: resources }, null, 2));
    return 0;
  }
  console.log(`Stack "${stack}" synthesized offline under Pulumi mocks: a preview would create ${total} resources.\n`);
  for (const g of groups) {
    console.log(`${g.type} "${g.name}"  (${g.total} resources)`);
    for (const [type, count] of Object.entries(g.counts)) console.log(`  ${String(count).padStart(3)}  ${type}`);
    console.log("");
  }
  console.log("Outputs (ids, ARNs and addresses are the mocks' stand-ins):");
  for (const [key, value] of Object.entries(synthesis.outputs)) console.log(`  ${key}: ${JSON.stringify(value)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
