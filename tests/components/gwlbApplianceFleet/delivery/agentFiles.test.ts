import * as assert from "node:assert/strict";
import { renderCloudWatchAgentConfig } from "../../../../components/gwlbApplianceFleet/delivery/cloudWatchAgentConfig";
import { renderSysctlConf } from "../../../../components/gwlbApplianceFleet/delivery/sysctlConf";
import { APPLIANCE_SYSCTLS, applianceUserData } from "../../../../components/gwlbApplianceFleet/userData";
import { fixtureSettings } from "./fixture";

describe("delivery: the CloudWatch agent's configuration", () => {
  it("ships the unit's two log files to the two log groups and listens for EMF", () => {
    const text = renderCloudWatchAgentConfig(fixtureSettings());
    assert.deepEqual(JSON.parse(text), {
      agent: { run_as_user: "root" },
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              { file_path: "/var/log/gwlb-agent/agent.log", log_group_name: "/gwlb-inspection/dev/appliance/agent", log_stream_name: "{instance_id}" },
              { file_path: "/var/log/gwlb-agent/flows.log", log_group_name: "/gwlb-inspection/dev/appliance/flows", log_stream_name: "{instance_id}" },
            ],
          },
        },
        metrics_collected: { emf: {} },
      },
    });
    assert.ok(text.endsWith("}\n"));
  });

  it("refuses a log group name CloudWatch Logs would refuse", () => {
    const settings = fixtureSettings({ logGroups: { agent: "agent logs", flows: "/f" } });
    assert.throws(() => renderCloudWatchAgentConfig(settings), /logGroups\.agent: "agent logs" does not match/);
  });
});

describe("delivery: the sysctl file", () => {
  it("is one `name = value` line per setting, in order", () => {
    const settings = fixtureSettings({ sysctls: { "net.core.rmem_max": "50000000", "net.ipv4.udp_rmem_min": "16384" } });
    assert.equal(renderSysctlConf(settings), "net.core.rmem_max = 50000000\nnet.ipv4.udp_rmem_min = 16384\n");
  });

  it("is byte for byte what the user data writes for the same sysctls, so a first install leaves it alone", () => {
    const userData = applianceUserData();
    const written = /^cat > \/etc\/sysctl\.d\/90-gwlb-agent\.conf <<'EOF'\n([\s\S]*?)^EOF$/m.exec(userData);
    assert.ok(written, userData);
    assert.equal(renderSysctlConf(fixtureSettings({ sysctls: APPLIANCE_SYSCTLS })), written[1]);
  });

  it("refuses a value that could break the file", () => {
    const settings = fixtureSettings({ sysctls: { "net.core.rmem_max": "1\nkernel.panic = 1" } });
    assert.throws(() => renderSysctlConf(settings), /sysctls\[net\.core\.rmem_max\]: "1\\nkernel\.panic = 1" does not match/);
  });
});
