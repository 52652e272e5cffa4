// Runs inside the test's GWLB namespace (spawned with `ip netns exec`): plays the GWLB for the
// fast-path tests. One JSON command per stdin line, one JSON answer per stdout line:
//   {"op":"send","from":ADDR,"port":P,"to":ADDR,"hex":DATAGRAM}      -> {"ok":true}
//   {"op":"returns"}   -> every datagram received on GWLB:6081 since the last call
//   {"op":"get","url":URL} -> {"status":N,"body":TEXT}
import * as dgram from "node:dgram";
import * as http from "node:http";
import * as readline from "node:readline";

const listenAddress = process.argv[2];
const returns: Array<{ from: string; fromPort: number; hex: string }> = [];
const senders = new Map<string, dgram.Socket>();
const receiver = dgram.createSocket("udp4");
receiver.on("message", (message, remote) => returns.push({ from: remote.address, fromPort: remote.port, hex: message.toString("hex") }));

function sender(from: string, port: number): Promise<dgram.Socket> {
  const key = `${from}:${port}`;
  const existing = senders.get(key);
  if (existing !== undefined) return Promise.resolve(existing);
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
  senders.set(key, socket);
  return new Promise((resolve) => socket.bind(port, from, () => resolve(socket)));
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 3000, agent: false }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", (error) => resolve({ status: 0, body: error.message }));
  });
}

receiver.bind(6081, listenAddress, () => {
  process.stdout.write(JSON.stringify({ ready: true }) + "\n");
  readline.createInterface({ input: process.stdin }).on("line", (line) => {
    const command = JSON.parse(line) as { op: string; from: string; port: number; to: string; hex: string; url: string };
    const answer = (value: unknown): void => void process.stdout.write(JSON.stringify(value) + "\n");
    if (command.op === "send") {
      void sender(command.from, command.port).then((socket) => socket.send(Buffer.from(command.hex, "hex"), 6081, command.to, () => answer({ ok: true })));
    } else if (command.op === "returns") {
      answer(returns.splice(0, returns.length));
    } else if (command.op === "get") {
      void get(command.url).then(answer);
    }
  });
});
