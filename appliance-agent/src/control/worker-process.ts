// The worker side of a cluster worker process: it runs one forwarder, compiles the policy text
// the primary sends, heartbeats, reports snapshots, and stops when the primary says so.

import { Forwarder } from "../dataplane/forwarder";
import { logEvent } from "../shared/log";
import { loadDocument } from "./load-document";
import { FromWorker, ToWorker, deserializeSettings } from "./worker-messages";

const HEARTBEAT_INTERVAL_MS = 1000;

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
          const settings = deserializeSettings(message.settings);
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
      case "fastpath":
        forwarder?.enableFastPath(message.config, (endpoint) => send({ t: "bank?", endpoint }));
        break;
      case "bank":
        forwarder?.setFastPathBank(message.endpoint, message.bank);
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
