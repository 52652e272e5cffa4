// Policy documents: validation errors that name the field, and rule evaluation.
import { strict as assert } from "node:assert";
import { parseIpv4, parseIpv6 } from "../../common/cidr";
import { loadDocument } from "../../appliance-agent/src/control/load-document";
import { CompiledPolicy, FlowView } from "../../appliance-agent/src/policy/compile";
import { parseEndpointId } from "../../appliance-agent/src/policy/schema";
import { ValidationError } from "../../appliance-agent/src/control/validation-error";

function problemsOf(doc: unknown): readonly string[] {
  try {
    loadDocument(JSON.stringify(doc), "test.json");
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.problems;
  }
  assert.fail("expected a validation error");
}

function compile(doc: unknown): CompiledPolicy {
  return loadDocument(JSON.stringify(doc), "test.json").policy;
}

function flow(src: string, dst: string, protocol: number, srcPort = 0, dstPort = 0, endpoint: [number, number] = [0, 0]): FlowView {
  const view = new FlowView();
  const v4s = parseIpv4(src);
  if (v4s >= 0) {
    view.family = 4;
    view.initiator[0] = v4s;
    view.responder[0] = parseIpv4(dst);
  } else {
    view.family = 6;
    view.initiator.set(parseIpv6(src)!);
    view.responder.set(parseIpv6(dst)!);
  }
  view.protocol = protocol;
  view.initiatorPort = srcPort;
  view.responderPort = dstPort;
  view.endpointIdHigh = endpoint[0];
  view.endpointIdLow = endpoint[1];
  return view;
}

const base = { defaultAction: "deny", failMode: "closed" };

describe("agent: policy documents", () => {
  it("names the field of a bad CIDR", () => {
    const doc = {
      ...base,
      rules: [
        { action: "allow" },
        { action: "allow", protocol: "udp" },
        { action: "allow", destination: { cidr: "10.0.0.0/33" } },
      ],
    };
    assert.deepEqual(problemsOf(doc), ['rules[2].destination.cidr: "10.0.0.0/33" is not a valid CIDR']);
  });

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
      "agent.flavour: unknown setting (allowed: listenAddress, listenPort, gwlbCidrs, gwlbPort, healthAddress, healthPort, metricsPort, workers, socketMode, drainSeconds, tcpIdleTimeoutSeconds, otherIdleTimeoutSeconds, maxFlows, maxReturnSockets, receiveBufferBytes, sendBufferBytes, flowLogs, pollSeconds, filePollMs, region)",
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

  it("requires defaultAction, failMode and rules", () => {
    assert.deepEqual(problemsOf({}), [
      'defaultAction: undefined is not "allow" or "deny"',
      'failMode: undefined is not "open" or "closed" (required: how to treat packets that cannot be classified)',
      "rules: undefined is not an array of rules (use [] for none)",
    ]);
    assert.deepEqual(problemsOf([]), ["the document must be a JSON object, got []"]);
  });

  it("names the source of unparseable JSON", () => {
    assert.throws(() => loadDocument("{ nope", "file /etc/agent.json"), (error: Error) => {
      assert.match(error.message, /^file \/etc\/agent\.json is invalid:\n {2}- not valid JSON: /);
      return true;
    });
  });

  it("applies the first matching rule in the initiator -> responder orientation", () => {
    const policy = compile({
      ...base,
      rules: [
        { name: "no-telnet", action: "deny", protocol: "tcp", destination: { ports: 23 } },
        { name: "web", action: "allow", protocol: "tcp", destination: { cidr: "10.10.0.0/16", ports: [80, "443", "8000-8099"] } },
        { name: "dns", action: "allow", protocol: "udp", destination: { ports: 53 } },
        { name: "ping", action: "allow", protocol: "icmp" },
      ],
    });
    const results = [
      flow("198.51.100.7", "10.10.21.100", 6, 40000, 443),
      flow("198.51.100.7", "10.10.21.100", 6, 40000, 8099),
      flow("198.51.100.7", "10.10.21.100", 6, 40000, 8100),
      flow("198.51.100.7", "10.10.21.100", 6, 40000, 23),
      flow("10.10.21.100", "198.51.100.7", 6, 443, 40000),
      flow("10.0.0.5", "8.8.8.8", 17, 5000, 53),
      flow("2001:db8::1", "2001:db8::2", 58),
      flow("10.0.0.5", "8.8.8.8", 1),
      flow("10.0.0.5", "8.8.8.8", 47),
    ].map((f) => {
      const index = policy.evaluate(f);
      return `${policy.label(index)}:${policy.allows(index) ? "allow" : "deny"}`;
    });
    assert.deepEqual(results, [
      "web:allow",
      "web:allow",
      "default:deny",
      "no-telnet:deny",
      "default:deny",
      "dns:allow",
      "ping:allow",
      "ping:allow",
      "default:deny",
    ]);
  });

  it("matches direction against internal CIDRs and endpoint ids exactly", () => {
    const policy = compile({
      defaultAction: "allow",
      failMode: "open",
      internalCidrs: ["10.0.0.0/8"],
      rules: [
        { name: "in", action: "deny", direction: "inbound", destination: { ports: 22 }, protocol: "tcp" },
        { name: "ew", action: "deny", direction: "east-west", protocol: "udp" },
        { name: "ep", action: "deny", endpointIds: ["vpce-0123456789abcdef"], protocol: 132 },
      ],
    });
    const label = (f: FlowView): string => policy.label(policy.evaluate(f));
    assert.equal(label(flow("203.0.113.1", "10.1.1.1", 6, 5000, 22)), "in");
    assert.equal(label(flow("10.1.1.1", "203.0.113.1", 6, 5000, 22)), "default");
    assert.equal(label(flow("10.1.1.1", "10.2.2.2", 17, 5000, 53)), "ew");
    assert.equal(label(flow("10.1.1.1", "203.0.113.1", 17, 5000, 53)), "default");
    assert.equal(label(flow("10.1.1.1", "203.0.113.1", 132, 1, 2, [0x01234567, 0x89abcdef])), "ep");
    assert.equal(label(flow("10.1.1.1", "203.0.113.1", 132, 1, 2, [0x01234567, 0x89abcdee])), "default");
  });

  it("never matches an IPv4 CIDR against IPv6 traffic", () => {
    const policy = compile({ ...base, rules: [{ action: "allow", source: { cidr: "0.0.0.0/0" } }] });
    assert.equal(policy.evaluate(flow("2001:db8::1", "2001:db8::2", 17, 1, 2)), -1);
    assert.equal(policy.evaluate(flow("192.0.2.1", "192.0.2.2", 17, 1, 2)), 0);
  });

  it("parses endpoint ids in the vpce-, 0x and bare hex forms", () => {
    assert.deepEqual(parseEndpointId("vpce-0123456789abcdef0".slice(0, 21)), [0x01234567, 0x89abcdef]);
    assert.deepEqual(parseEndpointId("vpce-00123456789abcdef"), [0x01234567, 0x89abcdef]);
    assert.deepEqual(parseEndpointId("0xff"), [0, 255]);
    assert.deepEqual(parseEndpointId("ffffffffffffffff"), [0xffffffff, 0xffffffff]);
    assert.equal(parseEndpointId("vpce-10123456789abcdef"), null);
    assert.equal(parseEndpointId(12), null);
  });
});
