// The control plane (primary process): loads the document, starts the health/metrics server
// and the data-plane workers, applies policy changes, and runs the SIGTERM drain.

import * as http from "node:http";
import type { DataPlaneSnapshot } from "../dataplane/counters";
import type { BindMode } from "../dataplane/forwarder";
import { logEvent } from "../shared/log";
import { startClusterWorkers } from "./cluster-workers";
import { DataPlane, LocalDataPlane } from "./data-plane";
import { DrainController } from "./drain";
import { evaluateHealth, HEARTBEAT_STALE_MS, HealthVerdict } from "./health";
import { readKernelSocketStats } from "./kernel-socket-stats";
import type { LoadedDocument } from "./load-document";
import { renderMetrics } from "./metrics";
import { PolicyManager } from "./policy-manager";
import type { PolicySource } from "./policy-source";
import { reusePortSupported } from "./reuse-port";
import type { FastPathConfig } from "../dataplane/fast-path";
import { FastPathBanks } from "./fast-path-banks";
import { applyFastPathCommands, removeFastPath, setUpFastPath } from "./fast-path-kernel";
import { AgentSettings, checkMergedSettings, mergeSettings } from "./settings";
import { ValidationError } from "./validation-error";
import { createStatusServer, listen } from "./status-server";
import { EmfReporter, emfTotals } from "./emf";

export interface AgentOptions {
  readonly source: PolicySource;
  /** Settings given on the command line; they override the document's `agent` section. */
  readonly flagSettings: Partial<AgentSettings>;
  /** Retry the first load (SSM: the parameter may not be readable yet). */
  readonly retryInitialLoad: boolean;
}

export class Agent {
  settings!: AgentSettings;
  bindMode: BindMode = "exclusive";
  private planes: DataPlane[] = [];
  private servers: http.Server[] = [];
  private readonly drain = new DrainController();
  private readonly manager: PolicyManager;
  private stopped = false;
  private fastPath: FastPathConfig | null = null;
  private banks: FastPathBanks | null = null;
  private started = false;
  private emf: EmfReporter | null = null;

  constructor(private readonly options: AgentOptions) {
    this.manager = new PolicyManager(options.source, (document, version) => this.applyPolicy(document, version));
  }

  async start(): Promise<void> {
    const document = await this.loadInitial();
    this.settings = mergeSettings(document.agent, this.options.flagSettings);
    checkMergedSettings(this.settings);
    // A socket mode this Node.js cannot honour is a startup error, reported before any warning.
    this.bindMode = await this.chooseBindMode();
    const settings = this.settings;
    if (settings.workers === 1) {
      const local = new LocalDataPlane(settings);
      await local.start(document, this.manager.version);
      this.planes = [local];
    } else {
      this.planes = await startClusterWorkers(settings, this.bindMode, document.text, this.manager.version);
    }
    // After the sockets are bound: rebuilding a table left by the previous process sends its
    // flows' next packets to this one, which decides and installs them again.
    const fastPath = await setUpFastPath(settings);
    this.fastPath = fastPath;
    if (fastPath !== null) {
      const banks = new FastPathBanks(
        fastPath.banks,
        (commands) => applyFastPathCommands(fastPath, commands),
        (endpoint, bank) => {
          for (const plane of this.planes) plane.setFastPathBank(endpoint, bank);
        },
      );
      this.banks = banks;
      for (const plane of this.planes) plane.enableFastPath(fastPath, banks);
    }
    // Health answers only once everything above is in place (tests and GWLB read 200 as "ready").
    await this.startStatusServers();
    this.options.source.watch(() => void this.manager.reload(), settings);
    if (settings.emfEndpoint !== "") {
      this.emf = new EmfReporter(settings.emfEndpoint, settings.emfIntervalSeconds, settings.emfDimension, settings.emfFleet, async () => emfTotals(await this.snapshots(), this.health().healthy));
    }
    this.started = true;
    logEvent("info", "agent started", {
      listen: `${settings.listenAddress}:${settings.listenPort}`,
      gwlbCidrs: settings.gwlbCidrs.map((cidr) => cidr.text),
      health: `${settings.healthAddress}:${settings.healthPort}`,
      metrics: settings.metricsPort === 0 ? "on the health port" : `${settings.healthAddress}:${settings.metricsPort}`,
      workers: settings.workers,
      socketMode: this.bindMode,
      policy: this.options.source.description,
      drainSeconds: settings.drainSeconds,
      fastPath: this.fastPath === null ? "off" : "nft",
    });
  }

  /** SIGHUP. */
  reload(): Promise<void> {
    return this.manager.reload();
  }

  /** SIGTERM: unhealthy now, keep forwarding for the drain period, then stop and exit 0. */
  beginDrain(onDone: () => void): void {
    const began = this.drain.begin(
      this.settings.drainSeconds,
      // The data path does not change while draining: only the health verdict does.
      () => logEvent("info", "draining: health is 503, existing flows keep being forwarded", { seconds: this.settings.drainSeconds }),
      () => void this.stop(true).then(onDone),
    );
    if (!began) logEvent("info", "already draining");
  }

