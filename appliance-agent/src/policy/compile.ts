// The compiled, matching form of a policy: numeric matchers evaluated once per flow, on its
// first packet (and again after a policy change), by the first rule that matches it in the
// initiator -> responder orientation. The data plane caches the verdict in its flow table.

import { Cidr, cidrContains } from "../../../common/cidr";
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";
import type { PolicyDocument } from "./document";

/** Rule protocols beyond the numbers 0-255: any protocol, or ICMP of either family ("icmp"). */
export const PROTOCOL_ANY = -1;
export const PROTOCOL_ICMP_ANY_FAMILY = -2;
/** Rule directions, relative to the internal CIDRs. */
export const DIRECTION_ANY = 0;
export const DIRECTION_INBOUND = 1;
export const DIRECTION_OUTBOUND = 2;
export const DIRECTION_EAST_WEST = 3;
/** Neither end is internal: only rules with direction "any" match. */
const DIRECTION_NONE = 4;

export interface CompiledEndpoint {
  cidrs: Cidr[] | null;
  /** Inclusive [low, high] pairs. */
  ports: Uint16Array | null;
}

export interface CompiledRule {
  allow: boolean;
  protocol: number;
  source: CompiledEndpoint;
  destination: CompiledEndpoint;
  direction: number;
  /** Endpoint ids as [high, low] pairs. */
  endpointIds: Uint32Array | null;
}

/** A flow in initiator -> responder orientation, as the policy sees it. Reused per evaluation. */
export class FlowView {
  family = 4;
  protocol = 0;
  readonly initiator = new Uint32Array(4);
  readonly responder = new Uint32Array(4);
  initiatorPort = 0;
  responderPort = 0;
  endpointIdHigh = 0;
  endpointIdLow = 0;
}

/** True for protocols whose flows carry ports that port rules can match. */
export function hasPorts(protocol: number): boolean {
  return protocol === PROTO_TCP || protocol === PROTO_UDP || protocol === PROTO_SCTP;
}

export class CompiledPolicy {
  /** Metric/flow-log label per rule index. */
  readonly labels: readonly string[];

  constructor(
    readonly document: PolicyDocument,
    readonly defaultAllow: boolean,
    readonly failOpen: boolean,
    private readonly internal: readonly Cidr[],
    private readonly rules: readonly CompiledRule[],
    labels: readonly string[],
  ) {
    this.labels = labels;
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  /** Index of the first matching rule, or -1 when the default action applies. */
  evaluate(flow: FlowView): number {
    let direction = -1;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i];
      if (rule.protocol !== PROTOCOL_ANY) {
        if (rule.protocol === PROTOCOL_ICMP_ANY_FAMILY) {
          if (flow.protocol !== PROTO_ICMP && flow.protocol !== PROTO_ICMPV6) continue;
        } else if (rule.protocol !== flow.protocol) {
          continue;
        }
      }
      if (rule.endpointIds !== null && !matchesEndpointId(rule.endpointIds, flow)) continue;
      if (!matchesEnd(rule.source, flow, flow.initiator, flow.initiatorPort)) continue;
      if (!matchesEnd(rule.destination, flow, flow.responder, flow.responderPort)) continue;
      if (rule.direction !== DIRECTION_ANY) {
        if (direction < 0) direction = this.directionOf(flow);
        if (direction !== rule.direction) continue;
      }
      return i;
    }
    return -1;
  }

  /** Whether the verdict for an `evaluate` result is allow. */
  allows(index: number): boolean {
    return index < 0 ? this.defaultAllow : this.rules[index].allow;
  }

  /** Label for an `evaluate` result. */
  label(index: number): string {
    return index < 0 ? "default" : this.labels[index];
  }

  private directionOf(flow: FlowView): number {
    const initiatorInside = this.isInternal(flow.family, flow.initiator);
    const responderInside = this.isInternal(flow.family, flow.responder);
    if (initiatorInside && responderInside) return DIRECTION_EAST_WEST;
    if (initiatorInside) return DIRECTION_OUTBOUND;
    if (responderInside) return DIRECTION_INBOUND;
    return DIRECTION_NONE;
  }

  private isInternal(family: number, address: Uint32Array): boolean {
    for (const cidr of this.internal) if (cidrContains(cidr, family, address, 0)) return true;
    return false;
  }
}

function matchesEndpointId(ids: Uint32Array, flow: FlowView): boolean {
  for (let i = 0; i < ids.length; i += 2) {
    if (ids[i] === flow.endpointIdHigh && ids[i + 1] === flow.endpointIdLow) return true;
  }
  return false;
}

function matchesEnd(end: CompiledEndpoint, flow: FlowView, address: Uint32Array, port: number): boolean {
  if (end.cidrs !== null) {
    let hit = false;
    for (const cidr of end.cidrs) {
      if (cidrContains(cidr, flow.family, address, 0)) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  if (end.ports !== null) {
    if (!hasPorts(flow.protocol)) return false;
    for (let i = 0; i < end.ports.length; i += 2) {
      if (port >= end.ports[i] && port <= end.ports[i + 1]) return true;
    }
    return false;
  }
  return true;
}
