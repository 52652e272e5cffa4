/**
 * The SSM Command document that installs the agent: one aws:runShellScript step that writes the install
 * script to a root-only temporary file and runs it with the document's two parameters.
 */
import { HANDOFF_EXIT_WAIT_SECONDS } from "./applianceLayout";
import { BUNDLE_KEY_PATTERN, BUNDLE_SHA256_PATTERN, quotedHeredoc, renderInstallScript } from "./installScript";
import type { AgentInstallSettings } from "./installSettings";

/** SSM's limit on a document's content. */
export const SSM_DOCUMENT_LIMIT_BYTES = 64 * 1024;

/** A cold install (dnf, download, start) takes a minute or two; the rest is the two health waits. */
const BASE_TIMEOUT_SECONDS = 600;

/** The step's bound: a cold install, the SIGINT exit waits and the health waits of an upgrade and its rollback. */
export function installTimeoutSeconds(settings: AgentInstallSettings): number {
  return BASE_TIMEOUT_SECONDS + 2 * (HANDOFF_EXIT_WAIT_SECONDS + settings.healthWaitSeconds);
}

/**
 * The step's runCommand lines. SSM substitutes `{{ Name }}` anywhere in them (the script has none of its
 * own), and the parameters' allowed patterns keep the values free of quotes and `$`.
 */
export function renderInstallCommand(settings: AgentInstallSettings): string[] {
  const script = renderInstallScript(settings);
  if (script.includes("{{")) throw new Error("the install script must not contain `{{`, which SSM would substitute");
  return [
    "set -eu",
    "umask 077",
    'script="$(mktemp --tmpdir gwlb-agent-install.XXXXXX)"',
    ...quotedHeredoc('cat > "$script"', "GWLB_INSTALL_SCRIPT", script).split("\n"),
    'status=0',
    'bash "$script" "{{ BundleKey }}" "{{ BundleSha256 }}" || status=$?',
    'rm -f "$script"',
    'exit "$status"',
  ];
}

/** The document's content, as JSON. Throws when it would not fit SSM's limit. */
export function installDocumentContent(settings: AgentInstallSettings): string {
  const document = {
    schemaVersion: "2.2",
    description: "Installs or upgrades the GWLB appliance agent from its bundle in S3, verified by SHA-256.",
    parameters: {
      BundleKey: {
        type: "String",
        description: "S3 key of the agent bundle in the fleet's artifact bucket.",
        allowedPattern: BUNDLE_KEY_PATTERN,
      },
      BundleSha256: {
        type: "String",
        description: "SHA-256 of the bundle (64 lower-case hex digits); a download that differs is refused.",
        allowedPattern: BUNDLE_SHA256_PATTERN,
      },
    },
    mainSteps: [{
      action: "aws:runShellScript",
      name: "installGwlbAgent",
      precondition: { StringEquals: ["platformType", "Linux"] },
      inputs: {
        timeoutSeconds: String(installTimeoutSeconds(settings)),
        runCommand: renderInstallCommand(settings),
      },
    }],
  };
  const content = JSON.stringify(document, null, 2);
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > SSM_DOCUMENT_LIMIT_BYTES) throw new Error(`the install document is ${bytes} bytes, above SSM's ${SSM_DOCUMENT_LIMIT_BYTES}`);
  return content;
}

/** The document's size in bytes (UTF-8), as SSM counts it. */
export function installDocumentBytes(settings: AgentInstallSettings): number {
  return Buffer.byteLength(installDocumentContent(settings), "utf8");
}