  /**
   * Stops the data planes and servers. Only a final stop (the end of a drain) removes the fast
   * path's table; otherwise the kernel keeps forwarding decided flows until the next process.
   */
  async stop(final = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.drain.cancel();
    this.emf?.close();
    this.options.source.close();
    await Promise.all(this.planes.map((plane) => plane.stop()));
    if (final && this.fastPath !== null) await removeFastPath(this.fastPath);
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            // Keep-alive connections would otherwise hold close() open for their timeout.
            server.closeAllConnections();
          }),
      ),
    );
    if (this.started) logEvent("info", "agent stopped");
  }

  health(): HealthVerdict {
    return evaluateHealth({
      draining: this.drain.draining,
      policyVersion: this.manager.current === null ? 0 : this.manager.version,
      workersConfigured: this.settings.workers,
      workers: this.planes.map((plane) => plane.health()),
      now: Date.now(),
    });
  }

  private async snapshots(): Promise<DataPlaneSnapshot[]> {
    return (await Promise.all(this.planes.map((plane) => plane.snapshot()))).filter((snapshot): snapshot is DataPlaneSnapshot => snapshot !== null);
  }

  async metrics(): Promise<string> {
    const snapshots = await this.snapshots();
    const now = Date.now();
    return renderMetrics(snapshots, {
      configVersion: this.manager.version,
      reloads: this.manager.reloads,
      reloadErrors: this.manager.reloadErrors,
      draining: this.drain.draining,
      healthy: this.health().healthy,
      workersConfigured: this.settings.workers,
      workersReady: this.planes.filter((plane) => {
        const worker = plane.health();
        return worker.bound && now - worker.lastHeartbeatMs <= HEARTBEAT_STALE_MS;
      }).length,
      socketMode: this.bindMode,
      kernel: await readKernelSocketStats(this.settings.listenAddress, this.settings.listenPort),
      fastPathBanks: this.banks === null ? null : { used: this.banks.used, refused: this.banks.refused },
    });
  }

  private async loadInitial(): Promise<LoadedDocument> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.manager.loadInitial();
      } catch (error) {
        if (!this.options.retryInitialLoad) throw error;
        const delay = Math.min(30, 2 ** Math.min(attempt, 5));
        logEvent("error", "cannot load the policy yet; retrying", { source: this.options.source.description, error: (error as Error).message, retryInSeconds: delay });
        await new Promise((resolve) => setTimeout(resolve, delay * 1000));
      }
    }
  }

  /**
   * Several workers only with reusePort: on a shared socket the kernel hands each datagram to
   * whichever worker reads first, so a flow's packets (and a datagram's fragments) spread over
   * workers whose tables each guess the initiator from the first packet they saw, and
   * source/destination rules could then decide one flow differently per worker.
   */
  private async chooseBindMode(): Promise<BindMode> {
    const { workers, socketMode } = this.settings;
    if (workers === 1) return "exclusive";
    if (socketMode === "shared") {
      throw new ValidationError("settings", [
        `--socket-mode shared: refused with --workers ${workers}: on a shared socket one flow's packets reach several workers, which may decide it differently; use --workers 1, or reuseport (Node.js >= 22.12)`,
      ]);
    }
    const supported = await reusePortSupported();
    if (socketMode === "reuseport" && !supported) {
      throw new Error(`--socket-mode reuseport: this Node.js ${process.version} has no dgram reusePort option (needs >= 22.12); use auto or shared`);
    }
    if (supported) return "reuseport";
    logEvent("warn", "this Node.js has no dgram reusePort (needs >= 22.12): running one worker, since workers sharing one socket could decide a flow differently", {
      node: process.version,
      workersRequested: workers,
    });
    this.settings = { ...this.settings, workers: 1 };
    return "exclusive";
  }

  /** Health and metrics on listeners of their own, so the GWLB's health checkers never reach /metrics. */
  private async startStatusServers(): Promise<void> {
    const { healthAddress, healthPort, metricsPort } = this.settings;
    const provider = { health: () => this.health(), metrics: () => this.metrics() };
    const main = createStatusServer(provider, { health: true, metrics: metricsPort === 0 });
    try {
      await listen(main, healthPort, healthAddress);
    } catch (error) {
      throw new Error(`cannot serve health checks on ${healthAddress}:${healthPort}: ${(error as Error).message}`);
    }
    this.servers.push(main);
    if (metricsPort !== 0) {
      const metricsServer = createStatusServer(provider, { health: false, metrics: true });
      try {
        await listen(metricsServer, metricsPort, healthAddress);
      } catch (error) {
        throw new Error(`cannot serve metrics on ${healthAddress}:${metricsPort}: ${(error as Error).message}`);
      }
      this.servers.push(metricsServer);
    }
  }

  private applyPolicy(document: LoadedDocument, version: number): void {
    for (const plane of this.planes) plane.setPolicy(document, version);
  }
}
