/**
 * The fleet's agent, scaling and logs: the policy checked by the agent's own validator (so a bad rule
 * stops the deployment with the agent's message and path), sized against SSM's parameter tiers.
 */
import { Problems as AgentProblems } from "../../appliance-agent/src/policy/problems";
import { compilePolicy } from "../../appliance-agent/src/policy/schema";
import { SLOW_PATH_MAX_PPS_LIMIT } from "../../common/contract";
import { GwlbApplianceFleetArgs, ValidatedGwlbAgent } from "../args/gwlbApplianceFleet";
import { LOG_RETENTION_DAYS, SSM_PARAMETER_TIER_BYTES } from "./awsLimits";
import { Problems, describeValue } from "./problems";

/** With no policy given, the fleet forwards everything, as the seed's hairpin did, with flow logs and metrics. */
export const DEFAULT_POLICY = { version: 1, description: "Allow everything (the default policy of GwlbApplianceFleet)", defaultAction: "allow", failMode: "open", rules: [] } as const;

const ROLLOUT_LIMIT = /^(\d+|\d+%)$/;

export function validateAgent(problems: Problems, agent: GwlbApplianceFleetArgs["agent"]): ValidatedGwlbAgent | undefined {
  const before = problems.list.length;
  const a = agent ?? {};
  if (a.bundlePath !== undefined && (typeof a.bundlePath !== "string" || a.bundlePath.length === 0)) {
    problems.add("agent.bundlePath", `must be the path of a bundle file, got ${describeValue(a.bundlePath)}`);
  }
  const policyText = validatePolicy(problems, a.policy ?? DEFAULT_POLICY);
  const fastPath = problems.oneOf("agent.fastPath", a.fastPath ?? "auto", ["auto", "nft", "off"] as const);
  // The agent's own bounds for --slow-path-max-pps; the limit lives in the fast path's ingress chain.
  const slowPathMaxPps = problems.integer("agent.slowPathMaxPps", a.slowPathMaxPps ?? 0, 0, SLOW_PATH_MAX_PPS_LIMIT);
  if (fastPath === "off" && slowPathMaxPps !== undefined && slowPathMaxPps > 0) {
    problems.add("agent.slowPathMaxPps", `needs the fast path, whose ingress chain holds the limit, and agent.fastPath is "off"`);
  }
  const concurrency = rolloutLimit(problems, "agent.rolloutMaxConcurrency", a.rolloutMaxConcurrency ?? "50%", 1);
  const errors = rolloutLimit(problems, "agent.rolloutMaxErrors", a.rolloutMaxErrors ?? "0", 0);
  const healthWaitSeconds = problems.integer("agent.healthWaitSeconds", a.healthWaitSeconds ?? 120, 10, 900);
  if (problems.list.length !== before) return undefined;
  const bytes = Buffer.byteLength(policyText!, "utf8");
  return {
    ...(a.bundlePath !== undefined ? { bundlePath: a.bundlePath } : {}),
    policyText: policyText!,
    policyTier: bytes <= SSM_PARAMETER_TIER_BYTES.Standard ? "Standard" : "Advanced",
    fastPath: fastPath!,
    slowPathMaxPps: slowPathMaxPps!,
    rolloutMaxConcurrency: concurrency!,
    rolloutMaxErrors: errors!,
    healthWaitSeconds: healthWaitSeconds!,
  };
}

/** The policy's JSON text, once the agent's validator accepts it and it fits an SSM parameter. */
function validatePolicy(problems: Problems, policy: unknown): string | undefined {
  if (typeof policy === "object" && policy !== null && "agent" in policy) {
    problems.add("policy.agent", "is not taken here: the fleet derives the agent's settings from the AWS resources it configures (and they need a restart, which a policy change must not); give rules only");
    return undefined;
  }
  const agentProblems = new AgentProblems();
  compilePolicy(policy, agentProblems);
  for (const { path, message } of agentProblems.entries) problems.add(path === "" ? "policy" : `policy.${path}`, message);
  if (!agentProblems.ok) return undefined;
  const text = JSON.stringify(policy);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > SSM_PARAMETER_TIER_BYTES.Advanced) {
    problems.add("policy", `is ${bytes} bytes as JSON; an SSM parameter holds at most ${SSM_PARAMETER_TIER_BYTES.Advanced} (advanced tier), so the agent could not read it`);
    return undefined;
  }
  return text;
}

/** A rollout limit as SSM takes it: a count or a percentage, at least `min`. */
function rolloutLimit(problems: Problems, path: string, value: unknown, min: number): string | undefined {
  if (typeof value !== "string" || !ROLLOUT_LIMIT.test(value) || parseInt(value, 10) < min || (value.endsWith("%") && parseInt(value, 10) > 100)) {
    problems.add(path, `must be a count or a percentage such as "1" or "50%"${min > 0 ? `, at least ${min}` : ""}, got ${describeValue(value)}`);
    return undefined;
  }
  return value;
}

export function validateScaling(problems: Problems, scaling: GwlbApplianceFleetArgs["scaling"]): { targetCpuPercent?: number } | undefined {
  if (scaling === false) return {};
  if (scaling !== undefined && (typeof scaling !== "object" || scaling === null)) {
    problems.add("scaling", `must be { targetCpuPercent } or false, got ${describeValue(scaling)}`);
    return undefined;
  }
  const target = problems.integer("scaling.targetCpuPercent", scaling?.targetCpuPercent ?? 60, 10, 90);
  return target === undefined ? undefined : { targetCpuPercent: target };
}

export function validateLogRetention(problems: Problems, logs: GwlbApplianceFleetArgs["logs"]): number | undefined {
  const retention = logs?.retentionInDays ?? 30;
  if (!LOG_RETENTION_DAYS.includes(retention)) {
    problems.add("logs.retentionInDays", `must be one of CloudWatch Logs' periods (${LOG_RETENTION_DAYS.join(", ")}), got ${describeValue(retention)}`);
    return undefined;
  }
  return retention;
}
