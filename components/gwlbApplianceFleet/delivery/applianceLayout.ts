/**
 * Where the install command puts things on an appliance (absolute paths on the instance; the install
 * script prefixes them with GWLB_INSTALL_ROOT, empty on a real instance, so a test can run it in a
 * scratch directory). The unit, the CloudWatch agent's config and the script read them here so that
 * the log files the unit writes are the ones the CloudWatch agent ships.
 */

/** The systemd service that runs the agent. */
export const AGENT_SERVICE = "gwlb-agent.service";
export const UNIT_FILE = `/etc/systemd/system/${AGENT_SERVICE}`;

/** AL2023's namespaced Node.js 24: a fixed path that `alternatives` (which owns /usr/bin/node) cannot switch. */
export const NODE_PACKAGE = "nodejs24";
export const NODE_BINARY = "/usr/bin/node-24";

/** Releases are kept by hash so a rollback is a symlink away. */
export const AGENT_HOME = "/opt/gwlb-agent";
export const RELEASES_DIR = `${AGENT_HOME}/releases`;
/** The bundle the unit runs: a symlink to releases/<sha256>.js. */
export const CURRENT_BUNDLE = `${AGENT_HOME}/current`;

/** systemd creates /var/log/<LogsDirectory> (owned by the service's dynamic user). */
export const LOGS_DIRECTORY = "gwlb-agent";
/** Flow logs are the agent's stdout (JSON lines). */
export const FLOW_LOG_FILE = `/var/log/${LOGS_DIRECTORY}/flows.log`;
/** Operational logs are the agent's stderr (JSON lines). */
export const AGENT_LOG_FILE = `/var/log/${LOGS_DIRECTORY}/agent.log`;

/** The same file the launch template's user data writes, so a first install finds it in place. */
export const SYSCTL_FILE = "/etc/sysctl.d/90-gwlb-agent.conf";

export const CLOUDWATCH_AGENT_PACKAGE = "amazon-cloudwatch-agent";
export const CLOUDWATCH_AGENT_CONFIG_FILE = "/opt/aws/amazon-cloudwatch-agent/etc/gwlb-agent.json";
/** The package does not put its control script on PATH. */
/** The CloudWatch agent's embedded-metric-format listener on this host (its default; the agent sends there). */
export const CLOUDWATCH_AGENT_EMF_ENDPOINT = "127.0.0.1:25888";
export const CLOUDWATCH_AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl";

/** systemd waits this much longer than the drain before it kills a stopping agent. */
export const STOP_MARGIN_SECONDS = 30;

/** How long an upgrade waits for the old process to exit after SIGINT before it kills it. */
export const HANDOFF_EXIT_WAIT_SECONDS = 30;
