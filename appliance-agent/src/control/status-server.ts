// The HTTP listeners GWLB health-checks and Prometheus scrapes: /health (and / and HEALTH_PATH)
// answers 200 or 503 with the health rule's reason, /metrics serves the text exposition. Each
// listener serves only what it is given: by default health and metrics are on separate ports.

import * as http from "node:http";
import { HEALTH_PATH } from "../../../common/contract";
import type { HealthVerdict } from "./health";

export interface StatusProvider {
  health(): HealthVerdict;
  metrics(): Promise<string>;
}

/** What one listener serves; anything else is 404. */
export interface StatusRoutes {
  readonly health: boolean;
  readonly metrics: boolean;
}

/** Serves GET/HEAD `/`, `/health`, `/healthz` (if routes.health) and `/metrics` (if routes.metrics). */
export function createStatusServer(provider: StatusProvider, routes: StatusRoutes): http.Server {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (routes.health && (path === "/" || path === "/health" || path === HEALTH_PATH)) {
      const verdict = provider.health();
      response
        .writeHead(verdict.healthy ? 200 : 503, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
        .end(request.method === "HEAD" ? undefined : `${verdict.healthy ? "ok" : "unhealthy"}: ${verdict.reason}\n`);
      return;
    }
    if (routes.metrics && path === "/metrics") {
      provider.metrics().then(
        (text) => {
          response
            .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" })
            .end(request.method === "HEAD" ? undefined : text);
        },
        (error: unknown) => {
          response.writeHead(500, { "content-type": "text/plain" }).end(`metrics unavailable: ${String(error)}\n`);
        },
      );
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10000;
  server.requestTimeout = 10000;
  return server;
}

export function listen(server: http.Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
