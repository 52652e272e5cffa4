/** Install settings as the fleet would derive them for a dev stack in eu-west-1. */
import type { AgentInstallSettings } from "../../../../components/gwlbApplianceFleet/delivery/installSettings";

export function fixtureSettings(overrides: Partial<AgentInstallSettings> = {}): AgentInstallSettings {
  return {
    region: "eu-west-1",
    bucket: "gwlb-artifacts-dev-0123",
    gwlbCidrs: ["10.21.11.0/24", "10.21.12.0/24"],
    healthPort: 80,
    metricsPort: 9108,
    drainSeconds: 300,
    tcpIdleTimeoutSeconds: 350,
    policyParameter: "/gwlb-inspection/dev/appliance/policy",
    fastPath: "auto",
    slowPathMaxPps: 0,
    sysctls: { "net.core.rmem_max": "33554432", "net.core.wmem_max": "33554432" },
    healthWaitSeconds: 60,
    fleet: "gwlb-inspection/dev/appliance",
    logGroups: { agent: "/gwlb-inspection/dev/appliance/agent", flows: "/gwlb-inspection/dev/appliance/flows" },
    ...overrides,
  };
}
