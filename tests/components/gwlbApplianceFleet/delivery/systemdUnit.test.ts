import * as assert from "node:assert/strict";
import { agentCommandLine, renderUnit, systemdArgument } from "../../../../components/gwlbApplianceFleet/delivery/systemdUnit";
import { fixtureSettings } from "./fixture";

describe("delivery: the agent's systemd unit", () => {
  it("is exactly the hardened unit for the fixture's settings", () => {
    assert.equal(renderUnit(fixtureSettings()), [
      "# Written by the GWLB agent install command (SSM State Manager); local changes are overwritten.",
      "[Unit]",
      "Description=GWLB appliance agent (GENEVE inspection)",
      "Wants=network-online.target",
      "After=network-online.target",
      "",
      "[Service]",
      "Type=exec",
      "ExecStart=/usr/bin/node-24 /opt/gwlb-agent/current --gwlb-cidrs 10.21.11.0/24,10.21.12.0/24 --health-port 80"
        + " --metrics-port 9108 --drain-seconds 300 --tcp-idle-timeout 350 --ssm-parameter /gwlb-inspection/dev/appliance/policy"
        + " --region eu-west-1 --fast-path auto --slow-path-max-pps 0 --emf-endpoint 127.0.0.1:25888 --emf-fleet gwlb-inspection/dev/appliance",
      "Restart=on-failure",
      "RestartSec=2",
      "KillSignal=SIGTERM",
      "KillMode=mixed",
      "TimeoutStopSec=330",
      "LimitNOFILE=65536",
      "DynamicUser=yes",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_ADMIN",
      "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_ADMIN",
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
      "RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX",
      "SystemCallArchitectures=native",
      "LogsDirectory=gwlb-agent",
      "StandardOutput=append:/var/log/gwlb-agent/flows.log",
      "StandardError=append:/var/log/gwlb-agent/agent.log",
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n"));
  });

  it("stops later than the drain ends: TimeoutStopSec is the drain plus 30 s", () => {
    const unit = renderUnit(fixtureSettings({ drainSeconds: 0 }));
    assert.deepEqual(unit.split("\n").filter((l) => l.startsWith("TimeoutStopSec=")), ["TimeoutStopSec=30"]);
  });

  it("carries every deployment-bound setting as a flag", () => {
    const settings = fixtureSettings({
      gwlbCidrs: ["10.0.0.0/28"], healthPort: 8080, metricsPort: 0, drainSeconds: 45, tcpIdleTimeoutSeconds: 6000,
      policyParameter: "policy.v2", region: "ap-southeast-2", fastPath: "nft", slowPathMaxPps: 40000, fleet: "orders/prod/edge",
    });
    assert.deepEqual(agentCommandLine(settings), [
      "/usr/bin/node-24", "/opt/gwlb-agent/current", "--gwlb-cidrs", "10.0.0.0/28", "--health-port", "8080",
      "--metrics-port", "0", "--drain-seconds", "45", "--tcp-idle-timeout", "6000", "--ssm-parameter", "policy.v2",
      "--region", "ap-southeast-2", "--fast-path", "nft", "--slow-path-max-pps", "40000", "--emf-endpoint", "127.0.0.1:25888", "--emf-fleet", "orders/prod/edge",
    ]);
  });

  it("quotes an argument as systemd parses it: \\ and \" escaped, % and $ doubled", () => {
    assert.equal(systemdArgument("10.0.0.0/8,192.168.0.0/16"), "10.0.0.0/8,192.168.0.0/16");
    assert.equal(systemdArgument(`a b"c\\d%e$f`), `"a b\\"c\\\\d%%e$$f"`);
    assert.equal(systemdArgument(""), `""`);
    assert.throws(() => systemdArgument("a\nb"), /cannot span lines/);
  });

  it("refuses settings that would make a unit that cannot work, naming each", () => {
    const bad = fixtureSettings({
      gwlbCidrs: ["10.0.0.1/24", "not-a-cidr"], healthPort: 0, drainSeconds: 3601, tcpIdleTimeoutSeconds: 59,
      policyParameter: "policy name", region: "Europe", metricsPort: 80, slowPathMaxPps: -1,
    });
    assert.throws(() => renderUnit(bad), {
      message: [
        "invalid agent install settings:",
        '  region: "Europe" does not match /^[a-z]{2}(-[a-z]+)+-\\d{1,2}$/',
        '  gwlbCidrs[0]: "10.0.0.1/24" has host bits set; the network is 10.0.0.0/24',
        '  gwlbCidrs[1]: "not-a-cidr" is not an IPv4 CIDR block such as 10.0.0.0/16',
        "  healthPort: 0 is not an integer in 1-65535",
        "  drainSeconds: 3601 is not an integer in 0-3600",
        "  tcpIdleTimeoutSeconds: 59 is not an integer in 60-6000",
        '  policyParameter: "policy name" does not match /^[A-Za-z0-9_.\\-/]{1,2048}$/',
        "  slowPathMaxPps: -1 is not an integer in 0-100000000",
      ].join("\n"),
    });
  });

  it("refuses a metrics port equal to the health port, and no GWLB subnet", () => {
    assert.throws(() => renderUnit(fixtureSettings({ metricsPort: 80 })), /metricsPort: must differ from healthPort/);
    assert.throws(() => renderUnit(fixtureSettings({ fastPath: "off", slowPathMaxPps: 1000 })), /slowPathMaxPps: needs the fast path \(fastPath is off\)/);
    assert.throws(() => renderUnit(fixtureSettings({ gwlbCidrs: [] })), /gwlbCidrs: at least one GWLB subnet is needed/);
  });
});
