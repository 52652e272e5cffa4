// Whether this Node.js can give each worker its own GENEVE socket on one port (SO_REUSEPORT):
// dgram's reusePort option exists from Node.js 22.12 / 23.1 on, and older versions ignore it.

import * as dgram from "node:dgram";

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
