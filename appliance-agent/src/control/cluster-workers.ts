// Cluster workers as seen from the primary. With more than one worker, each data plane
// is a cluster worker process (one core each) and they share UDP 6081 in one of two ways:
// - "reuseport": each worker binds its own socket with SO_REUSEPORT (Node >= 22.12 / 23.1);
//   the kernel hashes the outer 4-tuple, so a GWLB source port always lands on one worker.
// - "shared": Node 20 has no reusePort option and a second bind gives EADDRINUSE, so the
//   cluster primary binds the socket once and hands the same descriptor to every worker; the
//   kernel gives each datagram to whichever worker reads first. Flows are then not pinned to a
//   worker, and workers could decide one flow differently, so agent.ts refuses this mode with
//   more than one worker (and `auto` falls back to one worker); see README, "Workers".
// Return sockets are per worker (SO_REUSEADDR lets several workers bind the same port).

import cluster, { Worker } from "node:cluster";
import type { DataPlaneSnapshot } from "../dataplane/counters";
import type { BindMode } from "../dataplane/forwarder";
import { logEvent } from "../shared/log";
import type { DataPlane } from "./data-plane";
import type { WorkerHealth } from "./health";
import type { LoadedDocument } from "./load-document";
import type { AgentSettings } from "./settings";
import type { FastPathConfig } from "../dataplane/fast-path";
import type { FastPathBanks } from "./fast-path-banks";
import { FromWorker, ToWorker, serializeSettings } from "./worker-messages";

const SNAPSHOT_TIMEOUT_MS = 1500;
const STOP_TIMEOUT_MS = 10000;
const RESPAWN_DELAY_MS = 1000;

/** A cluster worker process; respawned by the pool if it dies while the agent runs. */
class ClusterDataPlane implements DataPlane {
  private worker: Worker | null = null;
  private bound = false;
  private lastHeartbeatMs = 0;
  private policyVersion = 0;
  private nextSnapshotId = 1;
  private readonly waiting = new Map<number, (data: DataPlaneSnapshot | null) => void>();
  private stopping = false;
  /** Sent again to a respawned worker. */
  private fastPath: FastPathConfig | null = null;
  private banks: FastPathBanks | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly workerId: number,
    private readonly settings: AgentSettings,
    private readonly bindMode: BindMode,
    private policyText: string,
    private version: number,
  ) {}

  /** Forks the process; resolves when its socket is bound, rejects if it cannot start. */
  spawn(): Promise<void> {
    const worker = cluster.fork({ GWLB_AGENT_WORKER_ID: String(this.workerId) });
    this.worker = worker;
    let exit!: () => void;
    this.exited = new Promise((resolve) => (exit = resolve));
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on("message", (message: FromWorker) => {
        switch (message.t) {
          case "ready":
            started = true;
            this.bound = true;
            this.lastHeartbeatMs = Date.now();
            this.policyVersion = this.version;
            resolve();
            break;
          case "fatal":
            logEvent("error", "worker failed", { worker: this.workerId, error: message.error });
            if (!started) reject(new Error(message.error));
            break;
          case "heartbeat":
            this.bound = message.bound;
            this.policyVersion = message.policyVersion;
            this.lastHeartbeatMs = Date.now();
            break;
          case "bank?":
            this.banks?.request(message.endpoint);
            break;
          case "snapshot": {
            const done = this.waiting.get(message.id);
            this.waiting.delete(message.id);
            done?.(message.data);
            break;
          }
        }
      });
      worker.on("exit", (code, signal) => {
        this.bound = false;
        this.worker = null;
        for (const done of this.waiting.values()) done(null);
        this.waiting.clear();
        exit();
        if (!started) {
          reject(new Error(`worker ${this.workerId} exited during startup (code ${code}, signal ${signal})`));
          return;
        }
        if (this.stopping) return;
        logEvent("error", "worker exited; respawning", { worker: this.workerId, code, signal });
        setTimeout(() => {
          if (this.stopping) return;
          this.spawn().catch((error: Error) => logEvent("error", "worker respawn failed", { worker: this.workerId, error: error.message }));
        }, RESPAWN_DELAY_MS).unref();
      });
      this.send({
        t: "init",
        workerId: this.workerId,
        settings: serializeSettings(this.settings),
        bindMode: this.bindMode,
        policyText: this.policyText,
        version: this.version,
      });
      if (this.fastPath !== null) this.send({ t: "fastpath", config: this.fastPath });
      // A respawned worker learns the banks assigned so far.
      for (const [endpoint, bank] of this.banks?.assigned ?? []) this.send({ t: "bank", endpoint, bank });
    });
  }

  health(): WorkerHealth {
    return { bound: this.worker !== null && this.bound, lastHeartbeatMs: this.lastHeartbeatMs, policyVersion: this.policyVersion };
  }

  setPolicy(document: LoadedDocument, version: number): void {
    // Another process: only the text crosses IPC, and the worker compiles it again.
    this.policyText = document.text;
    this.version = version;
    this.send({ t: "policy", policyText: document.text, version });
  }

  enableFastPath(config: FastPathConfig, banks: FastPathBanks): void {
    this.fastPath = config;
    this.banks = banks;
    this.send({ t: "fastpath", config });
  }

  setFastPathBank(endpoint: string, bank: number): void {
    this.send({ t: "bank", endpoint, bank });
  }

  snapshot(): Promise<DataPlaneSnapshot | null> {
    if (this.worker === null) return Promise.resolve(null);
    const id = this.nextSnapshotId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, SNAPSHOT_TIMEOUT_MS);
      this.waiting.set(id, (data) => {
        clearTimeout(timer);
        resolve(data);
      });
      this.send({ t: "snapshot", id });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (worker === null) return;
    this.send({ t: "stop" });
    const timer = setTimeout(() => worker.process.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private send(message: ToWorker): void {
    const worker = this.worker;
    if (worker === null || !worker.isConnected()) return;
    try {
      worker.send(message);
    } catch (error) {
      logEvent("warn", "cannot message worker", { worker: this.workerId, error: String(error) });
    }
  }
}

/** Starts `settings.workers` cluster workers; resolves once every one is bound. */
export async function startClusterWorkers(
  settings: AgentSettings,
  bindMode: BindMode,
  policyText: string,
  version: number,
): Promise<DataPlane[]> {
  const planes: ClusterDataPlane[] = [];
  for (let i = 0; i < settings.workers; i++) planes.push(new ClusterDataPlane(i, settings, bindMode, policyText, version));
  try {
    // Sequential start: in "shared" mode the first bind creates the descriptor the others reuse.
    for (const plane of planes) await plane.spawn();
  } catch (error) {
    await Promise.all(planes.map((plane) => plane.stop()));
    throw error;
  }
  return planes;
}
