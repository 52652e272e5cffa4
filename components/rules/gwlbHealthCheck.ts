/**
 * The target group's health check: every value explicit (AWS documents conflicting defaults for
 * GENEVE); protocol, path and matcher are the agent's, and the port is passed to the agent.
 */
import { HEALTH_PATH, HEALTH_PORT } from "../../common/contract";
import { GwlbHealthCheck, GwlbHealthCheckArgs } from "../args/gwlbApplianceFleet";
import { GWLB_HEALTH_CHECK_MATCHER, HEALTH_CHECK_LIMITS as L } from "./awsLimits";
import { Problems } from "./problems";

/** Health check settings the agent decides; a caller that still sets them is told why they are gone. */
const DERIVED_FROM_AGENT = ["protocol", "path", "matcher"] as const;

export function validateHealthCheck(problems: Problems, hc: GwlbHealthCheckArgs | undefined): GwlbHealthCheck | undefined {
  const before = problems.list.length;
  const args = hc ?? {};
  for (const key of DERIVED_FROM_AGENT) {
    if ((args as Record<string, unknown>)[key] !== undefined) {
      problems.add(`healthCheck.${key}`, `is the agent's (HTTP on ${HEALTH_PATH}, answering 200 while it forwards and 503 while it drains), so it cannot be set; remove it`);
    }
  }
  const port = problems.integer("healthCheck.port", args.port ?? HEALTH_PORT, 1, 65535);
  const interval = problems.integer("healthCheck.intervalSeconds", args.intervalSeconds ?? 10, L.intervalSeconds.min, L.intervalSeconds.max);
  const timeout = problems.integer("healthCheck.timeoutSeconds", args.timeoutSeconds ?? 5, L.timeoutSeconds.min, L.timeoutSeconds.max);
  const healthy = problems.integer("healthCheck.healthyThreshold", args.healthyThreshold ?? 3, L.healthyThreshold.min, L.healthyThreshold.max);
  const unhealthy = problems.integer("healthCheck.unhealthyThreshold", args.unhealthyThreshold ?? 3, L.unhealthyThreshold.min, L.unhealthyThreshold.max);
  if (interval !== undefined && timeout !== undefined && timeout > interval) {
    problems.add("healthCheck.timeoutSeconds", `must not exceed healthCheck.intervalSeconds (${interval}): AWS requires the interval to be at least the timeout, got ${timeout}`);
  }
  if (problems.list.length !== before) return undefined;
  return {
    protocol: "HTTP",
    port: port!,
    path: HEALTH_PATH,
    matcher: GWLB_HEALTH_CHECK_MATCHER,
    intervalSeconds: interval!,
    timeoutSeconds: timeout!,
    healthyThreshold: healthy!,
    unhealthyThreshold: unhealthy!,
  };
}
