/** The socket-buffer sysctls, as a file for /etc/sysctl.d. */
import type { AgentInstallSettings } from "./installSettings";
import { checkedInstallSettings } from "./settingsChecks";

/**
 * One `name = value` line per setting, in the given order and nothing else: the launch template's user
 * data writes the same file in the same format, so a first install finds it unchanged.
 */
export function renderSysctlConf(settings: AgentInstallSettings): string {
  return Object.entries(checkedInstallSettings(settings).sysctls).map(([name, value]) => `${name} = ${value}\n`).join("");
}
