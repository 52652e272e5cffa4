/**
 * The offline main job, `npm start`: synthesize (or read a stack export) -> model -> trace -> check
 * -> draw -> run the data path locally. Each step lives in its own module and runs alone from a test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { JobOptions, USAGE, UsageError, parseJobArgs } from "./cli/args";
import { runLocalDataPath } from "./datapath/runDataPath";
import { ResourceGraph, graphFromRecords } from "./model/resourceGraph";
import { readStackExport } from "./model/stateExport";
import { buildDiagram } from "./render/diagram";
import { drawDiagram } from "./render/draw";
import { formatTraces, tracesAsData } from "./report/traceReport";
import { Synthesis, summarize, synthesize } from "./synthesize";
import { traceGraph } from "./trace/traceGraph";

function inventory(synthesis: Synthesis) {
  const groups = summarize(synthesis.registrations);
  const total = groups.reduce((n, g) => n + g.total, 0) + groups.filter((g) => g.type !== "pulumi:pulumi:Stack").length;
  return { total, groups };
}

function printInventory(synthesis: Synthesis): void {
  const { total, groups } = inventory(synthesis);
  console.log(`Stack "${synthesis.stack}" synthesized offline under Pulumi mocks: a preview would create ${total} resources.\n`);
  for (const g of groups) {
    console.log(`${g.type} "${g.name}"  (${g.total} resources)`);
    for (const [type, count] of Object.entries(g.counts)) console.log(`  ${String(count).padStart(3)}  ${type}`);
    console.log("");
  }
  console.log("Outputs (ids, ARNs and addresses are the mocks' stand-ins):");
  for (const [key, value] of Object.entries(synthesis.outputs)) console.log(`  ${key}: ${JSON.stringify(value)}`);
  console.log("");
}

async function main(options: JobOptions): Promise<number> {
  let graph: ResourceGraph;
  let synthesis: Synthesis | undefined;
  const log = options.json ? (..._: unknown[]) => undefined : (...args: unknown[]) => console.log(...args);
  if (options.stateFile) {
    if (!fs.existsSync(options.stateFile)) throw new UsageError(`--state ${options.stateFile}: no such file`);
    graph = readStackExport(fs.readFileSync(options.stateFile, "utf8"), options.stateFile);
    log(`Read ${graph.resources.length} resources from the stack export ${options.stateFile}.\n`);
  } else {
    try {
      synthesis = await synthesize(options.stack, options.overrides);
    } catch (err) {
      if (pulumi.InputPropertiesError.isInstance(err)) {
        console.error(err.message);
        return 1;
      }
      throw err;
    }
    if (!options.json) printInventory(synthesis);
    graph = graphFromRecords(synthesis.registrations);
  }

  const traced = traceGraph(graph);
  log("== Flows, hop by hop ==\n");
  log(formatTraces(traced, options.allCases));

  let drawing: Awaited<ReturnType<typeof drawDiagram>> | undefined;
  if (options.draw) {
    const title = synthesis ? `stack ${synthesis.stack} (synthesized offline)` : `stack export ${path.basename(options.stateFile!)}`;
    drawing = await drawDiagram(buildDiagram(traced, title), options.outDir);
    log(`\n== Picture ==\n\n${Object.values(drawing).map((f) => `  ${path.relative(process.cwd(), f)}`).join("\n")}`);
  }

  const datapath = options.datapath ? await runLocalDataPath(traced, { log, mode: options.datapathMode }) : undefined;

  if (options.json) {
    const data = {
      source: synthesis ? { stack: synthesis.stack } : { stateFile: options.stateFile },
      inventory: synthesis ? { ...inventory(synthesis), outputs: synthesis.outputs } : { resources: graph.resources.length },
      ...tracesAsData(traced),
      drawing,
      datapath,
    };
    console.log(JSON.stringify(data, null, 2));
  }
  const datapathOk = datapath === undefined || datapath.ok;
  return traced.failures.length === 0 && datapathOk ? 0 : 1;
}

let options: JobOptions;
try {
  options = parseJobArgs(process.argv.slice(2));
} catch (err) {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
// npm runs scripts from the package root; paths on the command line are the user's, from INIT_CWD.
const userDir = process.env.INIT_CWD ?? process.cwd();
options = {
  ...options,
  stateFile: options.stateFile === undefined ? undefined : path.resolve(userDir, options.stateFile),
  outDir: path.resolve(userDir, options.outDir),
};
main(options).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
