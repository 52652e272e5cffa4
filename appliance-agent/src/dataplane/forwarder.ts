// The data path of one worker: receive GENEVE on UDP 6081, check the source, parse, look the
// flow up, decide once per flow with the policy, return allowed datagrams byte for byte.
// Per packet it allocates nothing of its own: parsers fill reused objects, the flow table is
// typed arrays, and the received Buffer itself is what is sent back.

import * as dgram from "node:dgram";
import type { Cidr } from "../../../common/cidr";
import { SourceFilter } from "./source-filter";
import { Drop, Unclassified } from "./drop-reasons";
import { KEY_ENDPOINT_HIGH, KEY_ENDPOINT_LOW, KEY_WORDS } from "./flow-key";
import { FLAG_ALLOW, FLOW_END_NAMES, FlowTable } from "./flow-table";
import { FlowLogger } from "./flow-log";
import { GeneveHeader, parseGeneve } from "./geneve";
import { FragmentVerdict, FragmentVerdicts } from "./fragment-verdicts";
import { Fragment, InnerPacket, parseInnerPacket } from "./inner-packet";
import { logEvent } from "../shared/log";
import { Counter, DataPlaneCounters, DataPlaneSnapshot, snapshotOf } from "./counters";
import { CompiledPolicy, FlowView } from "../policy/compile";
import { ReturnSocketFactory, ReturnSocketPool } from "./return-sockets";
import { FastPath, FastPathConfig } from "./fast-path";
import { kernelCanMatch } from "./fast-path-elements";
import { PollSchedule } from "./poll-schedule";

/** How the GENEVE socket is bound. */
export type BindMode = "exclusive" | "shared" | "reuseport";

const CLOCK_TICK_MS = 100;
const MAINTENANCE_EVERY_TICKS = 10;
const RETURN_SOCKET_IDLE_MS = 10 * 60 * 1000;
/** Rule labels of this many recent policy versions are kept for flows not re-decided yet. */
const LABEL_HISTORY = 8;

/** The agent settings the data path reads; the control plane's AgentSettings is a superset. */
export interface ForwarderSettings {
  readonly listenAddress: string;
  readonly listenPort: number;
  readonly gwlbCidrs: readonly Cidr[];
  readonly gwlbPort: number;
  readonly maxFlows: number;
  readonly maxReturnSockets: number;
  readonly tcpIdleTimeoutSeconds: number;
  readonly otherIdleTimeoutSeconds: number;
  readonly receiveBufferBytes: number;
  readonly sendBufferBytes: number;
  readonly flowLogs: boolean;
  /** Flow log lines per second per worker (burst: one second's worth); the rest are counted. */
  readonly flowLogRate: number;
}

export interface ForwarderOptions {
  readonly settings: ForwarderSettings;
  readonly workerId: number;
  readonly bindMode: BindMode;
  /** Defaults to a logger on stdout honouring settings.flowLogs. */
  readonly flowLogger?: FlowLogger;
  /** The return sockets' factory; defaults to real dgram sockets (a seam for measuring without them). */
  readonly createReturnSocket?: ReturnSocketFactory;
}

export class Forwarder {
  readonly counters = new DataPlaneCounters();
  readonly table: FlowTable;
  readonly flowLogger: FlowLogger;
  bound = false;
  /** Coarse wall clock (ms), refreshed every 100 ms instead of read per packet. */
  now = Date.now();
  private policy: CompiledPolicy | null = null;
  private policyVersion = 0;
  private readonly labelHistory = new Map<number, readonly string[]>();
  private readonly sources: SourceFilter;
  private readonly socket: dgram.Socket;
  private readonly pool: ReturnSocketPool;
  private readonly geneve = new GeneveHeader();
  private readonly inner = new InnerPacket();
  private readonly flow = new FlowView();
  private readonly fragments = new FragmentVerdicts();
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private fastPath: FastPath | null = null;
  private pollSchedule: PollSchedule | null = null;

