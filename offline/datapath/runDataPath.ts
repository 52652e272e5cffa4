/**
 * The local data path: the traced ingress flow's real HTTP exchange carried through the appliance
 * agent, with a flow the policy denies (SSH to the ALB node) shown dropped and counted. As root it
 * runs real TCP in network namespaces of its own (namespaceDataPath.ts); otherwise the same
 * request and response bytes travel through the agent in simulated packets (simulatedPackets.ts).
 */
import { TracedGraph } from "../trace/traceGraph";
import { DataPathMode, DataPathReport, dataPathFlow } from "./dataPathFlow";
import { runInNamespaces } from "./namespaceDataPath";
import { namespacesAvailable } from "./namespaces";
import { runSimulatedPackets } from "./simulatedPackets";

export { DataPathMode, DataPathReport, endpointIdBits } from "./dataPathFlow";

export interface DataPathIo {
  readonly log: (...args: unknown[]) => void;
  readonly mode?: DataPathMode;
}

export async function runLocalDataPath(traced: TracedGraph, io: DataPathIo): Promise<DataPathReport> {
  const flow = dataPathFlow(traced);
  io.log("\n== Local data path ==\n");
  if (!flow) {
    io.log("skipped: no inspected ingress flow to a web server was traced");
    return { mode: "skipped", ok: true, why: "no inspected ingress flow to a web server", segments: [], flowLogs: [] };
  }
  const wanted = io.mode ?? "auto";
  const namespaces = namespacesAvailable();
  if (wanted === "namespaces" && !namespaces.ok) throw new Error(`the namespace mode needs root and ip netns: ${namespaces.why}`);
  if (wanted === "namespaces" || (wanted === "auto" && namespaces.ok)) return runInNamespaces(traced, flow, io.log);
  return runSimulatedPackets(traced, flow, io.log, wanted === "simulated" ? "asked for" : namespaces.why);
}
