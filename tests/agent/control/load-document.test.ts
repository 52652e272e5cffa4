// Whole documents: the policy and the agent section checked together, every problem at once,
// under the name of the document's source.
import { strict as assert } from "node:assert";
import { loadDocument } from "../../../appliance-agent/src/control/load-document";
import { ValidationError } from "../../../appliance-agent/src/control/validation-error";

function problemsOf(doc: unknown): readonly string[] {
  try {
    loadDocument(JSON.stringify(doc), "test.json");
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.problems;
  }
  assert.fail("expected a validation error");
}

describe("agent: loading documents", () => {
  it("reports every problem of a document at once, each with its path", () => {
    const doc = {
      defaultAction: "permit",
      failMode: "maybe",
      internalCidrs: ["10.0.0.0/8", "nope"],
      extra: 1,
      rules: [
        { action: "allow", protocol: "tcpp", source: { cidr: ["1.2.3.0/24", "1.2.3.4/40"], ports: ["80-70"] }, direction: "up", endpointIds: ["vpce-xyz"] },
        { name: "dup", action: "deny" },
        { name: "dup", action: "deny", destination: { port: 80 } },
        "rule",
        { action: "allow", protocol: "icmp", destination: { ports: 80 } },
      ],
      agent: { workers: 0, gwlbCidrs: ["10.0.0.0/8", "fe80::/10"], flavour: 1 },
    };
    assert.deepEqual(problemsOf(doc), [
      "agent.workers: 0 is not an integer between 1 and 256",
      'agent.gwlbCidrs[1]: "fe80::/10" is not an IPv4 CIDR',
      "agent.flavour: unknown setting (allowed: listenAddress, listenPort, gwlbCidrs, gwlbPort, healthAddress, healthPort, metricsPort, workers, socketMode, drainSeconds, tcpIdleTimeoutSeconds, otherIdleTimeoutSeconds, maxFlows, maxReturnSockets, receiveBufferBytes, sendBufferBytes, flowLogs, flowLogRate, pollSeconds, fastPath, fastPathDevice, fastPathMaxFlows, fastPathEndpoints, fastPathPollMs, fastPathTimeoutRefresh, slowPathMaxPps, filePollMs, emfEndpoint, emfIntervalSeconds, emfDimension, emfFleet, region)",
      "extra: unknown field (allowed: version, description, defaultAction, failMode, internalCidrs, rules, agent)",
      'defaultAction: "permit" is not "allow" or "deny"',
      'failMode: "maybe" is not "open" or "closed" (required: how to treat packets that cannot be classified)',
      'internalCidrs[1]: "nope" is not a valid CIDR (missing "/prefix")',
      'rules[0].protocol: "tcpp" is not a protocol ("any", "tcp", "udp", "icmp", "icmpv6", "sctp" or 0-255)',
      'rules[0].source.cidr[1]: "1.2.3.4/40" is not a valid CIDR',
      'rules[0].source.ports[0]: "80-70" is not a port (0-65535) or a "low-high" range',
      'rules[0].direction: "up" is not one of "inbound", "outbound", "east-west", "any"',
      'rules[0].endpointIds[0]: "vpce-xyz" is not an endpoint id (vpce-<hex>, 0x<hex> or 16 hex digits, at most 64 bits)',
      "rules[2].destination.port: unknown field (allowed: cidr, ports)",
      'rules[2].name: "dup" duplicates rules[1].name',
      'rules[3]: "rule" is not a rule object',
      'rules[4]: ports are set but protocol "icmp" has no ports',
    ]);
  });

  it("names the source of unparseable JSON", () => {
    assert.throws(() => loadDocument("{ nope", "file /etc/agent.json"), (error: Error) => {
      assert.match(error.message, /^file \/etc\/agent\.json is invalid:\n {2}- not valid JSON: /);
      return true;
    });
  });
});
