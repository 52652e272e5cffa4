/**
 * The CloudWatch agent's configuration: an instance's journal and files die with it, so the agent's two
 * log files go to the fleet's log groups, and the agent's embedded-metric-format events (its counters)
 * are received on the CloudWatch agent's default EMF socket (UDP and TCP 25888 on localhost).
 */
import { AGENT_LOG_FILE, FLOW_LOG_FILE } from "./applianceLayout";
import type { AgentInstallSettings } from "./installSettings";
import { checkedInstallSettings } from "./settingsChecks";

/** The JSON text (stable key order, two-space indent, final newline), so an unchanged config is byte-equal. */
export function renderCloudWatchAgentConfig(settings: AgentInstallSettings): string {
  const { logGroups } = checkedInstallSettings(settings);
  const config = {
    // systemd's LogsDirectory of a DynamicUser service is reached through /var/log/private (root only).
    agent: { run_as_user: "root" },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            { file_path: AGENT_LOG_FILE, log_group_name: logGroups.agent, log_stream_name: "{instance_id}" },
            { file_path: FLOW_LOG_FILE, log_group_name: logGroups.flows, log_stream_name: "{instance_id}" },
          ],
        },
      },
      metrics_collected: { emf: {} },
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
