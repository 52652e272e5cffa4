// One data plane as the control plane sees it. With one worker the forwarder runs in this
// process (LocalDataPlane); with more, each is a cluster worker process (cluster-workers.ts).

import type { DataPlaneSnapshot } from "../dataplane/counters";
import type { FastPathConfig } from "../dataplane/fast-path";
import { Forwarder } from "../dataplane/forwarder";
import type { FastPathBanks } from "./fast-path-banks";
import type { WorkerHealth } from "./health";
import type { AgentSettings } from "./settings";
import type { LoadedDocument } from "./load-document";

/** One data plane as the control plane sees it, wherever it runs. */
export interface DataPlane {
  health(): WorkerHealth;
  /** Installs a document the control plane has already validated. */
  setPolicy(document: LoadedDocument, version: number): void;
  snapshot(): Promise<DataPlaneSnapshot | null>;
  /** Starts installing decided flows into the kernel table the control plane created; endpoint banks come from `banks`. */
  enableFastPath(config: FastPathConfig, banks: FastPathBanks): void;
  /** An endpoint's bank (or NO_BANK), as the control plane assigned it. */
  setFastPathBank(endpoint: string, bank: number): void;
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

  enableFastPath(config: FastPathConfig, banks: FastPathBanks): void {
    this.forwarder.enableFastPath(config, (endpoint) => banks.request(endpoint));
  }

  setFastPathBank(endpoint: string, bank: number): void {
    this.forwarder.setFastPathBank(endpoint, bank);
  }

  stop(): Promise<void> {
    return this.forwarder.stop();
  }
}
