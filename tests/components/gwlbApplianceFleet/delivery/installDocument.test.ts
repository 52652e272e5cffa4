import * as assert from "node:assert/strict";
import {
  installDocumentBytes, installDocumentContent, renderInstallCommand,
} from "../../../../components/gwlbApplianceFleet/delivery/installDocument";
import { renderInstallScript } from "../../../../components/gwlbApplianceFleet/delivery/installScript";
import { fixtureSettings } from "./fixture";

describe("delivery: the SSM Command document", () => {
  const settings = fixtureSettings();
  const document = JSON.parse(installDocumentContent(settings));

  it("is schema 2.2 with the two String parameters, each with its allowed pattern", () => {
    assert.equal(document.schemaVersion, "2.2");
    assert.equal(document.description, "Installs or upgrades the GWLB appliance agent from its bundle in S3, verified by SHA-256.");
    assert.deepEqual(document.parameters, {
      BundleKey: {
        type: "String",
        description: "S3 key of the agent bundle in the fleet's artifact bucket.",
        allowedPattern: "^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$",
      },
      BundleSha256: {
        type: "String",
        description: "SHA-256 of the bundle (64 lower-case hex digits); a download that differs is refused.",
        allowedPattern: "^[0-9a-f]{64}$",
      },
    });
    assert.deepEqual(Object.keys(document), ["schemaVersion", "description", "parameters", "mainSteps"]);
  });

  it("has one aws:runShellScript step, bounded by a cold install plus the waits of an upgrade and a rollback", () => {
    assert.equal(document.mainSteps.length, 1);
    const [step] = document.mainSteps;
    assert.deepEqual({ ...step, inputs: { ...step.inputs, runCommand: "(below)" } }, {
      action: "aws:runShellScript",
      name: "installGwlbAgent",
      precondition: { StringEquals: ["platformType", "Linux"] },
      // 600 + 2 * (30 s for the old process to exit + 60 s of health wait)
      inputs: { timeoutSeconds: "780", runCommand: "(below)" },
    });
    assert.deepEqual(step.inputs.runCommand, renderInstallCommand(settings));
  });

  it("writes the script to a root-only temporary file and runs it with the two parameters", () => {
    const lines = renderInstallCommand(settings);
    const script = renderInstallScript(settings);
    assert.deepEqual(lines.slice(0, 4), [
      "set -eu",
      "umask 077",
      'script="$(mktemp --tmpdir gwlb-agent-install.XXXXXX)"',
      `cat > "$script" <<'GWLB_INSTALL_SCRIPT'`,
    ]);
    assert.equal(lines.slice(4, -5).join("\n"), script.replace(/\n$/, ""));
    assert.deepEqual(lines.slice(-5), [
      "GWLB_INSTALL_SCRIPT",
      "status=0",
      'bash "$script" "{{ BundleKey }}" "{{ BundleSha256 }}" || status=$?',
      'rm -f "$script"',
      'exit "$status"',
    ]);
  });

  it("mentions SSM parameters only where it passes them: the script has no {{ of its own", () => {
    const content = installDocumentContent(settings);
    assert.deepEqual(content.match(/\{\{[^}]*\}\}/g), ["{{ BundleKey }}", "{{ BundleSha256 }}"]);
  });

  it("stays well under SSM's 64 KB document limit", () => {
    const bytes = installDocumentBytes(settings);
    assert.equal(bytes, Buffer.byteLength(installDocumentContent(settings)));
    assert.ok(bytes < 32 * 1024, `${bytes} bytes`);
  });
});
