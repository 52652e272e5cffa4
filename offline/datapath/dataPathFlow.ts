/** What the local data path replays and reports: the traced ingress flow, and the outcome. */
import { Element } from "../model/topology";
import { casesToDraw } from "../render/diagram";
import { TracedGraph } from "../trace/traceGraph";
import { Packet } from "../trace/types";

export type DataPathMode = "auto" | "simulated" | "namespaces";

export interface DataPathReport {
  readonly mode: "simulated-packets" | "network-namespaces" | "skipped";
  readonly ok: boolean;
  readonly why?: string;
  /** What crossed the agent, one line per segment (simulated) or the stand-in's counters (namespaces). */
  readonly segments: string[];
  /** The HTTP response the client got, head and body. */
  readonly page?: string;
  readonly flowLogs: Array<Record<string, unknown>>;
  readonly denied?: { readonly returned: boolean; readonly policyDrops: number; readonly ruleVerdicts: number };
}

/** The traced flow the data path replays: the packet as the appliance sees it, its endpoint, its web server. */
export interface DataPathFlow {
  readonly client: Packet;
  readonly endpointId: string;
  readonly endpointName: string;
  readonly web: Element;
  readonly region: string;
  /** The ALB's name, for the Host header. */
  readonly albName: string;
}

/** GENEVE carries the endpoint id as 64 bits: the hex digits of "vpce-<hex>". */
export function endpointIdBits(id: string): bigint {
  const hex = id.replace(/^vpce-/, "").replace(/[^0-9a-f]/gi, "").slice(-16);
  return hex === "" ? 0n : BigInt(`0x${hex}`);
}

export function dataPathFlow(traced: TracedGraph): DataPathFlow | undefined {
  const ingress = casesToDraw(traced).find((c) => c.kind === "ingress" && c.forward.length === 2 && c.forward.every((l) => l.outcome.kind === "arrived"));
  const endpointHop = ingress?.forward[0].hops.find((h) => h.kind === "endpoint");
  const arrived = ingress?.forward[1].outcome;
  const web = arrived?.kind === "arrived" ? traced.topology.elements.find((e) => e.name === arrived.at) : undefined;
  if (!ingress || !endpointHop?.endpointId || !web) return undefined;
  return {
    client: ingress.forward[0].final,
    endpointId: endpointHop.endpointId,
    endpointName: endpointHop.endpointName ?? endpointHop.endpointId,
    web,
    region: web.az.replace(/[a-z]$/, ""),
    albName: ingress.forward[0].label.split(" -> ")[1],
  };
}

