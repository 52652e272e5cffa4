/**
 * The appliances' user data: only what must exist before the agent's first socket. The agent asks
 * for large UDP socket buffers (GENEVE datagrams of up to 8,568 bytes arrive in bursts), and Linux
 * caps SO_RCVBUF/SO_SNDBUF at these maxima. Everything else (Node.js, the agent) comes through SSM.
 */
export const APPLIANCE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.core.rmem_max": "33554432",
  "net.core.wmem_max": "33554432",
};

/** The appliance user data (plain text; base64-encode it for the launch template). */
export function applianceUserData(): string {
  const lines = Object.entries(APPLIANCE_SYSCTLS).map(([key, value]) => `${key} = ${value}`);
  return [
    "#!/bin/bash",
    "# Socket buffer limits for the GWLB agent's GENEVE sockets. The agent itself arrives through SSM.",
    "set -euo pipefail",
    "cat > /etc/sysctl.d/90-gwlb-agent.conf <<'EOF'",
    ...lines,
    "EOF",
    "sysctl -p /etc/sysctl.d/90-gwlb-agent.conf",
    "",
  ].join("\n");
}
