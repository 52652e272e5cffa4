/**
 * The target group's health check: every value explicit (AWS documents conflicting defaults for
 * GENEVE), defaulting to what the appliance agent serves (the shared contract's port and path).
 */
import { HEALTH_PATH, HEALTH_PORT } from "../../common/contract";
import { GwlbHealthCheck, GwlbHealthCheckArgs, HEALTH_CHECK_PROTOCOLS } from "../args/gwlbApplianceFleet";
import { GWLB_HEALTH_CHECK_MATCHER, HEALTH_CHECK_LIMITS as L, HEALTH_PATH_PATTERN } from "./awsLimits";
import { Problems, describeValue } from "./problems";

export function validateHealthCheck(problems: Problems, hc: GwlbHealthCheckArgs | undefined): GwlbHealthCheck | undefined {
  const before = problems.list.length;
  const args = hc ?? {};
  const protocol = problems.oneOf("healthCheck.protocol", args.protocol ?? "HTTP", HEALTH_CHECK_PROTOCOLS);
  const port = problems.integer("healthCheck.port", args.port ?? HEALTH_PORT, 1, 65535);
  const interval = problems.integer("healthCheck.intervalSeconds", args.intervalSeconds ?? 10, L.intervalSeconds.min, L.intervalSeconds.max);
  const timeout = problems.integer("healthCheck.timeoutSeconds", args.timeoutSeconds ?? 5, L.timeoutSeconds.min, L.timeoutSeconds.max);
  const healthy = problems.integer("healthCheck.healthyThreshold", args.healthyThreshold ?? 3, L.healthyThreshold.min, L.healthyThreshold.max);
  const unhealthy = problems.integer("healthCheck.unhealthyThreshold", args.unhealthyThreshold ?? 3, L.unhealthyThreshold.min, L.unhealthyThreshold.max);
  if (interval !== undefined && timeout !== undefined && timeout > interval) {
    problems.add("healthCheck.timeoutSeconds", `must not exceed healthCheck.intervalSeconds (${interval}): AWS requires the interval to be at least the timeout, got ${timeout}`);
  }
  let path: string | undefined;
  let matcher: string | undefined;
  if (protocol === "TCP") {
    if (args.path !== undefined) problems.add("healthCheck.path", `applies only to HTTP and HTTPS health checks, not TCP; remove it`);
    if (args.matcher !== undefined) problems.add("healthCheck.matcher", `applies only to HTTP and HTTPS health checks, not TCP; remove it`);
  } else if (protocol !== undefined) {
    path = args.path ?? HEALTH_PATH;
    if (typeof path !== "string" || !HEALTH_PATH_PATTERN.test(path) || path.length > L.pathMaxLength) {
      problems.add("healthCheck.path", `must start with "/" and be at most ${L.pathMaxLength} printable characters without spaces, got ${describeValue(path)}`);
    }
    matcher = args.matcher ?? GWLB_HEALTH_CHECK_MATCHER;
    if (matcher !== GWLB_HEALTH_CHECK_MATCHER) {
      problems.add("healthCheck.matcher", `must be "${GWLB_HEALTH_CHECK_MATCHER}", the only success codes a Gateway Load Balancer accepts, got ${describeValue(matcher)}`);
    }
  }
  if (problems.list.length !== before) return undefined;
  return {
    protocol: protocol!,
    port: port!,
    ...(path !== undefined ? { path, matcher } : {}),
    intervalSeconds: interval!,
    timeoutSeconds: timeout!,
    healthyThreshold: healthy!,
    unhealthyThreshold: unhealthy!,
  };
}