  constructor(private readonly options: ForwarderOptions) {
    const { settings } = options;
    this.flowLogger = options.flowLogger ?? new FlowLogger(settings.flowLogs, options.workerId);
    this.flowLogger.limit(settings.flowLogRate, this.counters);
    this.table = new FlowTable({
      maxFlows: settings.maxFlows,
      tcpIdleTimeoutMs: settings.tcpIdleTimeoutSeconds * 1000,
      otherIdleTimeoutMs: settings.otherIdleTimeoutSeconds * 1000,
    });
    this.table.onEnd = (slot, reason) => this.onFlowEnd(slot, reason);
    this.sources = new SourceFilter(settings.gwlbCidrs);
    const socketOptions: dgram.SocketOptions & { reusePort?: boolean } = {
      type: "udp4",
      recvBufferSize: settings.receiveBufferBytes,
      sendBufferSize: settings.sendBufferBytes,
    };
    if (options.bindMode === "reuseport") socketOptions.reusePort = true;
    this.socket = dgram.createSocket(socketOptions);
    this.socket.on("message", (message, remote) => {
      this.handle(message, remote.address, remote.port);
    });
    this.socket.on("error", (error) => {
      this.bound = false;
      logEvent("error", "GENEVE socket error", { worker: options.workerId, error: error.message });
    });
    this.socket.on("close", () => {
      this.bound = false;
    });
    this.pool = new ReturnSocketPool({
      localAddress: settings.listenAddress,
      gwlbPort: settings.gwlbPort,
      maxSockets: settings.maxReturnSockets,
      sendBufferBytes: settings.sendBufferBytes,
      counters: this.counters,
      listenSocket: this.socket,
      listenPort: settings.listenPort,
      onError: (message) => logEvent("warn", message, { worker: options.workerId }),
      createSocket: options.createReturnSocket,
    });
    this.pool.now = this.now;
  }

