/** A small web server answering the seed's page, "Gateway Load Balancer Test", as the traced web server would. */
import * as http from "node:http";
import * as net from "node:net";

export interface WebServerIdentity {
  readonly privateIp: string;
  readonly availabilityZone: string;
  readonly region: string;
}

/** The page of the seed's web servers (their user data prints these lines). */
export function seedPage(id: WebServerIdentity): string {
  const host = `ip-${id.privateIp.replace(/\./g, "-")}.${id.region}.compute.internal`;
  return [
    "<h1>Gateway Load Balancer Test:</h1>",
    `<html><h2>My Private IP is: ${id.privateIp}</h2></html>`,
    `<html><h2>My Host Name is: ${host}</h2></html>`,
    "<html><h2>My instance-id is: i-0offline0000000001</h2></html>",
    "<html><h2>My instance-type is: t3.micro</h2></html>",
    `<html><h2>My placement/availability-zone is: ${id.availabilityZone}</h2></html>`,
    "",
  ].join("\n");
}

/** Starts the server on 127.0.0.1 (an ephemeral port); resolves with its port and a closer. */
export function startSeedWebServer(id: WebServerIdentity): Promise<{ port: number; close: () => Promise<void> }> {
  const page = seedPage(id);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=UTF-8", "Content-Length": Buffer.byteLength(page), Connection: "close" });
    res.end(page);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise((done) => server.close(() => done())),
    }));
  });
}
