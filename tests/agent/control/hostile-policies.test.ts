/**
 * Malformed and hostile policy documents, each refused with the field at fault while the last good
 * policy stays in force, through the reload path every source (file, SSM, SIGHUP) takes.
 */
import * as assert from "node:assert/strict";
import { PolicyManager } from "../../../appliance-agent/src/control/policy-manager";
import type { PolicySource } from "../../../appliance-agent/src/control/policy-source";

/** A source whose document the test sets. */
class SetSource implements PolicySource {
  readonly description = "file /etc/gwlb/policy.json";
  text = "";
  async read(): Promise<string> {
    return this.text;
  }
  watch(): void {}
  close(): void {}
}

const GOOD = JSON.stringify({ defaultAction: "deny", failMode: "closed", rules: [{ name: "web", action: "allow", protocol: "tcp", destination: { ports: [443] } }] });
const rule = (i: number) => ({ name: `r${i}`, action: "allow", destination: { cidr: "10.0.0.0/8" } });
const base = { defaultAction: "deny", failMode: "closed", rules: [] };
const invalid = (...lines: string[]) => `file /etc/gwlb/policy.json is invalid:\n${lines.map((l) => `  - ${l}`).join("\n")}`;

const HOSTILE: Array<[string, string, string]> = [
  ["wrong types", JSON.stringify({ defaultAction: 1, failMode: true, rules: {} }), invalid(
    'defaultAction: 1 is not "allow" or "deny"',
    'failMode: true is not "open" or "closed" (required: how to treat packets that cannot be classified)',
    "rules: {} is not an array of rules (use [] for none)",
  )],
  ["huge numbers", JSON.stringify({ ...base, rules: [{ action: "allow", protocol: 1e308, destination: { ports: [1e308, "1-99999999999"] } }] }), invalid(
    'rules[0].protocol: 1e+308 is not a protocol ("any", "tcp", "udp", "icmp", "icmpv6", "sctp" or 0-255)',
    "rules[0].destination.ports[0]: 1e+308 is not a port (0-65535) or a \"low-high\" range",
    'rules[0].destination.ports[1]: "1-99999999999" is not a port (0-65535) or a "low-high" range',
  )],
  ["deep nesting", `{"defaultAction":"deny","failMode":"closed","rules":[{"action":"allow","source":{"cidr":${"[".repeat(100_000)}"10.0.0.0/8"${"]".repeat(100_000)}}}]}`,
    invalid("the document nests deeper than 32 levels")],
  ["10^5 rules", JSON.stringify({ ...base, rules: Array.from({ length: 100_000 }, (_, i) => rule(i)) }),
    invalid("rules: 100000 rules; at most 10000, since each new flow is matched against them in order")],
  ["invalid CIDRs", JSON.stringify({ ...base, internalCidrs: ["10.0.0.0/8", "300.1.1.1/8", "::ffff:zz/200"], rules: [{ action: "deny", source: { cidr: "10.0.0.0" } }] }), invalid(
    'internalCidrs[1]: "300.1.1.1/8" is not a valid CIDR',
    'internalCidrs[2]: "::ffff:zz/200" is not a valid CIDR',
    'rules[0].source.cidr: "10.0.0.0" is not a valid CIDR (missing "/prefix")',
  )],
  ["duplicate names", JSON.stringify({ ...base, rules: [rule(1), rule(1)] }), invalid('rules[1].name: "r1" duplicates rules[0].name')],
  ["unknown fields", JSON.stringify({ ...base, rulez: [], rules: [{ action: "allow", port: 22, destination: { cidr: "10.0.0.0/8", prefix: 8 } }] }), invalid(
    "rulez: unknown field (allowed: version, description, defaultAction, failMode, internalCidrs, rules, agent)",
    "rules[0].port: unknown field (allowed: name, action, protocol, source, destination, direction, endpointIds)",
    "rules[0].destination.prefix: unknown field (allowed: cidr, ports)",
  )],
  ["prototype keys", '{"defaultAction":"deny","failMode":"closed","rules":[],"__proto__":{"polluted":true}}',
    invalid("__proto__: unknown field (allowed: version, description, defaultAction, failMode, internalCidrs, rules, agent)")],
  ["truncated JSON", '{"defaultAction": "deny", ', invalid("not valid JSON: Expected double-quoted property name in JSON at position 26")],
];

describe("agent control: hostile policy documents", () => {
  it("refuses each with its path, and the last good policy stays in force", async () => {
    const source = new SetSource();
    source.text = GOOD;
    const changes: number[] = [];
    const manager = new PolicyManager(source, (_document, version) => changes.push(version));
    await manager.loadInitial();
    for (const [label, text, message] of HOSTILE) {
      source.text = text;
      await manager.reload();
      assert.equal(manager.lastError, message, label);
      assert.equal(manager.current?.text, GOOD, `${label}: the good policy was replaced`);
    }
    assert.deepEqual([manager.version, manager.reloadErrors, changes], [1, HOSTILE.length, []]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // A good document after them all is taken at once.
    source.text = JSON.stringify({ ...base, rules: Array.from({ length: 10_000 }, (_, i) => rule(i)) });
    await manager.reload();
    assert.deepEqual([manager.version, manager.lastError, manager.current?.policy.ruleCount, changes], [2, "", 10_000, [2]]);
  });
});
