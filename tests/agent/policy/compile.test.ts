// Compiled policies: the first matching rule decides, in the initiator -> responder orientation.
import { strict as assert } from "node:assert";
import { parseIpv4, parseIpv6 } from "../../../common/cidr";
import { CompiledPolicy, FlowView } from "../../../appliance-agent/src/policy/compile";
import { Problems } from "../../../appliance-agent/src/policy/problems";
import { compilePolicy } from "../../../appliance-agent/src/policy/schema";

function compile(doc: unknown): CompiledPolicy {
  const problems = new Problems();
  const policy = compilePolicy(doc, problems);
  assert.deepEqual(problems.messages, []);
  return policy!;
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

describe("agent: policy evaluation", () => {
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
});
