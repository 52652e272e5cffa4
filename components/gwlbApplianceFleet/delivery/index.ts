/** What the fleet component needs to ship the agent through SSM: pure renderers, no resources. */
export type { AgentInstallSettings } from "./installSettings";
export { installSettingsProblems, checkedInstallSettings } from "./settingsChecks";
export { renderUnit, agentCommandLine, systemdArgument, AGENT_CAPABILITIES, AGENT_OPEN_FILES_LIMIT } from "./systemdUnit";
export { renderCloudWatchAgentConfig } from "./cloudWatchAgentConfig";
export { renderSysctlConf } from "./sysctlConf";
export { renderInstallScript, BUNDLE_KEY_PATTERN, BUNDLE_SHA256_PATTERN, REQUIRED_PACKAGES } from "./installScript";
export {
  renderInstallCommand, installDocumentContent, installDocumentBytes, installTimeoutSeconds, SSM_DOCUMENT_LIMIT_BYTES,
} from "./installDocument";
export * from "./applianceLayout";
