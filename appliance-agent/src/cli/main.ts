#!/usr/bin/env node
// Entry point of the agent and of the bundle. Cluster workers run this same file and branch
// off to the worker loop before any argument is read.

import cluster from "node:cluster";
import { runCommand } from "./run";
import { logEvent } from "../shared/log";
import { runWorkerProcess } from "../control/worker-process";

if (cluster.isWorker) {
  runWorkerProcess();
} else {
  runCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      logEvent("error", "agent crashed", { error: String(error) });
      process.exit(1);
    },
  );
}
