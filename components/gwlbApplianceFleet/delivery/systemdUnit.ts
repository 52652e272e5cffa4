/**
 * The agent's systemd unit: a pure function of the install settings. The bundle is reached through the
 * `current` symlink, so a new bundle alone does not change the unit (the script tracks both).
 */
import {
  AGENT_LOG_FILE, CURRENT_BUNDLE, FLOW_LOG_FILE, LOGS_DIRECTORY, NODE_BINARY, STOP_MARGIN_SECONDS, CLOUDWATCH_AGENT_EMF_ENDPOINT,
} from "./applianceLayout";
import type { AgentInstallSettings } from "./installSettings";
import { checkedInstallSettings } from "./settingsChecks";

/** The capabilities the agent needs: port 80 for health checks, netlink for the nftables fast path. */
export const AGENT_CAPABILITIES = "CAP_NET_BIND_SERVICE CAP_NET_ADMIN";

/** At least 65536: each worker may hold thousands of return sockets, plus flows in the fast path. */
export const AGENT_OPEN_FILES_LIMIT = 65536;

const PLAIN_WORD = /^[A-Za-z0-9_./:,=+@-]+$/;

/**
 * One ExecStart argument, as systemd parses it: plain words as they are, anything else double-quoted
 * with `\` and `"` escaped, and `%` (specifiers) and `$` (variable expansion) doubled.
 */
export function systemdArgument(value: string): string {
  if (value.length > 0 && PLAIN_WORD.test(value)) return value;
  if (/[\n\r]/.test(value)) throw new Error(`a systemd argument cannot span lines: ${JSON.stringify(value)}`);
  const escaped = value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return `"${escaped}"`;
}

/** The agent's command line: every setting that is bound to the deployment, as flags. */
export function agentCommandLine(settings: AgentInstallSettings): string[] {
  return [
    NODE_BINARY, CURRENT_BUNDLE,
    "--gwlb-cidrs", settings.gwlbCidrs.join(","),
    "--health-port", String(settings.healthPort),
    "--metrics-port", String(settings.metricsPort),
    "--drain-seconds", String(settings.drainSeconds),
    "--tcp-idle-timeout", String(settings.tcpIdleTimeoutSeconds),
    "--ssm-parameter", settings.policyParameter,
    "--region", settings.region,
    "--fast-path", settings.fastPath,
    "--slow-path-max-pps", String(settings.slowPathMaxPps),
    // The counters go to the CloudWatch agent's embedded-metric-format listener on this host.
    "--emf-endpoint", CLOUDWATCH_AGENT_EMF_ENDPOINT,
    "--emf-fleet", settings.fleet,
  ];
}

/** The unit file's text. Throws on settings that cannot be right. */
export function renderUnit(settings: AgentInstallSettings): string {
  const checked = checkedInstallSettings(settings);
  return [
    "# Written by the GWLB agent install command (SSM State Manager); local changes are overwritten.",
    "[Unit]",
    "Description=GWLB appliance agent (GENEVE inspection)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${agentCommandLine(checked).map(systemdArgument).join(" ")}`,
    "Restart=on-failure",
    "RestartSec=2",
    // SIGTERM is the drain (instances leaving); upgrades stop the process with SIGINT instead.
    "KillSignal=SIGTERM",
    // Only the primary gets SIGTERM: it runs the drain and stops its workers itself.
    "KillMode=mixed",
    `TimeoutStopSec=${checked.drainSeconds + STOP_MARGIN_SECONDS}`,
    `LimitNOFILE=${AGENT_OPEN_FILES_LIMIT}`,
    "DynamicUser=yes",
    `AmbientCapabilities=${AGENT_CAPABILITIES}`,
    `CapabilityBoundingSet=${AGENT_CAPABILITIES}`,
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectControlGroups=yes",
    "ProtectKernelLogs=yes",
    "ProtectClock=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    // Netlink for nftables, Unix sockets for the worker processes' IPC.
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX",
    "SystemCallArchitectures=native",
    `LogsDirectory=${LOGS_DIRECTORY}`,
    `StandardOutput=append:${FLOW_LOG_FILE}`,
    `StandardError=append:${AGENT_LOG_FILE}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
