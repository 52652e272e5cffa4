/**
 * Load balancers as the tracer needs them: where their nodes are (subnets, fixed addresses), where
 * their listeners forward (target groups, ip targets, auto scaling groups), cross-zone or not.
 */
import { GraphResource, Properties, ResourceGraph } from "./resourceGraph";
import { ofType, prop, propStr, propStrs, str } from "./properties";

export const LB_TYPES = {
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  targetGroupAttachment: "aws:lb/targetGroupAttachment:TargetGroupAttachment",
  listener: "aws:lb/listener:Listener",
  autoScalingGroup: "aws:autoscaling/group:Group",
  autoScalingAttachment: "aws:autoscaling/attachment:Attachment",
} as const;

export interface LoadBalancerNode {
  readonly subnetId: string;
  /** Fixed private address (NLB subnet mappings); undefined when AWS picks it. */
  readonly privateIp?: string;
}

export interface LoadBalancer {
  readonly arn: string;
  readonly name: string;
  readonly kind: "application" | "network" | "gateway";
  readonly internal: boolean;
  readonly crossZone: boolean;
  readonly nodes: LoadBalancerNode[];
  /** Target groups its listeners forward to. */
  readonly targetGroupArns: string[];
  /** The listener port (the first listener's), when it has one. */
  readonly port?: number;
}

export interface TargetGroup {
  readonly arn: string;
  readonly name: string;
  readonly protocol: string;
  readonly port?: number;
  readonly targetType: string;
  /** Registered ip targets. */
  readonly ipTargets: Array<{ readonly address: string; readonly availabilityZone?: string }>;
  /** Subnets of the auto scaling groups registered to it (instance targets). */
  readonly instanceSubnetIds: string[];
  /** Instances registered one by one (target group attachments with an instance id). */
  readonly instanceIds: string[];
  readonly instanceGroups: string[];
}

export interface LoadBalancing {
  readonly loadBalancers: LoadBalancer[];
  readonly targetGroups: ReadonlyMap<string, TargetGroup>;
}

function arnOf(r: GraphResource, idOf: (r: GraphResource) => string): string {
  return str(r.outputs, "arn") ?? idOf(r);
}

function forwardTargets(actions: unknown): string[] {
  if (!Array.isArray(actions)) return [];
  return (actions as Properties[]).flatMap((a) => {
    const direct = str(a, "targetGroupArn");
    const forward = a.forward as { targetGroups?: Properties[] } | undefined;
    return [...(direct ? [direct] : []), ...(forward?.targetGroups ?? []).map((t) => str(t, "arn") ?? "").filter((x) => x !== "")];
  });
}

export function readLoadBalancing(graph: ResourceGraph, idOf: (r: GraphResource) => string): LoadBalancing {
  const listeners = ofType(graph, LB_TYPES.listener);
  const targetGroups = new Map<string, TargetGroup>();
  for (const r of ofType(graph, LB_TYPES.targetGroup)) {
    const port = prop(r, "port");
    targetGroups.set(arnOf(r, idOf), {
      arn: arnOf(r, idOf),
      name: r.name,
      protocol: propStr(r, "protocol") ?? "",
      port: typeof port === "number" ? port : undefined,
      targetType: propStr(r, "targetType") ?? "instance",
      ipTargets: [],
      instanceSubnetIds: [],
      instanceIds: [],
      instanceGroups: [],
    });
  }
  for (const r of ofType(graph, LB_TYPES.targetGroupAttachment)) {
    const group = targetGroups.get(propStr(r, "targetGroupArn") ?? "");
    const address = propStr(r, "targetId");
    if (group && address && group.targetType === "ip") group.ipTargets.push({ address, availabilityZone: propStr(r, "availabilityZone") });
    if (group && address && group.targetType === "instance") group.instanceIds.push(address);
  }
  const groupsByName = new Map<string, GraphResource>();
  for (const r of ofType(graph, LB_TYPES.autoScalingGroup)) {
    groupsByName.set(str(r.outputs, "name") ?? r.name, r);
    for (const arn of propStrs(r, "targetGroupArns")) {
      const group = targetGroups.get(arn);
      if (group) { group.instanceSubnetIds.push(...propStrs(r, "vpcZoneIdentifiers")); group.instanceGroups.push(r.name); }
    }
  }
  for (const r of ofType(graph, LB_TYPES.autoScalingAttachment)) {
    const asg = groupsByName.get(propStr(r, "autoscalingGroupName") ?? "");
    const group = targetGroups.get(propStr(r, "lbTargetGroupArn") ?? "");
    if (asg && group) { group.instanceSubnetIds.push(...propStrs(asg, "vpcZoneIdentifiers")); group.instanceGroups.push(asg.name); }
  }
  const loadBalancers: LoadBalancer[] = ofType(graph, LB_TYPES.loadBalancer).map((r) => {
    const arn = arnOf(r, idOf);
    const kind = (propStr(r, "loadBalancerType") ?? "application") as LoadBalancer["kind"];
    const mappings = prop(r, "subnetMappings");
    const nodes: LoadBalancerNode[] = Array.isArray(mappings) && mappings.length > 0
      ? (mappings as Properties[]).map((m) => ({ subnetId: str(m, "subnetId") ?? "", privateIp: str(m, "privateIpv4Address") }))
      : propStrs(r, "subnets").map((subnetId) => ({ subnetId }));
    const own = listeners.filter((l) => propStr(l, "loadBalancerArn") === arn);
    const port = own.map((l) => prop(l, "port")).find((p) => typeof p === "number") as number | undefined;
    const crossZone = prop(r, "enableCrossZoneLoadBalancing");
    return {
      arn,
      name: r.name,
      kind,
      internal: prop(r, "internal") === true,
      // ALBs always balance across zones; NLBs and GWLBs only when enabled.
      crossZone: kind === "application" ? true : crossZone === true,
      nodes,
      targetGroupArns: own.flatMap((l) => forwardTargets(prop(l, "defaultActions"))),
      port,
    };
  });
  return { loadBalancers, targetGroups };
}
