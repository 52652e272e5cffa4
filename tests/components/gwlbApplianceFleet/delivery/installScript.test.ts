/**
 * The install command run for real, as SSM would run it, in a scratch root with stand-ins for the
 * instance's tools (installSandbox.ts): a first install, a second run, a tampered bundle, an upgrade
 * handoff and an upgrade whose agent never turns healthy.
 */
import * as assert from "node:assert/strict";
import { renderCloudWatchAgentConfig } from "../../../../components/gwlbApplianceFleet/delivery/cloudWatchAgentConfig";
import { renderInstallScript } from "../../../../components/gwlbApplianceFleet/delivery/installScript";
import type { AgentInstallSettings } from "../../../../components/gwlbApplianceFleet/delivery/installSettings";
import { renderSysctlConf } from "../../../../components/gwlbApplianceFleet/delivery/sysctlConf";
import { renderUnit } from "../../../../components/gwlbApplianceFleet/delivery/systemdUnit";
import { fakeBundle } from "./fakeTools";
import { fixtureSettings } from "./fixture";
import { InstallSandbox, freePort, healthStatus, sha256 } from "./installSandbox";

const BUCKET = "gwlb-artifacts-dev-0123";
const V1 = fakeBundle("v1", "healthy");
const V2 = fakeBundle("v2", "healthy");
const V2_SILENT = fakeBundle("v2", "silent");
const key = (bundle: string) => `agent/${sha256(bundle)}/appliance-agent.js`;

/** Messages of the script itself (dnf and sysctl print their own lines too). */
const said = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("gwlb-agent install: ")).map((l) => l.slice(20));
/** Consecutive repeats collapsed: the script polls is-active a varying number of times. */
const collapsed = (calls: string[]) => calls.filter((call, i) => call !== calls[i - 1]);
const flags = (s: AgentInstallSettings) =>
  `--gwlb-cidrs ${s.gwlbCidrs.join(",")} --health-port ${s.healthPort} --metrics-port ${s.metricsPort} --drain-seconds ${s.drainSeconds}`
  + ` --tcp-idle-timeout ${s.tcpIdleTimeoutSeconds} --ssm-parameter ${s.policyParameter} --region ${s.region} --fast-path ${s.fastPath} --slow-path-max-pps ${s.slowPathMaxPps}`
  + ` --emf-endpoint 127.0.0.1:25888 --emf-fleet ${s.fleet}`;

const RPM_CHECKS = ["rpm -q --quiet nodejs24", "rpm -q --quiet nftables", "rpm -q --quiet iproute", "rpm -q --quiet amazon-cloudwatch-agent"];

