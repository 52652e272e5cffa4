// What the primary and its cluster workers say to each other over the IPC channel (plain JSON),
// and how settings cross it: CIDRs travel as text and are parsed again in the worker.

import { Cidr, parseCidr } from "../../../common/cidr";
import type { DataPlaneSnapshot } from "../dataplane/counters";
import type { BindMode } from "../dataplane/forwarder";
import type { FastPathConfig } from "../dataplane/fast-path";
import { AgentSettings, defaultSettings } from "./settings";

/** Messages from the primary to a worker. */
export type ToWorker =
  | { t: "init"; workerId: number; settings: SerializedSettings; bindMode: BindMode; policyText: string; version: number }
  | { t: "policy"; policyText: string; version: number }
  | { t: "fastpath"; config: FastPathConfig }
  | { t: "bank"; endpoint: string; bank: number }
  | { t: "snapshot"; id: number }
  | { t: "stop" };

/** Messages from a worker to the primary. */
export type FromWorker =
  | { t: "ready" }
  | { t: "fatal"; error: string }
  | { t: "heartbeat"; bound: boolean; policyVersion: number }
  | { t: "snapshot"; id: number; data: DataPlaneSnapshot }
  /** The worker met a GWLB endpoint without a fast-path bank. */
  | { t: "bank?"; endpoint: string };

export type SerializedSettings = Omit<AgentSettings, "gwlbCidrs"> & { gwlbCidrs: string[] };

export function serializeSettings(settings: AgentSettings): SerializedSettings {
  return { ...settings, gwlbCidrs: settings.gwlbCidrs.map((cidr) => cidr.text) };
}

export function deserializeSettings(settings: SerializedSettings): AgentSettings {
  return { ...defaultSettings(), ...settings, gwlbCidrs: settings.gwlbCidrs.map((text) => parseCidr(text) as Cidr) };
}
