// The health rule. GWLB cannot health-check GENEVE itself, so the HTTP answer (status-server.ts)
// must stand for the data path: see `evaluateHealth` for the exact rule.

/** A worker's heartbeat older than this means its event loop (and so its data path) is stuck. */
export const HEARTBEAT_STALE_MS = 3000;

export interface WorkerHealth {
  /** The GENEVE socket is bound and has reported no error. */
  readonly bound: boolean;
  /** When the worker last proved its event loop turns (ms since epoch). */
  readonly lastHeartbeatMs: number;
  /** Version of the policy the worker enforces; 0 = none yet. */
  readonly policyVersion: number;
}

export interface HealthInputs {
  readonly draining: boolean;
  readonly policyVersion: number;
  readonly workersConfigured: number;
  readonly workers: readonly WorkerHealth[];
  readonly now: number;
}

export interface HealthVerdict {
  readonly healthy: boolean;
  readonly reason: string;
}

/**
 * Healthy (HTTP 200) exactly when all of these hold:
 * 1. not draining (SIGTERM turns health to 503 at once);
 * 2. a policy is loaded (version > 0);
 * 3. every configured worker is up, its GENEVE socket is bound, it enforces a policy, and its
 *    heartbeat is younger than HEARTBEAT_STALE_MS.
 * Traffic is not required: GWLB probes a target before it sends it anything, so an idle but
 * bound and responsive data path is healthy. A worker that receives traffic but whose loop is
 * blocked stops heartbeating and turns the target unhealthy.
 */
export function evaluateHealth(inputs: HealthInputs): HealthVerdict {
  if (inputs.draining) return { healthy: false, reason: "draining" };
  if (inputs.policyVersion <= 0) return { healthy: false, reason: "no policy loaded" };
  if (inputs.workers.length < inputs.workersConfigured) {
    return { healthy: false, reason: `${inputs.workers.length} of ${inputs.workersConfigured} workers up` };
  }
  for (let i = 0; i < inputs.workers.length; i++) {
    const worker = inputs.workers[i];
    if (!worker.bound) return { healthy: false, reason: `worker ${i} GENEVE socket not bound` };
    if (worker.policyVersion <= 0) return { healthy: false, reason: `worker ${i} has no policy` };
    if (inputs.now - worker.lastHeartbeatMs > HEARTBEAT_STALE_MS) return { healthy: false, reason: `worker ${i} unresponsive` };
  }
  return { healthy: true, reason: "ok" };
}
