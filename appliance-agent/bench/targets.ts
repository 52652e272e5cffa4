// The systems the benchmark drives side by side, each started for its measurements and stopped
// after them: the seed's kernel hairpin (iptables, always there once set up), the agent with the
// kernel fast path (`--fast-path nft`), the agent without it (`--fast-path off`), and the bare
// Node.js reflector. Both agents use the same namespace and address one after the other; the
// fast path's table outlives a SIGINT by design, so it is deleted after that agent stops, and
// the agent without the fast path never meets elements left by the one with it.

import { AgentProcess, ReflectorProcess } from "./agent-process";
import { BenchPath, KERNEL_PATH, inNamespace } from "./netns";
import { tryRun } from "./sys";

export type TargetKind = "hairpin" | "fast" | "slow" | "floor";
export const TARGET_KINDS: readonly TargetKind[] = ["hairpin", "fast", "slow", "floor"];
export const TARGET_LABELS: Record<TargetKind, string> = {
  hairpin: "kernel hairpin (iptables)",
  fast: "agent, --fast-path nft",
  slow: "agent, --fast-path off",
  floor: "bare Node.js reflector",
};
/** The agent's own nftables table (control/fast-path-ruleset.ts). */
const FAST_PATH_TABLE = ["netdev", "gwlb_agent"];
/** Enough offloaded flows for the memory run's 100,000 (the default is 65,536). */
export const BENCH_FAST_PATH_MAX_FLOWS = 131072;

export interface TargetContext {
  readonly bundle: string;
  readonly dir: string;
  readonly agentPath: BenchPath;
  readonly reflectorPath: BenchPath;
  readonly workers: number;
  readonly cpus: string | null;
  /** The Node.js binary the agent runs on; default the benchmark's own. */
  readonly node?: string;
}

export interface Target {
  readonly kind: TargetKind;
  readonly path: BenchPath;
  /** The process whose CPU is reported, or null for the kernel. */
  readonly pid: number | null;
  readonly agent: AgentProcess | null;
  stop(): Promise<void>;
}

export function agentArgs(kind: "fast" | "slow", extra: readonly string[] = []): string[] {
  return kind === "fast" ? ["--fast-path", "nft", "--fast-path-max-flows", String(BENCH_FAST_PATH_MAX_FLOWS), ...extra] : ["--fast-path", "off", ...extra];
}

export function removeFastPathTable(ns: string | null): void {
  const [command, args] = inNamespace(ns, "nft", ["delete", "table", ...FAST_PATH_TABLE]);
  tryRun(command, args);
}

export async function startAgent(ctx: TargetContext, kind: "fast" | "slow", extra: readonly string[] = []): Promise<AgentProcess> {
  removeFastPathTable(ctx.agentPath.applianceNs);
  return AgentProcess.start({ bundle: ctx.bundle, dir: ctx.dir, path: ctx.agentPath, workers: ctx.workers, cpus: ctx.cpus, node: ctx.node, extraArgs: agentArgs(kind, extra) });
}

export async function stopAgent(ctx: TargetContext, agent: AgentProcess): Promise<void> {
  await agent.stop();
  removeFastPathTable(ctx.agentPath.applianceNs);
}

export async function startTarget(ctx: TargetContext, kind: TargetKind): Promise<Target> {
  switch (kind) {
    case "hairpin":
      return { kind, path: KERNEL_PATH, pid: null, agent: null, stop: async () => undefined };
    case "floor": {
      const reflector = await ReflectorProcess.start(ctx.reflectorPath, ctx.cpus);
      return { kind, path: ctx.reflectorPath, pid: reflector.pid, agent: null, stop: () => reflector.stop() };
    }
    default: {
      const agent = await startAgent(ctx, kind);
      return { kind, path: ctx.agentPath, pid: agent.pid, agent, stop: () => stopAgent(ctx, agent) };
    }
  }
}
