/**
 * The seed's flows through a network, every case of AWS's choices enumerated: ingress through each
 * public ALB to the web servers behind its targets, egress from every spoke subnet to the internet,
 * and east-west between every ordered pair of spokes, each with its return. Pure: model in, cases out.
 */
import { NetworkModel } from "../model/network";
import { Element, INTERNET_CLIENT, INTERNET_SERVER, Topology } from "../model/topology";
import { Chooser, enumerate } from "./choices";
import { TraceContext, elementPlace, traceLeg } from "./forwarding";
import { FlowCase, Hop, Leg } from "./types";

/** Client ports as in the seed's tcpdump (55585), and a fixed ALB -> NLB source port. */
const CLIENT_PORT = 55585;
const PROXY_PORT = 40001;
const INSTANCE_PORT = 40000;
const HTTPS = 443;

/**
 * Sets where a leg should arrive, adding load balancer hops before or after it; `arrivedAt` names
 * the real end when a load balancer hands the packet on (the NLB node -> the web server).
 */
function expect(leg: Leg, expected: string, before: Hop[] = [], after: Hop[] = [], arrivedAt?: string): Leg {
  const outcome = arrivedAt && leg.outcome.kind === "arrived" ? { kind: "arrived" as const, at: arrivedAt } : leg.outcome;
  return { ...leg, hops: [...before, ...leg.hops, ...after], outcome, expected };
}

function arrivedAt(leg: Leg, name: string): boolean {
  return leg.outcome.kind === "arrived" && leg.outcome.at === name;
}

function caseOf(run: (ctx: TraceContext) => Omit<FlowCase, "choices">, model: NetworkModel, topology: Topology): FlowCase[] {
  return enumerate((choose: Chooser) => run({ model, topology, choose, natState: new Map() })).map(({ choices, result }) => ({
    ...result,
    choices: choices.map((c) => ({ label: c.label, value: c.value })),
  }));
}

function ingressCases(model: NetworkModel, topology: Topology): FlowCase[] {
  const cases: FlowCase[] = [];
  for (const alb of model.loadBalancing.loadBalancers.filter((lb) => lb.kind === "application" && !lb.internal)) {
    const nodes = topology.elements.filter((e) => e.kind === "alb-node" && e.ownerId === alb.arn);
    const targets = alb.targetGroupArns.flatMap((arn) => {
      const group = model.loadBalancing.targetGroups.get(arn);
      return (group?.ipTargets ?? []).map((t) => ({ ...t, port: group?.port ?? alb.port ?? 80 }));
    });
    if (nodes.length === 0 || targets.length === 0) continue;
    const flow = `ingress internet -> ${alb.name} -> ${targets.map((t) => t.address).join("|")}`;
    cases.push(...caseOf((ctx) => {
      const node = ctx.choose("alb-node", "ALB node", nodes, (n) => n.az);
      const port = alb.port ?? 80;
      const toAlb = traceLeg(ctx, `client -> ${alb.name}`, { src: INTERNET_CLIENT, srcPort: CLIENT_PORT, dst: node.publicAddress!, dstPort: port }, { at: "internet" }, "client", true);
      const forward = [expect(toAlb, node.name)];
      const base = { kind: "ingress" as const, flow, designedBlock: false };
      if (!arrivedAt(toAlb, node.name)) return { ...base, forward, back: [] };
      const target = ctx.choose("alb-target", "ALB target", targets, (t) => t.address);
      const albHop: Hop = { kind: "load-balancer", text: `${alb.name}: ${node.address} -> target ${target.address}:${target.port} (ip target, availability zone ${target.availabilityZone ?? "(the ALB's)"})`, entry: alb.name, az: node.az, places: [elementPlace(ctx, node)] };
      const toTarget = traceLeg(ctx, `${alb.name} -> ${target.address}`, { src: node.address, srcPort: PROXY_PORT, dst: target.address, dstPort: target.port }, { at: "subnet", subnetId: node.subnetId }, "proxy", false);
      const holder = topology.elements.find((e) => arrivedAt(toTarget, e.name));
      const web = holder?.kind === "nlb-node" ? pickWebServer(ctx, model, topology, holder) : undefined;
      const nlbHops: Hop[] = web ? [{ kind: "load-balancer", text: `${web.nlbName}: ${target.address} -> ${web.server.name} ${web.server.address}`, entry: web.nlbName, az: web.server.az, places: [elementPlace(ctx, web.server)] }] : [];
      const endName = web?.server.name ?? holder?.name ?? target.address;
      forward.push(expect(toTarget, endName, [albHop], nlbHops, web ? web.server.name : undefined));
      if (!holder) return { ...base, forward, back: [] };
      const replyHop: Hop[] = web ? [{ kind: "load-balancer", text: `${web.server.name} -> ${web.nlbName} ${target.address}`, entry: web.nlbName, az: holder.az, places: [elementPlace(ctx, web.server), elementPlace(ctx, holder)] }] : [];
      const fromTarget = traceLeg(ctx, `${target.address} -> ${alb.name}`, { src: target.address, srcPort: target.port, dst: node.address, dstPort: PROXY_PORT }, { at: "subnet", subnetId: holder.subnetId }, "proxy", false);
      const back = [expect(fromTarget, node.name, replyHop)];
      const toClient = traceLeg(ctx, `${alb.name} -> client`, { src: node.address, srcPort: port, dst: INTERNET_CLIENT, dstPort: CLIENT_PORT }, { at: "subnet", subnetId: node.subnetId }, "client", true);
      back.push(expect(toClient, "internet"));
      return { ...base, forward, back };
    }, model, topology));
  }
  return cases;
}

