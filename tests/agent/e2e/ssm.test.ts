// End to end: the bundled agent reads its policy from "SSM" (a local stand-in endpoint speaking
// the GetParameter JSON protocol), polls it, and keeps the last good policy on errors. Static
// test credentials and a loopback endpoint keep the SDK away from any real AWS or IMDS address.
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startAgent } from "../support/agent-process";

interface Served {
  status: number;
  body: string;
}

describe("agent e2e: SSM parameter source (bundle)", function () {
  this.timeout(60000);
  let server: http.Server;
  let port: number;
  const requests: Array<{ target: string; body: unknown }> = [];
  let served: Served;

  const serve = (value: string): Served => ({ status: 200, body: JSON.stringify({ Parameter: { Name: "/gwlb/policy", Type: "SecureString", Value: value, Version: 1 } }) });

  before(async () => {
    server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        requests.push({ target: String(request.headers["x-amz-target"]), body: JSON.parse(body) as unknown });
        response.writeHead(served.status, { "content-type": "application/x-amz-json-1.1" }).end(served.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("loads, polls and reloads the parameter with decryption; a failing read keeps the policy", async () => {
    served = serve(JSON.stringify({ defaultAction: "allow", failMode: "open", rules: [] }));
    const agent = await startAgent({
      policy: {},
      sourceArgs: ["--ssm-parameter", "/gwlb/policy", "--region", "ap-northeast-2", "--poll-seconds", "1"],
      env: {
        AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: "AKIDTEST",
        AWS_SECRET_ACCESS_KEY: "test-secret",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    try {
      assert.deepEqual(requests[0], { target: "AmazonSSM.GetParameter", body: { Name: "/gwlb/policy", WithDecryption: true } });
      served = serve(JSON.stringify({ defaultAction: "deny", failMode: "open", rules: [] }));
      await agent.waitFor(async () => (await agent.metrics()).get("gwlb_agent_config_version") === 2, 8000, "config version 2");
      served = { status: 400, body: JSON.stringify({ __type: "ParameterNotFound", message: "gone" }) };
      await agent.waitFor(async () => ((await agent.metrics()).get("gwlb_agent_config_reload_errors_total") ?? 0) >= 1, 8000, "reload error");
      const m = await agent.metrics();
      assert.equal(m.get("gwlb_agent_config_version"), 2);
      assert.equal((await agent.health()).status, 200);
      assert.ok(agent.stderr.some((line) => line.includes("cannot read SSM parameter /gwlb/policy")), agent.stderr.join("\n"));
    } finally {
      await agent.stop();
    }
  });
});
