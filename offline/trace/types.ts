/** What a trace is made of: packets, hops and the outcome of each leg. */

export interface Packet {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
}

export type HopKind = "route" | "tgw-route" | "tgw-attachment" | "endpoint" | "nat" | "igw" | "load-balancer" | "deliver";

/** Somewhere a packet is, for drawing: a gateway, an endpoint, a load balancer node, an instance. */
export interface Place {
  readonly id: string;
  readonly label: string;
  /** The VPC (name) and AZ it sits in, when it sits in one. */
  readonly vpc?: string;
  readonly az?: string;
}

export const INTERNET_PLACE: Place = { id: "internet", label: "Internet" };

export interface Hop {
  readonly kind: HopKind;
  /** As the seed reads: "hub-ingress-rt: 10.20.11.0/24 -> hub-endpoint-2a". */
  readonly text: string;
  /** The entry that decided the hop: a route resource, "<table> (local)", an attachment. */
  readonly entry?: string;
  /** The AZ the packet is in after the hop, when it has one. */
  readonly az?: string;
  /** GWLB endpoint crossed (endpoint hops). */
  readonly endpointId?: string;
  readonly endpointName?: string;
  /** Where the packet is after the hop, in order (drawing only). */
  readonly places?: readonly Place[];
  /** Set when the hop breaks a rule (a target in another AZ): the trace goes on, the check fails. */
  readonly violation?: string;
}

export type Outcome =
  | { readonly kind: "arrived"; readonly at: string }
  | { readonly kind: "blackhole"; readonly destination: string; readonly entry: string }
  | { readonly kind: "dropped"; readonly reason: string; readonly entry?: string }
  | { readonly kind: "loop"; readonly reason: string };

export interface Leg {
  /** "client -> app01-alb", "app01-web-nlb -> app01-alb", ... */
  readonly label: string;
  readonly packet: Packet;
  readonly hops: Hop[];
  readonly outcome: Outcome;
  /** The packet as it left the last hop (after NAT). */
  readonly final: Packet;
  /** Whether this leg is the internet-facing part a GWLB endpoint must inspect. */
  readonly northSouth: boolean;
  /** Where the leg should arrive: an element's name or "internet" (set by the flow). */
  readonly expected?: string;
}

export type FlowKind = "ingress" | "egress" | "east-west";

export interface FlowCase {
  readonly kind: FlowKind;
  /** The flow, without the choices: "ingress app01-alb -> web servers of app01-vpc". */
  readonly flow: string;
  /** AWS's choices in this case, in the order they were made. */
  readonly choices: ReadonlyArray<{ readonly label: string; readonly value: string }>;
  readonly forward: Leg[];
  readonly back: Leg[];
  /** East-west flows stopped by a blackhole route for the destination spoke's block. */
  readonly designedBlock: boolean;
}

/** Both addresses and ports, the same for both directions: the key of a flow's shared choices. */
export function flowKey(p: Packet): string {
  const a = `${p.src}:${p.srcPort}`;
  const b = `${p.dst}:${p.dstPort}`;
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** One forwarding step: the packet moves on from a subnet's route table, or its leg ends. */
export type Step = { readonly next: { readonly subnetId: string; readonly packet: Packet } } | { readonly end: Outcome; readonly packet: Packet };
