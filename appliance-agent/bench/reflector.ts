// The Node.js floor: the least a Node.js GENEVE appliance must do per datagram, with no
// parsing, no flow table and no policy. It receives on one dgram socket and sends each datagram
// back unchanged from a socket bound to the sender's source port and connected to the sender's
// port 6081 (the agent's return path, minus everything else). The benchmark runs it in the
// agent's place, pinned to the same CPU, so the report can tell how much of the agent's cost is
// its own code and how much is Node.js's one-syscall-per-datagram dgram API.
//
// usage: reflector.ts <listen address> <listen port> <return port>   (prints "ready" when bound)

import * as dgram from "node:dgram";

const [address, listenPortText, returnPortText] = process.argv.slice(2);
const listenPort = Number(listenPortText);
const returnPort = Number(returnPortText);
// Enough for the 20,000-port runs (the benchmark raises its descriptor limit).
const MAX_SOCKETS = 32768;
/** Lifetime bound: the benchmark kills it long before. */
const LIFETIME_MS = 3_600_000;

/** Return sockets by GWLB address, then GWLB source port (no per-packet string building). */
const returns = new Map<string, Map<number, dgram.Socket>>();
const pending = new Map<string, Map<number, Buffer[]>>();
let socketCount = 0;

function open(to: string, port: number, datagram: Buffer): void {
  let waiting = pending.get(to);
  if (waiting === undefined) pending.set(to, (waiting = new Map()));
  const queue = waiting.get(port);
  if (queue !== undefined) {
    if (queue.length < 64) queue.push(datagram);
    return;
  }
  if (socketCount >= MAX_SOCKETS) return;
  socketCount++;
  waiting.set(port, [datagram]);
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: true, sendBufferSize: 1 << 20 });
  socket.on("error", () => undefined);
  socket.bind({ address, port, exclusive: true }, () => {
    socket.connect(returnPort, to, () => {
      let ready = returns.get(to);
      if (ready === undefined) returns.set(to, (ready = new Map()));
      ready.set(port, socket);
      for (const queued of waiting.get(port) ?? []) socket.send(queued);
      waiting.delete(port);
    });
  });
}

const listener = dgram.createSocket({ type: "udp4", recvBufferSize: 8 << 20 });
listener.on("message", (datagram, remote) => {
  const socket = returns.get(remote.address)?.get(remote.port);
  if (socket !== undefined) socket.send(datagram);
  else open(remote.address, remote.port, datagram);
});
listener.bind({ address, port: listenPort, exclusive: true }, () => process.stdout.write("ready\n"));
setTimeout(() => process.exit(0), LIFETIME_MS).unref();
process.on("SIGINT", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
