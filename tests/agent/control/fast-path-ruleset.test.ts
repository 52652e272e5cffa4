// The fast path's table text: the overload limit on what reaches the agent.
import { strict as assert } from "node:assert";
import { FastPathTableSpec, renderFastPathTable } from "../../../appliance-agent/src/control/fast-path-ruleset";

const SPEC: FastPathTableSpec = {
  device: "eth0",
  mtu: 1500,
  listenPort: 6081,
  gwlbPort: 6081,
  localAddresses: ["10.0.1.10"],
  gwlbCidrs: ["10.0.1.0/24"],
  onLinkCidrs: ["10.0.1.0/24"],
  router: "10.0.1.1",
  tcpIdleTimeoutSeconds: 350,
  otherIdleTimeoutSeconds: 120,
  setSize: 131072,
};

function ingressChain(text: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf("  chain ingress {");
  return lines.slice(start + 1, lines.indexOf("  }", start));
}

describe("agent: fast path table, slow-path limit", () => {
  it("has no limit by default or at 0", () => {
    assert.equal(ingressChain(renderFastPathTable(SPEC)).length, 2);
    assert.equal(ingressChain(renderFastPathTable({ ...SPEC, slowPathMaxPps: 0 })).length, 2);
    assert.equal(renderFastPathTable(SPEC).includes("limit"), false);
  });

  it("drops what the chain left for the agent beyond the limit, after the fast path's own rules, with a 100 ms burst", () => {
    const chain = ingressChain(renderFastPathTable({ ...SPEC, slowPathMaxPps: 50_000 }));
    assert.equal(chain.length, 3);
    assert.match(chain[1], /jump geneve$/);
    assert.equal(chain[2], "    udp dport 6081 ip daddr 10.0.1.10 limit rate over 50000/second burst 5000 packets counter drop");
  });

  it("keeps a burst of at least 64 packets for low limits", () => {
    const chain = ingressChain(renderFastPathTable({ ...SPEC, slowPathMaxPps: 100, localAddresses: ["10.0.1.10", "10.0.1.11"] }));
    assert.equal(chain[2], "    udp dport 6081 ip daddr { 10.0.1.10, 10.0.1.11 } limit rate over 100/second burst 64 packets counter drop");
  });

  it("learns allowed flows from the agent's returns on egress, and skips what the ingress chain forwarded", () => {
    const text = renderFastPathTable(SPEC);
    const lines = text.split("\n");
    const egress = lines.slice(lines.indexOf("  chain egress {") + 1, lines.indexOf("  }", lines.indexOf("  chain egress {")));
    assert.equal(egress[0], "    type filter hook egress device \"eth0\" priority -300; policy accept;");
    assert.match(egress[1], /^ {4}meta mark != 24705 ip hdrlength 5 .* udp dport 6081 ip saddr 10\.0\.1\.10 ip daddr 10\.0\.1\.0\/24 .* jump returned$/);
    const learned = [...text.matchAll(/ add @([a-z0-9]+) \{/g)].map((m) => m[1]);
    assert.deepEqual(learned, ["a4t", "a4u", "a6t", "a6u"]);
    const forwards = lines.filter((line) => line.includes(" fwd "));
    assert.equal(forwards.length, 2);
    for (const line of forwards) assert.match(line, /meta mark set 24705 fwd ip to /);
  });
});
