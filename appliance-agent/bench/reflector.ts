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
const MAX_SOCKETS = 4096;
/** Lifetime bound: the benchmark kills it long before. */
const LIFETIME_MS = 3_600_000;

const returns = new Map<string, dgram.Socket>();
const pending = new Map<string, Buffer[]>();

function returnSocket(to: string, port: number): dgram.Socket | null {
  const key = `${to}:${port}`;
  const ready = returns.get(key);
  if (ready !== undefined) return ready;
  if (pending.has(key) || returns.size >= MAX_SOCKETS) return null;
  pending.set(key, []);
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: true, sendBufferSize: 1 << 20 });
  socket.on("error", () => undefined);
  socket.bind({ address, port, exclusive: true }, () => {
    socket.connect(returnPort, to, () => {
      returns.set(key, socket);
      for (const datagram of pending.get(key) ?? []) socket.send(datagram);
      pending.delete(key);
    });
  });
  return null;
}

const listener = dgram.createSocket({ type: "udp4", recvBufferSize: 8 << 20 });
listener.on("message", (datagram, remote) => {
  const socket = returnSocket(remote.address, remote.port);
  if (socket !== null) socket.send(datagram);
  else {
    const queue = pending.get(`${remote.address}:${remote.port}`);
    if (queue !== undefined && queue.length < 64) queue.push(datagram);
  }
});
listener.bind({ address, port: listenPort, exclusive: true }, () => process.stdout.write("ready\n"));
setTimeout(() => process.exit(0), LIFETIME_MS).unref();
process.on("SIGINT", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
