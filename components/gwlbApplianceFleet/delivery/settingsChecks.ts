/**
 * The install settings are written into a systemd unit, a shell script and JSON: each value is checked
 * against what it can legitimately be, so a wrong value stops `pulumi preview` with its name instead of
 * producing a unit that fails on the instance (or a value that could escape its quoting).
 */
import { tryParseIpv4Cidr } from "../../../common/cidr";
import { SLOW_PATH_MAX_PPS_LIMIT } from "../../../common/contract";
import type { AgentInstallSettings } from "./installSettings";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** S3 bucket names (general purpose): 3-63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** SSM parameter names: letters, digits and _.-/ (a leading / for hierarchies). */
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,2048}$/;
const SYSCTL_NAME = /^[a-z0-9_]+(\.[a-z0-9_-]+)+$/;
/** Numbers or a few space-separated numbers (tcp_rmem style), or a plain word. */
const SYSCTL_VALUE = /^[A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*$/;
const LOG_GROUP = /^[A-Za-z0-9_\-/.#]{1,512}$/;

/** An EC2 tag value the unit can carry unquoted: letters, digits and _ . : / = + - @, at most 256. */
const FLEET_TAG_VALUE = /^[A-Za-z0-9_.:/=+@-]{1,256}$/;

function integerProblem(name: string, value: number, min: number, max: number): string[] {
  return Number.isInteger(value) && value >= min && value <= max ? [] : [`${name}: ${value} is not an integer in ${min}-${max}`];
}

function patternProblem(name: string, value: string, pattern: RegExp): string[] {
  return pattern.test(value) ? [] : [`${name}: ${JSON.stringify(value)} does not match ${pattern}`];
}

/** Every problem with the settings (empty when they are fine), each naming its field. */
export function installSettingsProblems(settings: AgentInstallSettings): string[] {
  const cidrProblems = settings.gwlbCidrs.length === 0
    ? ["gwlbCidrs: at least one GWLB subnet is needed"]
    : settings.gwlbCidrs.flatMap((cidr, i) => {
      const parsed = tryParseIpv4Cidr(cidr);
      return typeof parsed === "string" ? [`gwlbCidrs[${i}]: ${parsed}`] : [];
    });
  const sysctlProblems = Object.entries(settings.sysctls).flatMap(([name, value]) => [
    ...patternProblem(`sysctls key`, name, SYSCTL_NAME),
    ...patternProblem(`sysctls[${name}]`, value, SYSCTL_VALUE),
  ]);
  return [
    ...patternProblem("region", settings.region, REGION),
    ...patternProblem("bucket", settings.bucket, BUCKET),
    ...cidrProblems,
    ...integerProblem("healthPort", settings.healthPort, 1, 65535),
    ...integerProblem("metricsPort", settings.metricsPort, 0, 65535),
    ...(settings.metricsPort !== 0 && settings.metricsPort === settings.healthPort ? ["metricsPort: must differ from healthPort"] : []),
    // The agent's own bounds for these flags.
    ...integerProblem("drainSeconds", settings.drainSeconds, 0, 3600),
    ...integerProblem("tcpIdleTimeoutSeconds", settings.tcpIdleTimeoutSeconds, 60, 6000),
    ...patternProblem("policyParameter", settings.policyParameter, PARAMETER_NAME),
    ...(["auto", "nft", "off"].includes(settings.fastPath) ? [] : [`fastPath: ${JSON.stringify(settings.fastPath)} is not auto, nft or off`]),
    ...integerProblem("slowPathMaxPps", settings.slowPathMaxPps, 0, SLOW_PATH_MAX_PPS_LIMIT),
    ...(settings.fastPath === "off" && settings.slowPathMaxPps > 0 ? ["slowPathMaxPps: needs the fast path (fastPath is off)"] : []),
    ...sysctlProblems,
    ...integerProblem("healthWaitSeconds", settings.healthWaitSeconds, 1, 900),
    ...patternProblem("fleet", settings.fleet, FLEET_TAG_VALUE),
    ...patternProblem("logGroups.agent", settings.logGroups.agent, LOG_GROUP),
    ...patternProblem("logGroups.flows", settings.logGroups.flows, LOG_GROUP),
  ];
}

/** The settings, or an error listing every problem. */
export function checkedInstallSettings(settings: AgentInstallSettings): AgentInstallSettings {
  const problems = installSettingsProblems(settings);
  if (problems.length > 0) throw new Error(`invalid agent install settings:\n  ${problems.join("\n  ")}`);
  return settings;
}
