/**
 * What the SSM command that installs the agent on an appliance needs to know: plain values, each
 * derived from the same component value that configures AWS (the GWLB subnets are the agent's source
 * CIDRs, the target group's health check port is its health port, the deregistration delay its drain
 * period, the listener's TCP idle timeout its flow timeout), so the two sides cannot disagree.
 */
export interface AgentInstallSettings {
  /** The fleet's region: the S3 download goes to the regional endpoint (the VPC's gateway endpoint). */
  readonly region: string;
  /** The fleet's private artifact bucket. */
  readonly bucket: string;
  /** The GWLB's subnets: the only sources the agent accepts GENEVE from (`--gwlb-cidrs`). */
  readonly gwlbCidrs: readonly string[];
  /** The target group's health check port (`--health-port`); the path is the contract's HEALTH_PATH. */
  readonly healthPort: number;
  /** Where the agent serves Prometheus metrics (`--metrics-port`), apart from the health port. */
  readonly metricsPort: number;
  /** The target group's deregistration delay (`--drain-seconds`). */
  readonly drainSeconds: number;
  /** The listener's TCP idle timeout, or GWLB's default 350 (`--tcp-idle-timeout`). */
  readonly tcpIdleTimeoutSeconds: number;
  /** The SSM parameter holding the policy document (`--ssm-parameter`); the agent hot-reloads it. */
  readonly policyParameter: string;
  /** `--fast-path`: the kernel fast path where the kernel and CAP_NET_ADMIN allow. */
  readonly fastPath: "auto" | "nft" | "off";
  /** `--slow-path-max-pps`: what the fast path lets through to the agent, per second (0: no limit). */
  readonly slowPathMaxPps: number;
  /** Kernel settings for the agent's sockets (name -> value), written to /etc/sysctl.d. */
  readonly sysctls: Readonly<Record<string, string>>;
  /** How long a restarted agent has to answer 200 on its health port before the upgrade is rolled back. */
  readonly healthWaitSeconds: number;
  /** The fleet's tag value: the Fleet dimension of the agent's metrics (`--emf-fleet`), which the drops alarm watches. */
  readonly fleet: string;
  /** CloudWatch Logs groups the appliance ships its operational log and its flow log to. */
  readonly logGroups: { readonly agent: string; readonly flows: string };
}
