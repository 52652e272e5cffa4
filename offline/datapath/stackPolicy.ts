/**
 * The inspection policy the job runs the agent with, derived from the traced stack: the stack's VPCs
 * are internal, the public ALBs' listener ports may be reached from outside, instances may go out,
 * SSH from anywhere is denied by name, and anything else is denied by default.
 */
import { TracedGraph } from "../trace/traceGraph";

/** `internalCidrs` replaces the stack's VPC blocks when the flow runs on other addresses (the namespaces'). */
export function stackPolicy(traced: TracedGraph, internalCidrs?: readonly string[]) {
  const ports = [...new Set(traced.model.loadBalancing.loadBalancers.filter((lb) => lb.kind === "application" && !lb.internal).map((lb) => lb.port ?? 80))];
  return {
    version: 1,
    description: "offline job: the stack's inspection policy",
    defaultAction: "deny",
    failMode: "closed",
    internalCidrs: internalCidrs ? [...internalCidrs] : [...new Set([...traced.model.vpcs.values()].map((v) => v.cidr))],
    rules: [
      { name: "no-ssh", action: "deny", protocol: "tcp", destination: { ports: 22 } },
      ...(ports.length > 0 ? [{ name: "web-in", action: "allow", protocol: "tcp", direction: "inbound", destination: { ports } }] : []),
      { name: "egress", action: "allow", direction: "outbound" },
    ],
  };
}
