/**
 * The contract between the fleet (Pulumi) and the appliance agent: values both sides must agree on.
 * The target group's health check, the security group and the agent's defaults all read them here,
 * so a change on one side cannot leave the other behind. Pure constants: no imports.
 */

/** GWLB speaks GENEVE (RFC 8926) to its targets on this UDP port, and nothing else. */
export const GENEVE_PORT = 6081;

/** The agent serves its HTTP health endpoint here; the target group checks this port by default. */
export const HEALTH_PORT = 80;

/** The path the target group's HTTP health check requests, and that the agent answers. */
export const HEALTH_PATH = "/healthz";

/**
 * The agent serves Prometheus `/metrics` here, apart from the health port, so that the GWLB's health
 * checkers never reach the metrics and the security group opens them only to whom the user names.
 */
export const METRICS_PORT = 9108;

/** The tag the fleet's instances carry from launch; SSM associations target the fleet by it. */
export const FLEET_TAG_KEY = "gwlb:fleet";

/** GWLB's TCP idle timeout when the listener sets none (seconds; 60-6000 configurable). */
export const GWLB_TCP_IDLE_TIMEOUT_SECONDS = 350;

/** GWLB's idle timeout for every protocol but TCP (seconds; fixed). */
export const GWLB_OTHER_IDLE_TIMEOUT_SECONDS = 120;

/** The target group's default deregistration delay, which the agent's drain period mirrors (seconds). */
export const DEREGISTRATION_DELAY_SECONDS = 300;

/** The highest `--slow-path-max-pps` the agent accepts (packets per second); the fleet checks against it too. */
export const SLOW_PATH_MAX_PPS_LIMIT = 100_000_000;
