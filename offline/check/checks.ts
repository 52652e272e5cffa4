/**
 * The checks every traced case must pass: it arrives; north-south legs and east-west flows cross a
 * GWLB endpoint; the return crosses the same endpoints in the same AZs; no blackhole but a designed
 * east-west block; no loop; no route whose target sits in another AZ. Each failure names the flow,
 * the hop and the entry at fault.
 */
import { FlowCase, Hop, Leg } from "../trace/types";

export type Direction = "forward" | "return";

export interface Failure {
  readonly flow: string;
  /** AWS's choices of the failing case: "ALB node ap-northeast-2a, appliance ap-northeast-2c". */
  readonly caseLabel: string;
  readonly direction: Direction;
  /** 1-based, counted over the direction's hops as printed. */
  readonly hop: number;
  readonly hopText: string;
  /** The route, route table, attachment or resource at fault. */
  readonly entry: string;
  readonly message: string;
}

export function caseLabel(c: FlowCase): string {
  return c.choices.map((x) => `${x.label} ${x.value}`).join(", ") || "the only case";
}

interface Located { readonly hop: Hop; readonly index: number }

/** Hops of a direction with their printed numbers, and where each leg starts. */
function numbered(legs: readonly Leg[]): Array<{ leg: Leg; hops: Located[] }> {
  let n = 0;
  return legs.map((leg) => ({ leg, hops: leg.hops.map((hop) => ({ hop, index: ++n })) }));
}

const endpointsOf = (hops: readonly Located[]) => hops.filter((h) => h.hop.kind === "endpoint");
/** The last route table hop: the entry that delivered a packet (or failed to divert it). */
const lastRouteHop = (hops: readonly Located[]) => [...hops].reverse().find((h) => h.hop.kind === "route" || h.hop.kind === "tgw-route") ?? hops[hops.length - 1];
/** The route hop that sent the packet into the endpoint hop at `index`. */
const routeBefore = (hops: readonly Located[], index: number) => [...hops].reverse().find((h) => h.index < index && (h.hop.kind === "route" || h.hop.kind === "tgw-route"));

export function checkCase(c: FlowCase): Failure[] {
  const failures: Failure[] = [];
  const label = caseLabel(c);
  const fail = (direction: Direction, at: Located | undefined, entry: string | undefined, message: string) =>
    failures.push({ flow: c.flow, caseLabel: label, direction, hop: at?.index ?? 0, hopText: at?.hop.text ?? "(before the first hop)", entry: entry ?? at?.hop.entry ?? "(none)", message });
  const directions: Array<[Direction, ReturnType<typeof numbered>]> = [["forward", numbered(c.forward)], ["return", numbered(c.back)]];

  for (const [direction, legs] of directions) {
    for (const { leg, hops } of legs) {
      for (const h of hops) if (h.hop.violation) fail(direction, h, h.hop.entry, `route target in another AZ: ${h.hop.violation}`);
      const last = hops[hops.length - 1];
      const o = leg.outcome;
      if (o.kind === "blackhole" && !c.designedBlock) fail(direction, last, o.entry, `${leg.label}: blackholed by ${o.entry} (${o.destination}), which no east-west block calls for`);
      else if (o.kind === "dropped") fail(direction, last, o.entry, `${leg.label}: does not arrive: ${o.reason}`);
      else if (o.kind === "loop") {
        const sender = lastRouteHop(hops); // the entry that sent it round again
        fail(direction, sender, sender?.hop.entry, `${leg.label}: loops: ${o.reason}`);
      }
      else if (o.kind === "arrived" && leg.expected !== undefined && o.at !== leg.expected) fail(direction, last, last?.hop.entry, `${leg.label}: arrives at ${o.at}, not at ${leg.expected}`);
      const mustInspect = leg.northSouth || (c.kind === "east-west" && !c.designedBlock);
      if (mustInspect && o.kind === "arrived" && endpointsOf(hops).length === 0) {
        // The entry that should have diverted it: the spoke table (east-west), the edge table (from the internet), else the way out.
        const fromInternet = hops[0]?.hop.kind === "igw";
        const culprit = c.kind === "east-west"
          ? hops.find((h) => h.hop.kind === "tgw-route") ?? lastRouteHop(hops)
          : fromInternet ? hops.find((h) => h.hop.kind === "route") ?? hops[0] : lastRouteHop(hops);
        fail(direction, culprit, culprit?.hop.entry, `${leg.label}: ${c.kind === "east-west" ? "east-west traffic" : "north-south traffic"} arrives without crossing a GWLB endpoint`);
      }
    }
  }
  if (c.back.length > 0) checkSymmetry(c, directions[0][1], directions[1][1], fail);
  return failures;
}

/** Legs pair up by conversation: the north-south legs together, the others together, in reverse order on the way back. */
function checkSymmetry(
  c: FlowCase,
  forward: ReturnType<typeof numbered>,
  back: ReturnType<typeof numbered>,
  fail: (direction: Direction, at: Located | undefined, entry: string | undefined, message: string) => void,
): void {
  for (const northSouth of [true, false]) {
    const there = forward.filter((l) => l.leg.northSouth === northSouth);
    const home = back.filter((l) => l.leg.northSouth === northSouth);
    if (there.length === 0 || home.length === 0) continue;
    const out = there.flatMap((l) => endpointsOf(l.hops));
    const ret = home.flatMap((l) => endpointsOf(l.hops));
    const outNames = out.map((h) => `${h.hop.endpointName} (${h.hop.az})`);
    const retNames = ret.map((h) => `${h.hop.endpointName} (${h.hop.az})`).reverse();
    if (outNames.join() === retNames.join()) continue;
    const retHops = home.flatMap((l) => l.hops);
    const firstOdd = ret.find((h, i) => `${h.hop.endpointName} (${h.hop.az})` !== outNames[out.length - 1 - i]);
    const at = firstOdd ? routeBefore(retHops, firstOdd.index) ?? firstOdd : lastRouteHop(retHops);
    // Without appliance mode the transit gateway keeps each direction in its own AZ: name that attachment.
    const modeOff = [...forward, ...back].flatMap((l) => l.hops).find((h) => h.hop.kind === "tgw-attachment" && h.hop.text.includes("appliance mode off"));
    const cause = modeOff && c.kind === "east-west" ? `; ${modeOff.hop.entry} runs without appliance mode, so each direction keeps its own AZ` : "";
    fail("return", at, at?.hop.entry, `asymmetric: the return crosses ${retNames.join(", ") || "no endpoint"} but the way there crossed ${outNames.join(", ") || "no endpoint"}${cause}`);
  }
}

export function checkCases(cases: readonly FlowCase[]): Failure[] {
  return cases.flatMap(checkCase);
}
