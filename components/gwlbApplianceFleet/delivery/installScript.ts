/**
 * The bash script the SSM document runs on an appliance (Amazon Linux 2023) with two arguments, the
 * bundle's S3 key and SHA-256. Every path it touches is under $GWLB_INSTALL_ROOT (empty on an
 * instance) and every tool is found through PATH, so a test runs it for real in a scratch root.
 */
import { HEALTH_PATH } from "../../../common/contract";
import {
  AGENT_HOME, AGENT_SERVICE, CLOUDWATCH_AGENT_CONFIG_FILE, CLOUDWATCH_AGENT_CTL, CLOUDWATCH_AGENT_PACKAGE,
  CURRENT_BUNDLE, HANDOFF_EXIT_WAIT_SECONDS, NODE_PACKAGE, RELEASES_DIR, SYSCTL_FILE, UNIT_FILE,
} from "./applianceLayout";
import { renderCloudWatchAgentConfig } from "./cloudWatchAgentConfig";
import { INSTALL_SCRIPT_FUNCTIONS } from "./installScriptFunctions";
import type { AgentInstallSettings } from "./installSettings";
import { checkedInstallSettings } from "./settingsChecks";
import { renderSysctlConf } from "./sysctlConf";
import { renderUnit } from "./systemdUnit";

/** S3 keys the document accepts: no quotes, spaces or `$`, since SSM pastes the value into shell text. */
export const BUNDLE_KEY_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$";
export const BUNDLE_SHA256_PATTERN = "^[0-9a-f]{64}$";

/** Packages the script installs when rpm does not know them (iproute: the agent's `ip` for the fast path and `ss` for its socket metrics). */
export const REQUIRED_PACKAGES = [NODE_PACKAGE, "nftables", "iproute", CLOUDWATCH_AGENT_PACKAGE] as const;

/** A single-quoted shell word. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `command <<'DELIMITER'` with content that must end in a newline and never contain the delimiter line. */
export function quotedHeredoc(command: string, delimiter: string, content: string): string {
  if (content.split("\n").includes(delimiter)) throw new Error(`content contains its heredoc delimiter ${delimiter}`);
  if (content !== "" && !content.endsWith("\n")) throw new Error(`heredoc content for ${delimiter} must end with a newline`);
  return `${command} <<'${delimiter}'\n${content}${delimiter}`;
}

/** `readonly NAME=value` lines, values quoted, each path under the install root. */
function variables(settings: AgentInstallSettings): string {
  const underRoot = (path: string) => `"$ROOT"${shellWord(path)}`;
  const lines: Array<[string, string]> = [
    ["REGION", shellWord(settings.region)],
    ["BUCKET", shellWord(settings.bucket)],
    ["HEALTH_URL", shellWord(`http://127.0.0.1:${settings.healthPort}${HEALTH_PATH}`)],
    ["HEALTH_WAIT_SECONDS", String(settings.healthWaitSeconds)],
    ["HANDOFF_EXIT_WAIT_SECONDS", String(HANDOFF_EXIT_WAIT_SECONDS)],
    ["SERVICE", shellWord(AGENT_SERVICE)],
    ["KEY_PATTERN", shellWord(BUNDLE_KEY_PATTERN)],
    ["SHA256_PATTERN", shellWord(BUNDLE_SHA256_PATTERN)],
    ["RELEASES", underRoot(RELEASES_DIR)],
    ["CURRENT", underRoot(CURRENT_BUNDLE)],
    ["PREVIOUS", underRoot(`${AGENT_HOME}/previous`)],
    ["UNIT", underRoot(UNIT_FILE)],
    ["UNIT_BACKUP", underRoot(`${AGENT_HOME}/previous.service`)],
    ["SYSCTL_FILE", underRoot(SYSCTL_FILE)],
    ["CLOUDWATCH_CONFIG", underRoot(CLOUDWATCH_AGENT_CONFIG_FILE)],
    ["CLOUDWATCH_CTL", underRoot(CLOUDWATCH_AGENT_CTL)],
  ];
  return lines.map(([name, value]) => `readonly ${name}=${value}`).join("\n");
}