describe("delivery: the install command, run for real in a scratch root", function () {
  this.timeout(60_000);
  let sandbox: InstallSandbox;
  let settings: AgentInstallSettings;

  beforeEach(async () => {
    sandbox = InstallSandbox.create();
    settings = fixtureSettings({ bucket: BUCKET, healthPort: await freePort(), healthWaitSeconds: 10 });
    for (const bundle of [V1, V2, V2_SILENT]) sandbox.putObject(BUCKET, key(bundle), bundle);
  });
  afterEach(() => sandbox.close());

  async function install(bundle: string, with_: AgentInstallSettings = settings) {
    const result = await sandbox.runDocument(with_, key(bundle), sha256(bundle));
    return { ...result, calls: sandbox.takeCalls() };
  }

  it("installs on a fresh instance: packages, verified release, unit, sysctls, CloudWatch agent, then starts and checks health", async () => {
    const run = await install(V1);
    assert.equal(run.code, 0, run.stderr);
    const sha = sha256(V1);
    assert.deepEqual(run.calls, [
      `aws s3api get-object --region eu-west-1 --bucket ${BUCKET} --key ${key(V1)} <root>/opt/gwlb-agent/releases/.download.XXXXXX`,
      ...RPM_CHECKS,
      "dnf install -y nodejs24 nftables iproute amazon-cloudwatch-agent",
      "sysctl -p <root>/etc/sysctl.d/90-gwlb-agent.conf",
      "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:<root>/opt/aws/amazon-cloudwatch-agent/etc/gwlb-agent.json",
      "systemctl daemon-reload",
      "systemctl is-active gwlb-agent.service",
      "systemctl enable --now gwlb-agent.service",
    ]);
    assert.deepEqual(said(run.stdout), [
      `downloading s3://${BUCKET}/${key(V1)} through the S3 endpoint of eu-west-1`,
      `verified and stored release ${sha}.js`,
      "installing nodejs24 nftables iproute amazon-cloudwatch-agent",
      `wrote ${sandbox.root}/etc/sysctl.d/90-gwlb-agent.conf`,
      `loading ${sandbox.root}/opt/aws/amazon-cloudwatch-agent/etc/gwlb-agent.json into the CloudWatch agent`,
      `current release: ${sha}.js (was: none)`,
      `wrote ${sandbox.root}/etc/systemd/system/gwlb-agent.service`,
      "enabling and starting the agent (it was inactive)",
      `the agent answers 200 on http://127.0.0.1:${settings.healthPort}/healthz`,
      `done: release ${sha}.js is running`,
    ]);
    assert.deepEqual(sandbox.entries("/opt/gwlb-agent/releases"), [`${sha}.js`]);
    assert.equal(sandbox.file(`/opt/gwlb-agent/releases/${sha}.js`), V1);
    assert.equal(sandbox.link("/opt/gwlb-agent/current"), `releases/${sha}.js`);
    assert.equal(sandbox.link("/opt/gwlb-agent/previous"), undefined);
    assert.equal(sandbox.file("/etc/systemd/system/gwlb-agent.service"), renderUnit(settings));
    assert.equal(sandbox.file("/etc/sysctl.d/90-gwlb-agent.conf"), renderSysctlConf(settings));
    assert.equal(sandbox.file("/opt/aws/amazon-cloudwatch-agent/etc/gwlb-agent.json"), renderCloudWatchAgentConfig(settings));
    assert.deepEqual(sandbox.agentEvents(), [`v1 started ${flags(settings)}`]);
    assert.equal(await healthStatus(settings.healthPort, "/healthz"), 200);
    assert.deepEqual(sandbox.tmpEntries(), [], "the script's temporary copy is removed");
  });

  it("changes nothing on a second run: no download, no restart, no file rewritten", async () => {
    assert.equal((await install(V1)).code, 0);
    const before = sandbox.snapshot();
    const again = await install(V1);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.calls, [...RPM_CHECKS, "systemctl is-active gwlb-agent.service"]);
    assert.deepEqual(sandbox.snapshot(), before);
    assert.deepEqual(said(again.stdout), [
      `release ${sha256(V1)}.js is on disk and verified`,
      "packages present: nodejs24 nftables iproute amazon-cloudwatch-agent",
      "sysctls unchanged",
      "CloudWatch agent configuration unchanged",
      `nothing changed: release ${sha256(V1)}.js is running`,
    ]);
    assert.deepEqual(sandbox.agentEvents(), [`v1 started ${flags(settings)}`]);
  });

  it("refuses a bundle whose SHA-256 differs: the download is deleted and nothing is installed", async () => {
    sandbox.putObject(BUCKET, key(V1), `${V1}// tampered\n`);
    const run = await install(V1);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `gwlb-agent install: error: SHA-256 mismatch for s3://${BUCKET}/${key(V1)}: expected ${sha256(V1)}, `
      + `got ${sha256(`${V1}// tampered\n`)}; the download was deleted and nothing was installed\n`);
    assert.deepEqual(run.calls, [`aws s3api get-object --region eu-west-1 --bucket ${BUCKET} --key ${key(V1)} <root>/opt/gwlb-agent/releases/.download.XXXXXX`]);
    assert.deepEqual(sandbox.snapshot(), { "opt": "dir", "opt/gwlb-agent": "dir", "opt/gwlb-agent/releases": "dir" });
    assert.deepEqual(sandbox.agentEvents(), []);
  });

  it("upgrades by a SIGINT handoff, never the SIGTERM drain, and remembers the previous release and unit", async () => {
    assert.equal((await install(V1)).code, 0);
    const upgraded = { ...settings, drainSeconds: 120 };
    const run = await install(V2, upgraded);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(collapsed(run.calls), [
      `aws s3api get-object --region eu-west-1 --bucket ${BUCKET} --key ${key(V2)} <root>/opt/gwlb-agent/releases/.download.XXXXXX`,
      ...RPM_CHECKS,
      "systemctl daemon-reload",
      "systemctl is-active gwlb-agent.service",
      "systemctl kill --kill-whom=main --signal=SIGINT gwlb-agent.service",
      "systemctl is-active gwlb-agent.service",
      "systemctl start gwlb-agent.service",
    ]);
    assert.deepEqual(sandbox.agentEvents(), [`v1 started ${flags(settings)}`, "v1 SIGINT", `v2 started ${flags(upgraded)}`]);
    assert.equal(sandbox.link("/opt/gwlb-agent/current"), `releases/${sha256(V2)}.js`);
    assert.equal(sandbox.link("/opt/gwlb-agent/previous"), `releases/${sha256(V1)}.js`);
    assert.deepEqual(sandbox.entries("/opt/gwlb-agent/releases"), [`${sha256(V1)}.js`, `${sha256(V2)}.js`].sort());
    assert.equal(sandbox.file("/etc/systemd/system/gwlb-agent.service"), renderUnit(upgraded));
    assert.equal(sandbox.file("/opt/gwlb-agent/previous.service"), renderUnit(settings));
    assert.equal(await healthStatus(settings.healthPort, "/healthz"), 200);
  });

  it("keeps only the current and the previous release", async () => {
    const V3 = fakeBundle("v3", "healthy");
    sandbox.putObject(BUCKET, key(V3), V3);
    for (const bundle of [V1, V2, V3]) assert.equal((await install(bundle)).code, 0);
    assert.deepEqual(sandbox.entries("/opt/gwlb-agent/releases"), [`${sha256(V2)}.js`, `${sha256(V3)}.js`].sort());
    assert.deepEqual(sandbox.agentEvents(), [
      `v1 started ${flags(settings)}`, "v1 SIGINT", `v2 started ${flags(settings)}`, "v2 SIGINT", `v3 started ${flags(settings)}`,
    ]);
  });

  it("rolls back an upgrade whose agent never answers, restarts the previous release and unit, and fails", async () => {
    assert.equal((await install(V1)).code, 0);
    const before = sandbox.snapshot();
    const upgraded = { ...settings, drainSeconds: 120, healthWaitSeconds: 3 };
    const run = await install(V2_SILENT, upgraded);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `gwlb-agent install: error: release ${sha256(V2_SILENT)}.js did not answer 200 on `
      + `http://127.0.0.1:${settings.healthPort}/healthz within 3 s; rolled back to the previous release and unit, which are healthy\n`);
    assert.deepEqual(sandbox.agentEvents(), [
      `v1 started ${flags(settings)}`, "v1 SIGINT", `v2 started ${flags(upgraded)}`, "v2 SIGINT", `v1 started ${flags(settings)}`,
    ]);
    assert.deepEqual(collapsed(run.calls).filter((c) => c.startsWith("systemctl ")), [
      "systemctl daemon-reload",
      "systemctl is-active gwlb-agent.service",
      "systemctl kill --kill-whom=main --signal=SIGINT gwlb-agent.service",
      "systemctl is-active gwlb-agent.service",
      "systemctl start gwlb-agent.service",
      "systemctl daemon-reload",
      "systemctl is-active gwlb-agent.service",
      "systemctl kill --kill-whom=main --signal=SIGINT gwlb-agent.service",
      "systemctl is-active gwlb-agent.service",
      "systemctl start gwlb-agent.service",
    ]);
    assert.equal(sandbox.link("/opt/gwlb-agent/current"), `releases/${sha256(V1)}.js`);
    assert.equal(sandbox.link("/opt/gwlb-agent/previous"), undefined);
    assert.deepEqual(sandbox.entries("/opt/gwlb-agent/releases"), [`${sha256(V1)}.js`]);
    assert.equal(sandbox.file("/etc/systemd/system/gwlb-agent.service"), renderUnit(settings));
    assert.equal(await healthStatus(settings.healthPort, "/healthz"), 200);
    const { "opt/gwlb-agent/previous.service": backup, ...rest } = sandbox.snapshot();
    assert.equal(backup.split("\n").slice(1).join("\n"), renderUnit(settings));
    assert.deepEqual(Object.keys(rest).sort(), Object.keys(before).sort());
  });

  it("fails a first install whose agent never answers: there is nothing to roll back to", async () => {
    const run = await install(V2_SILENT, { ...settings, healthWaitSeconds: 2 });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `gwlb-agent install: error: release ${sha256(V2_SILENT)}.js did not answer 200 on `
      + `http://127.0.0.1:${settings.healthPort}/healthz within 2 s; this was the first install, so there is nothing to roll back to\n`);
    assert.equal(sandbox.link("/opt/gwlb-agent/current"), `releases/${sha256(V2_SILENT)}.js`);
    assert.deepEqual(sandbox.agentEvents(), [`v2 started ${flags({ ...settings, healthWaitSeconds: 2 })}`]);
  });

  it("starts an unchanged agent that is not running, without rewriting anything", async () => {
    assert.equal((await install(V1)).code, 0);
    sandbox.killAgent();
    const before = sandbox.snapshot();
    const run = await install(V1);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.calls, [...RPM_CHECKS, "systemctl is-active gwlb-agent.service", "systemctl enable --now gwlb-agent.service"]);
    assert.deepEqual(said(run.stdout).slice(-2), [
      "nothing changed, but the agent is inactive: starting it",
      `the agent answers 200 on http://127.0.0.1:${settings.healthPort}/healthz`,
    ]);
    assert.deepEqual(sandbox.snapshot(), before);
    assert.deepEqual(sandbox.agentEvents(), [`v1 started ${flags(settings)}`, `v1 started ${flags(settings)}`]);
  });

  it("refuses arguments SSM's allowed patterns would refuse, before touching anything", async () => {
    const script = sandbox.writeScript(renderInstallScript(settings));
    const run = await sandbox.run("bash", [script, `agent/x";reboot;"`, sha256(V1)]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `gwlb-agent install: error: the bundle key 'agent/x";reboot;"' does not match ^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$\n`);
    const upper = await sandbox.run("bash", [script, key(V1), sha256(V1).toUpperCase()]);
    assert.equal(upper.code, 1);
    assert.equal(upper.stderr, `gwlb-agent install: error: the bundle SHA-256 '${sha256(V1).toUpperCase()}' is not 64 lower-case hex digits\n`);
    const missing = await sandbox.run("bash", [script, key(V1)]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "gwlb-agent install: error: usage: install <bundle S3 key> <bundle SHA-256>\n");
    assert.deepEqual(sandbox.takeCalls(), []);
    assert.deepEqual(sandbox.snapshot(), {});
  });
});
