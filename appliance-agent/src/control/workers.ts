// Data-plane workers. With one worker the forwarder runs in the main process. With more, each
// is a cluster worker process (one core each) and they share UDP 6081 in one of two ways:
// - "reuseport": each worker binds its own socket with SO_REUSEPORT (Node >= 22.12 / 23.1);
//   the kernel hashes the outer 4-tuple, so a GWLB source port always lands on one worker.
// - "shared": Node 20 has no reusePort option and a second bind gives EADDRINUSE, so the
//   cluster primary binds the socket once and hands the same descriptor to every worker; the
//   kernel gives each datagram to whichever worker reads first. Flows are then not pinned to a
//   worker: each worker keeps its own table, and verdicts agree because they are a pure
//   function of the policy and the flow (see README, "Workers").
// Return sockets are per worker (SO_REUSEADDR lets several workers bind the same port).

import cluster, { Worker } from "node:cluster";
import * as dgram from "node:dgram";
import { AgentSettings, LoadedDocument, loadDocument, defaultSettings } from "./settings";
import { Cidr, parseCidr } from "../../../common/cidr";
import { BindMode, Forwarder } from "../dataplane/forwarder";
import { WorkerHealth } from "./health";
import { logEvent } from "../shared/log";
import { DataPlaneSnapshot } from "../dataplane/counters";

const HEARTBEAT_INTERVAL_MS = 1000;
const SNAPSHOT_TIMEOUT_MS = 1500;
const STOP_TIMEOUT_MS = 10000;
const RESPAWN_DELAY_MS = 1000;

/** Messages from the primary to a worker. */
type ToWorker =
  | { t: "init"; workerId: number; settings: SerializedSettings; bindMode: BindMode; policyText: string; version: number }
  | { t: "policy"; policyText: string; version: number }
  | { t: "snapshot"; id: number }
  | { t: "stop" };

/** Messages from a worker to the primary. */
type FromWorker =
  | { t: "ready" }
  | { t: "fatal"; error: string }
  | { t: "heartbeat"; bound: boolean; policyVersion: number }
  | { t: "snapshot"; id: number; data: DataPlaneSnapshot };

type SerializedSettings = Omit<AgentSettings, "gwlbCidrs"> & { gwlbCidrs: string[] };

function serialize(settings: AgentSettings): SerializedSettings {
  return { ...settings, gwlbCidrs: settings.gwlbCidrs.map((cidr) => cidr.text) };
}

function deserialize(settings: SerializedSettings): AgentSettings {
  return { ...defaultSettings(), ...settings, gwlbCidrs: settings.gwlbCidrs.map((text) => parseCidr(text) as Cidr) };
}

/** One data plane as the control plane sees it, wherever it runs. */
export interface DataPlane {
  health(): WorkerHealth;
  /** Installs a document the control plane has already validated. */
  setPolicy(document: LoadedDocument, version: number): void;
  snapshot(): Promise<DataPlaneSnapshot | null>;
  stop(): Promise<void>;
}

/** The forwarder in this process (workers = 1): its loop is the one answering health checks. */
export class LocalDataPlane implements DataPlane {
  readonly forwarder: Forwarder;

  constructor(settings: AgentSettings) {
    this.forwarder = new Forwarder({ settings, workerId: 0, bindMode: "exclusive" });
  }

  async start(document: LoadedDocument, version: number): Promise<void> {
    this.setPolicy(document, version);
    await this.forwarder.start();
  }

  health(): WorkerHealth {
    return { bound: this.forwarder.bound, lastHeartbeatMs: Date.now(), policyVersion: this.forwarder.currentPolicyVersion };
  }

  setPolicy(document: LoadedDocument, version: number): void {
    // Same process: the policy the control plane compiled is used as is.
    this.forwarder.setPolicy(document.policy, version);
  }

  snapshot(): Promise<DataPlaneSnapshot | null> {
    return Promise.resolve(this.forwarder.snapshot());
  }

  stop(): Promise<void> {
    return this.forwarder.stop();
  }
}

/** Probes whether this Node.js honours `reusePort` (two binds to one port both succeed). */
export async function reusePortSupported(address = "127.0.0.1"): Promise<boolean> {
  const options: dgram.SocketOptions & { reusePort?: boolean } = { type: "udp4", reusePort: true };
  const first = dgram.createSocket(options);
  const second = dgram.createSocket(options);
  const bind = (socket: dgram.Socket, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ address, port, exclusive: true }, () => resolve(socket.address().port));
    });
  try {
    const port = await bind(first, 0);
    await bind(second, port);
    return true;
  } catch {
    return false;
  } finally {
    for (const socket of [first, second]) {
      try {
        socket.close();
      } catch {
        // never bound
      }
    }
  }
}

/** A cluster worker process; respawned by the pool if it dies while the agent runs. */
class ClusterDataPlane implements DataPlane {
  private worker: Worker | null = null;
  private bound = false;
  private lastHeartbeatMs = 0;
  private policyVersion = 0;
  private nextSnapshotId = 1;
  private readonly waiting = new Map<number, (data: DataPlaneSnapshot | null) => void>();
  private stopping = false;
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
        settings: serialize(this.settings),
        bindMode: this.bindMode,
        policyText: this.policyText,
        version: this.version,
      });
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

/** Entry point of a cluster worker process. */
export function runWorkerProcess(): void {
  let forwarder: Forwarder | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  const send = (message: FromWorker): void => {
    if (process.connected) process.send!(message);
  };
  const stop = async (code: number): Promise<void> => {
    if (heartbeat !== null) clearInterval(heartbeat);
    if (forwarder !== null) await forwarder.stop();
    process.exit(code);
  };
  // The primary orchestrates shutdown (drain first); signals sent to the whole group
  // (e.g. systemd's default KillMode) must not cut the drain short.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => undefined);
  process.on("disconnect", () => void stop(0));
  process.on("message", (message: ToWorker) => {
    switch (message.t) {
      case "init": {
        try {
          const settings = deserialize(message.settings);
          forwarder = new Forwarder({ settings, workerId: message.workerId, bindMode: message.bindMode });
          forwarder.setPolicy(loadDocument(message.policyText, "policy").policy, message.version);
        } catch (error) {
          send({ t: "fatal", error: String(error) });
          void stop(1);
          return;
        }
        const started = forwarder;
        started.start().then(
          () => {
            send({ t: "ready" });
            heartbeat = setInterval(
              () => send({ t: "heartbeat", bound: started.bound, policyVersion: started.currentPolicyVersion }),
              HEARTBEAT_INTERVAL_MS,
            );
          },
          (error: Error) => {
            send({ t: "fatal", error: error.message });
            void stop(1);
          },
        );
        break;
      }
      case "policy":
        try {
          forwarder?.setPolicy(loadDocument(message.policyText, "policy").policy, message.version);
        } catch (error) {
          logEvent("error", "worker could not apply a policy the primary accepted", { error: String(error) });
        }
        break;
      case "snapshot":
        if (forwarder !== null) send({ t: "snapshot", id: message.id, data: forwarder.snapshot() });
        break;
      case "stop":
        void stop(0);
        break;
    }
  });
}