function pickWebServer(ctx: TraceContext, model: NetworkModel, topology: Topology, nlbNode: Element): { nlbName: string; server: Element } | undefined {
  const nlb = model.loadBalancing.loadBalancers.find((lb) => lb.arn === nlbNode.ownerId);
  if (!nlb) return undefined;
  const groups = nlb.targetGroupArns.map((arn) => model.loadBalancing.targetGroups.get(arn)).filter((g) => g !== undefined);
  const subnets = new Set(groups.flatMap((g) => g.instanceSubnetIds));
  const ids = new Set(groups.flatMap((g) => g.instanceIds));
  const servers = topology.elements.filter((e) => e.kind === "instance" && (subnets.has(e.subnetId) || ids.has(e.ownerId)) && (nlb.crossZone || e.az === nlbNode.az));
  if (servers.length === 0) return undefined;
  return { nlbName: nlb.name, server: ctx.choose("web-server", "web server", servers, (s) => s.az) };
}

function egressCases(model: NetworkModel, topology: Topology): FlowCase[] {
  const cases: FlowCase[] = [];
  for (const spoke of topology.spokes) {
    for (const subnet of spoke.hostSubnets) {
      const host = topology.elements.find((e) => e.kind === "instance" && e.subnetId === subnet.id);
      if (!host) continue;
      const flow = `egress ${host.name} -> internet`;
      cases.push(...caseOf((ctx) => {
        const out = traceLeg(ctx, `${host.name} -> internet`, { src: host.address, srcPort: INSTANCE_PORT, dst: INTERNET_SERVER, dstPort: HTTPS }, { at: "subnet", subnetId: subnet.id }, "egress", true);
        const forward = [expect(out, "internet")];
        const base = { kind: "egress" as const, flow, designedBlock: false };
        if (!arrivedAt(out, "internet")) return { ...base, forward, back: [] };
        const back = traceLeg(ctx, `internet -> ${host.name}`, { src: INTERNET_SERVER, srcPort: HTTPS, dst: out.final.src, dstPort: INSTANCE_PORT }, { at: "internet" }, "egress", true);
        return { ...base, forward, back: [expect(back, host.name)] };
      }, model, topology));
    }
  }
  return cases;
}

function eastWestCases(model: NetworkModel, topology: Topology): FlowCase[] {
  const cases: FlowCase[] = [];
  for (const from of topology.spokes) {
    for (const to of topology.spokes) {
      if (from === to || from.transitGatewayId !== to.transitGatewayId) continue;
      for (const a of from.hostSubnets) {
        for (const b of to.hostSubnets) {
          const source = topology.elements.find((e) => e.kind === "instance" && e.subnetId === a.id);
          const target = topology.elements.find((e) => e.kind === "instance" && e.subnetId === b.id);
          if (!source || !target) continue;
          const flow = `east-west ${source.name} -> ${target.name}`;
          cases.push(...caseOf((ctx) => {
            const out = traceLeg(ctx, `${source.name} -> ${target.name}`, { src: source.address, srcPort: INSTANCE_PORT, dst: target.address, dstPort: HTTPS }, { at: "subnet", subnetId: a.id }, "east-west", false);
            const designedBlock = out.outcome.kind === "blackhole" && out.outcome.destination === to.cidr;
            const forward = [expect(out, designedBlock ? "blackhole" : target.name)];
            const base = { kind: "east-west" as const, flow, designedBlock };
            if (!arrivedAt(out, target.name)) return { ...base, forward, back: [] };
            const back = traceLeg(ctx, `${target.name} -> ${source.name}`, { src: target.address, srcPort: HTTPS, dst: out.final.src, dstPort: INSTANCE_PORT }, { at: "subnet", subnetId: b.id }, "east-west", false);
            return { ...base, forward, back: [expect(back, source.name)] };
          }, model, topology));
        }
      }
    }
  }
  return cases;
}

/** Every flow of the network, each case of AWS's choices a FlowCase. */
export function traceFlows(model: NetworkModel, topology: Topology): FlowCase[] {
  return [...ingressCases(model, topology), ...egressCases(model, topology), ...eastWestCases(model, topology)];
}