/** The whole script. Throws on settings that cannot be right. */
export function renderInstallScript(settings: AgentInstallSettings): string {
  const checked = checkedInstallSettings(settings);
  return `#!/bin/bash
# Installs or upgrades the GWLB appliance agent. Run by the SSM document with the bundle's S3 key and
# SHA-256. A second run with the same arguments changes nothing and restarts nothing.
set -euo pipefail
umask 022
readonly ROOT="\${GWLB_INSTALL_ROOT:-}"
${variables(checked)}
${INSTALL_SCRIPT_FUNCTIONS}
(($# == 2)) || fail "usage: install <bundle S3 key> <bundle SHA-256>"
readonly BUNDLE_KEY="$1" BUNDLE_SHA256="$2"
[[ "$BUNDLE_KEY" =~ $KEY_PATTERN ]] || fail "the bundle key '$BUNDLE_KEY' does not match $KEY_PATTERN"
[[ "$BUNDLE_SHA256" =~ $SHA256_PATTERN ]] || fail "the bundle SHA-256 '$BUNDLE_SHA256' is not 64 lower-case hex digits"
for tool in aws curl sha256sum systemctl sysctl rpm dnf; do
  command -v "$tool" > /dev/null || fail "$tool is not installed"
done
readonly RELEASE_NAME="$BUNDLE_SHA256.js"
readonly RELEASE="$RELEASES/$RELEASE_NAME"

# 1. The bundle, before anything else: a bad download must leave the instance as it was.
DOWNLOAD=""
trap '[[ -z "$DOWNLOAD" ]] || rm -f "$DOWNLOAD"' EXIT
if [[ -f "$RELEASE" && "$(sha256_of "$RELEASE")" == "$BUNDLE_SHA256" ]]; then
  log "release $RELEASE_NAME is on disk and verified"
else
  mkdir -p "$RELEASES"
  DOWNLOAD="$(mktemp "$RELEASES/.download.XXXXXX")"
  log "downloading s3://$BUCKET/$BUNDLE_KEY through the S3 endpoint of $REGION"
  aws s3api get-object --region "$REGION" --bucket "$BUCKET" --key "$BUNDLE_KEY" "$DOWNLOAD" > /dev/null \\
    || fail "could not download s3://$BUCKET/$BUNDLE_KEY (the AWS CLI's message is above); nothing was installed"
  actual="$(sha256_of "$DOWNLOAD")"
  if [[ "$actual" != "$BUNDLE_SHA256" ]]; then
    fail "SHA-256 mismatch for s3://$BUCKET/$BUNDLE_KEY: expected $BUNDLE_SHA256, got $actual; the download was deleted and nothing was installed"
  fi
  chmod 0644 "$DOWNLOAD"
  mv -f "$DOWNLOAD" "$RELEASE"
  DOWNLOAD=""
  log "verified and stored release $RELEASE_NAME"
fi

# 2. Packages (from the AL2023 repositories, which the S3 gateway endpoint serves).
missing=()
for package in ${REQUIRED_PACKAGES.join(" ")}; do
  rpm -q --quiet "$package" || missing+=("$package")
done
CLOUDWATCH_AGENT_INSTALLED=no
if ((\${#missing[@]} > 0)); then
  log "installing \${missing[*]}"
  dnf install -y "\${missing[@]}"
  [[ " \${missing[*]} " != *" ${CLOUDWATCH_AGENT_PACKAGE} "* ]] || CLOUDWATCH_AGENT_INSTALLED=yes
else
  log "packages present: ${REQUIRED_PACKAGES.join(" ")}"
fi

# 3. Socket-buffer limits.
${quotedHeredoc(`write_file "$SYSCTL_FILE" 0644`, "GWLB_SYSCTL", renderSysctlConf(checked))}
if [[ "$FILE_CHANGED" == yes ]]; then
  log "wrote $SYSCTL_FILE"
  sysctl -p "$SYSCTL_FILE"
else
  log "sysctls unchanged"
fi

# 4. Logs and metrics off the box.
${quotedHeredoc(`write_file "$CLOUDWATCH_CONFIG" 0644`, "GWLB_CLOUDWATCH", renderCloudWatchAgentConfig(checked))}
if [[ "$FILE_CHANGED" == yes || "$CLOUDWATCH_AGENT_INSTALLED" == yes ]]; then
  log "loading $CLOUDWATCH_CONFIG into the CloudWatch agent"
  "$CLOUDWATCH_CTL" -a fetch-config -m ec2 -s -c "file:$CLOUDWATCH_CONFIG"
else
  log "CloudWatch agent configuration unchanged"
fi

# 5. The release in force and the unit, each remembered for a rollback.
OLD_RELEASE="$(readlink "$CURRENT" || true)"
OLD_PREVIOUS="$(readlink "$PREVIOUS" || true)"
BUNDLE_CHANGED=no
if [[ "$OLD_RELEASE" != "releases/$RELEASE_NAME" ]]; then
  [[ -z "$OLD_RELEASE" ]] || point_link "$PREVIOUS" "$OLD_RELEASE"
  point_link "$CURRENT" "releases/$RELEASE_NAME"
  BUNDLE_CHANGED=yes
  log "current release: $RELEASE_NAME (was: \${OLD_RELEASE:-none})"
fi
[[ -f "$UNIT" ]] || rm -f "$UNIT_BACKUP"
${quotedHeredoc(`write_file "$UNIT" 0644 "$UNIT_BACKUP"`, "GWLB_UNIT", renderUnit(checked))}
UNIT_CHANGED="$FILE_CHANGED"
if [[ "$UNIT_CHANGED" == yes ]]; then
  log "wrote $UNIT"
  systemctl daemon-reload
fi

# 6. A restart only for a change, and then a handoff (SIGINT), never the drain.
state="$(agent_state)"
if [[ "$BUNDLE_CHANGED" == no && "$UNIT_CHANGED" == no ]]; then
  if [[ "$state" == active ]]; then
    log "nothing changed: release $RELEASE_NAME is running"
    exit 0
  fi
  log "nothing changed, but the agent is $state: starting it"
  systemctl enable --now "$SERVICE"
  wait_healthy || fail "the agent does not answer 200 on $HEALTH_URL within $HEALTH_WAIT_SECONDS s"
  exit 0
fi
if [[ "$state" == active ]]; then
  stop_for_handoff
  log "starting release $RELEASE_NAME"
  systemctl start "$SERVICE"
else
  log "enabling and starting the agent (it was $state)"
  systemctl enable --now "$SERVICE"
fi
wait_healthy || roll_back "release $RELEASE_NAME did not answer 200 on $HEALTH_URL within $HEALTH_WAIT_SECONDS s"
prune_releases
log "done: release $RELEASE_NAME is running"
`;
}