  /** Binds the GENEVE socket and starts the clock; rejects if the address cannot be bound. */
  start(): Promise<void> {
    const { settings, bindMode } = this.options;
    this.timer = setInterval(() => this.tick(), CLOCK_TICK_MS);
    this.timer.unref();
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(new Error(`cannot bind the GENEVE socket to ${settings.listenAddress}:${settings.listenPort}: ${error.message}`));
      };
      this.socket.once("error", onError);
      this.socket.bind({ address: settings.listenAddress, port: settings.listenPort, exclusive: bindMode !== "shared" }, () => {
        this.socket.off("error", onError);
        this.bound = true;
        resolve();
      });
    });
  }

  /** Installs a policy; flows decided under an older version are re-decided on their next packet. */
  setPolicy(policy: CompiledPolicy, version: number): void {
    this.policy = policy;
    this.policyVersion = version;
    this.counters.setVerdictRules(policy.labels, (index) => policy.allows(index));
    this.labelHistory.set(version, policy.labels);
    for (const old of this.labelHistory.keys()) {
      if (this.labelHistory.size <= LABEL_HISTORY) break;
      this.labelHistory.delete(old);
    }
    const fastPath = this.fastPath;
    if (fastPath !== null) {
      // Offloaded flows send the agent no packet to re-decide them on: re-decide them all now
      // (bounded by the fast path's flow limit) and move the changed ones in one batch.
      fastPath.forEachFlow((slot) => {
        this.decide(policy, slot, false);
        fastPath.install(slot, (this.table.flags[slot] & FLAG_ALLOW) !== 0);
      });
      fastPath.flush();
    }
  }

  /**
   * Starts using the kernel fast path the control plane set up: decided TCP/UDP flows are
   * installed, and their counters are polled every `pollMs` (idle expiry follows each poll).
   */
  enableFastPath(config: FastPathConfig, requestBank: (endpoint: string) => void): void {
    if (this.fastPath !== null) return;
    const workerId = this.options.workerId;
    this.fastPath = new FastPath(config, this.table, this.counters, (message) => logEvent("warn", "fast path", { worker: workerId, error: message }), requestBank);
    this.pollSchedule = new PollSchedule({
      intervalMs: config.pollMs,
      poll: (signal) => this.pollFastPath(signal),
      ownBusyMs: () => this.fastPath?.listingMs ?? 0,
      onPolled: (took) => {
        this.counters.values[Counter.FastPathPolls]++;
        this.counters.values[Counter.FastPathPollSeconds] += took / 1000;
      },
      onDeferred: () => this.counters.values[Counter.FastPathPollsDeferred]++,
    });
    this.pollSchedule.start();
  }

  /** The control plane's answer to a bank request: the endpoint's bank, or -1 (none left). */
  setFastPathBank(endpoint: string, bank: number): void {
    this.fastPath?.setBank(endpoint, bank, this.policyVersion);
  }

  get currentPolicyVersion(): number {
    return this.policyVersion;
  }

  /**
   * Processes one datagram from address:port. Returns Drop.None if it was returned (or queued
   * for return), else the drop reason, which is also counted. Never throws.
   */
  handle(message: Buffer, address: string, port: number): number {
    const values = this.counters.values;
    values[Counter.PacketsIn]++;
    values[Counter.BytesIn] += message.length;
    let drop: number;
    try {
      drop = this.process(message, address, port);
    } catch (error) {
      drop = Drop.InternalError;
      logEvent("error", "internal error on a packet", { worker: this.options.workerId, error: String(error) });
    }
    if (drop !== Drop.None) this.counters.drops[drop]++;
    return drop;
  }

  snapshot(): DataPlaneSnapshot {
    this.syncTableCounters();
    return snapshotOf(this.counters, {
      activeFlows: this.table.size,
      returnSockets: this.pool.size,
      fastPathFlows: this.fastPath?.size ?? 0,
      policyVersion: this.policyVersion,
      bound: this.bound,
    });
  }

  /**
   * Ends every flow (logging it, with the kernel's last counts), flushes logs, closes all
   * sockets. The fast path's elements are left to the control plane: it removes the table on
   * a final stop and leaves it for the next process otherwise.
   */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.pollSchedule?.stop();
    const fastPath = this.fastPath;
    if (fastPath !== null) {
      fastPath.closing = true;
      await fastPath.poll(() => Date.now());
    }
    this.now = Date.now();
    this.table.clear();
    await fastPath?.close();
    this.flowLogger.flush();
    this.pool.closeAll();
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  private process(message: Buffer, address: string, port: number): number {
    if (!this.sources.allows(address)) return Drop.SourceNotAllowed;
    const geneve = this.geneve;
    const status = parseGeneve(message, message.length, geneve);
    if (status !== Drop.None) return status;
    const policy = this.policy;
    if (policy === null) return Drop.InternalError;
    const inner = this.inner;
    const unclassified = parseInnerPacket(message, geneve.innerOffset, geneve.innerLength, geneve.protocolType, inner);
    if (unclassified !== 0) {
      if (unclassified === Unclassified.NonFirstFragment) {
        const verdict = this.fragments.verdict(geneve, inner);
        if (verdict !== FragmentVerdict.Unknown) {
          this.counters.values[Counter.FragmentsMatched]++;
          return verdict === FragmentVerdict.Allow ? this.pool.send(address, port, message) : Drop.PolicyDeny;
        }
      }
      this.counters.unclassified[unclassified]++;
      if (!policy.failOpen) return Drop.Unclassifiable;
      this.counters.values[Counter.UnclassifiedForwarded]++;
      return this.pool.send(address, port, message);
    }
    const table = this.table;
    const slot = table.lookup(geneve, inner, this.now);
    table.packets[slot]++;
    table.bytes[slot] += inner.ipLength;
    if (table.created) this.counters.values[Counter.FlowsCreated]++;
    if (table.policyVersion[slot] !== this.policyVersion) this.decide(policy, slot, table.created);
    const allow = (table.flags[slot] & FLAG_ALLOW) !== 0;
    if (inner.fragment === Fragment.First) this.fragments.remember(geneve, inner, allow, this.now);
    const fastPath = this.fastPath;
    const kernelShaped = fastPath !== null && kernelCanMatch(message, geneve.innerOffset, inner.family, inner.protocol, inner.fragment !== Fragment.None);
    if (kernelShaped && !fastPath.offloaded(slot)) fastPath.install(slot, allow);
    if (!allow) return Drop.PolicyDeny;
    const sent = this.pool.send(address, port, message);
    // The kernel's egress chain learns the flow from this return, and counts it.
    if (kernelShaped && sent === Drop.None) fastPath.countReturn(slot, message.length);
    return sent;
  }

  /** Runs the policy for a flow (new, or decided under an older policy) and caches the verdict. */
  private decide(policy: CompiledPolicy, slot: number, created: boolean): void {
    const table = this.table;
    const keys = table.keys;
    const base = slot * KEY_WORDS;
    const flow = this.flow;
    const initiatorAt = table.initiatorAt(slot);
    const responderAt = table.responderAt(slot);
    for (let i = 0; i < 4; i++) {
      flow.initiator[i] = keys[initiatorAt + i];
      flow.responder[i] = keys[responderAt + i];
    }
    flow.initiatorPort = table.initiatorPort(slot);
    flow.responderPort = table.responderPort(slot);
    flow.family = table.family(slot);
    flow.protocol = table.protocol(slot);
    flow.endpointIdHigh = keys[base + KEY_ENDPOINT_HIGH];
    flow.endpointIdLow = keys[base + KEY_ENDPOINT_LOW];
    const index = policy.evaluate(flow);
    const allow = policy.allows(index);
    const wasAllowed = (table.flags[slot] & FLAG_ALLOW) !== 0;
    const previousRule = table.rule[slot];
    table.flags[slot] = allow ? table.flags[slot] | FLAG_ALLOW : table.flags[slot] & ~FLAG_ALLOW;
    table.rule[slot] = index;
    table.policyVersion[slot] = this.policyVersion;
    this.counters.countVerdict(index);
    if (created) this.flowLogger.log("flow_start", table, slot, policy.label(index), this.now);
    else if (allow !== wasAllowed || index !== previousRule) this.flowLogger.log("flow_verdict_change", table, slot, policy.label(index), this.now);
  }

  private onFlowEnd(slot: number, reason: number): void {
    this.fastPath?.remove(slot);
    if (!this.flowLogger.admit(this.now)) return;
    const table = this.table;
    const version = table.policyVersion[slot];
    const index = table.rule[slot];
    let label = "default";
    if (index >= 0) label = this.labelHistory.get(version)?.[index] ?? `rules[${index}]@v${version}`;
    this.flowLogger.log("flow_end", table, slot, label, this.now, FLOW_END_NAMES[reason], true);
  }

  /**
   * Brings the kernel's counts in, then expires idle flows: an offloaded flow is idle only if the
   * kernel saw nothing either, so nothing expires after a listing the schedule stopped (a busy
   * data path; the next complete one comes within a bounded time).
   */
  private async pollFastPath(signal: AbortSignal): Promise<void> {
    const fastPath = this.fastPath;
    if (fastPath === null) return;
    await fastPath.poll(() => Date.now(), signal);
    if (fastPath.closing || signal.aborted) return;
    this.now = Date.now();
    this.table.expire(this.now);
  }

  private tick(): void {
    this.now = Date.now();
    this.pool.now = this.now;
    if (++this.ticks % MAINTENANCE_EVERY_TICKS !== 0) return;
    if (this.fastPath === null) this.table.expire(this.now);
    this.fragments.expire(this.now);
    this.pool.closeIdle(RETURN_SOCKET_IDLE_MS);
    this.syncTableCounters();
  }

  private syncTableCounters(): void {
    this.counters.values[Counter.FlowsExpired] = this.table.expirations;
    this.counters.values[Counter.FlowEvictions] = this.table.evictions;
  }
}
