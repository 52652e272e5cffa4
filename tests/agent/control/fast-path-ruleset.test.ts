// The fast path's table text: endpoint banks, lookups both ways round, learning on egress, and
// the overload limit on what reaches the agent.
import { strict as assert } from "node:assert";
import { FastPathTableSpec, renderBankAssignment, renderFastPathTable } from "../../../appliance-agent/src/control/fast-path-ruleset";

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
  banks: 2,
  timeoutRefresh: "packet",
  pollMs: 2000,
};

function chainOf(text: string, name: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(`  chain ${name} {`);
  assert.notEqual(start, -1, `chain ${name}`);
  return lines.slice(start + 1, lines.indexOf("  }", start));
}

function ingressChain(text: string): string[] {
  return chainOf(text, "ingress");
}

describe("agent: fast path table", () => {
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
    assert.equal(
      egress[1],
      "    meta mark != 24705 meta protocol ip @nh,0,8 0x45 @nh,48,32 & 0x3fff00ff == 0x11 ip saddr 10.0.1.10 ip daddr 10.0.1.0/24 @th,16,16 6081 " +
        "@th,128,32 0x01080102 @th,224,32 0x01080202 @th,320,32 0x01080301 jump returned",
    );
    const learned = [...text.matchAll(/ add @([a-z0-9_]+) \{/g)].map((m) => m[1]);
    assert.deepEqual(learned, ["a4t_0", "a4u_0", "a6t_0", "a6u_0", "a4t_1", "a4u_1", "a6t_1", "a6u_1"]);
    // A flow already there the other way round is not added again.
    assert.deepEqual(chainOf(text, "learn4_1").slice(0, 2), [
      "    @th,456,8 6 @th,400,16 >= 40 @th,512,32 . @th,480,32 . @th,560,16 . @th,544,16 @a4t_1 return",
      "    @th,456,8 6 @th,400,16 >= 40 add @a4t_1 { @th,480,32 . @th,512,32 . @th,544,16 . @th,560,16 timeout 350s }",
    ]);
    const forwards = lines.filter((line) => line.includes(" fwd "));
    assert.equal(forwards.length, 2);
    for (const line of forwards) assert.match(line, /meta mark set 24705 fwd ip to /);
  });

  it("gives each bank its own eight sets, one element per flow, and looks a key up as it is and reversed", () => {
    const text = renderFastPathTable(SPEC);
    const sets = [...text.matchAll(/^ {2}set ([a-z0-9_]+) \{ typeof ([^;]+);/gm)].map((m) => [m[1], m[2]]);
    assert.equal(sets.length, 2 * 8 + 2);
    assert.deepEqual(sets[0], ["a4t_0", "@th,480,32 . @th,512,32 . @th,544,16 . @th,560,16"]);
    assert.deepEqual(sets[2], ["a6t_0", "@th,448,128 . @th,576,128 . @th,704,16 . @th,720,16"]);
    assert.equal(sets[15][0], "d6u_1");
    assert.deepEqual(chainOf(text, "in6_0").slice(0, 2), [
      "    @th,432,8 6 @th,416,16 >= 20 @th,448,128 . @th,576,128 . @th,704,16 . @th,720,16 @a6t_0 update @a6t_0 { @th,448,128 . @th,576,128 . @th,704,16 . @th,720,16 timeout 350s } goto allow",
      "    @th,432,8 6 @th,416,16 >= 20 @th,576,128 . @th,448,128 . @th,720,16 . @th,704,16 @a6t_0 update @a6t_0 { @th,576,128 . @th,448,128 . @th,720,16 . @th,704,16 timeout 350s } goto allow",
    ]);
    assert.equal(chainOf(text, "in4_1").filter((rule) => rule.endsWith(" drop")).length, 4);
    // Only an endpoint with a bank reaches one: the others' datagrams go on to the agent.
    assert.match(chainOf(text, "geneve")[0], / @len4 @th,160,64 vmap @in4$/);
    assert.match(chainOf(text, "returned")[1], / @len6 @th,160,64 vmap @learn6$/);
    for (const map of ["in4", "in6", "learn4", "learn6"]) assert.ok(text.includes(`  map ${map} { typeof @th,160,64 : verdict; size 2; }`), map);
  });

  it("with timeouts kept by the agent's polls: a lookup alone per packet, and learned elements with the refresh slack", () => {
    const text = renderFastPathTable({ ...SPEC, timeoutRefresh: "poll" });
    assert.doesNotMatch(text, / update @/);
    assert.deepEqual(chainOf(text, "in4_1"), [
      "    @th,456,8 6 @th,400,16 >= 40 @th,480,32 . @th,512,32 . @th,544,16 . @th,560,16 @a4t_1 goto allow",
      "    @th,456,8 6 @th,400,16 >= 40 @th,512,32 . @th,480,32 . @th,560,16 . @th,544,16 @a4t_1 goto allow",
      "    @th,456,8 17 @th,480,32 . @th,512,32 . @th,544,16 . @th,560,16 @a4u_1 goto allow",
      "    @th,456,8 17 @th,512,32 . @th,480,32 . @th,560,16 . @th,544,16 @a4u_1 goto allow",
      "    @th,456,8 6 @th,400,16 >= 40 @th,480,32 . @th,512,32 . @th,544,16 . @th,560,16 @d4t_1 drop",
      "    @th,456,8 6 @th,400,16 >= 40 @th,512,32 . @th,480,32 . @th,560,16 . @th,544,16 @d4t_1 drop",
      "    @th,456,8 17 @th,480,32 . @th,512,32 . @th,544,16 . @th,560,16 @d4u_1 drop",
      "    @th,456,8 17 @th,512,32 . @th,480,32 . @th,560,16 . @th,544,16 @d4u_1 drop",
    ]);
    // TCP 350 s + 88 (a quarter), UDP 120 s + 30.
    assert.deepEqual(chainOf(text, "learn4_0"), [
      "    @th,456,8 6 @th,400,16 >= 40 @th,512,32 . @th,480,32 . @th,560,16 . @th,544,16 @a4t_0 return",
      "    @th,456,8 6 @th,400,16 >= 40 add @a4t_0 { @th,480,32 . @th,512,32 . @th,544,16 . @th,560,16 timeout 438s }",
      "    @th,456,8 17 @th,512,32 . @th,480,32 . @th,560,16 . @th,544,16 @a4u_0 return",
      "    @th,456,8 17 add @a4u_0 { @th,480,32 . @th,512,32 . @th,544,16 . @th,560,16 timeout 150s }",
    ]);
  });

  it("proves the outer shape with raw reads after one protocol match, and the GENEVE header and inner IPv4 header in one masked read each", () => {
    const text = renderFastPathTable(SPEC);
    assert.deepEqual(ingressChain(text), [
      '    type filter hook ingress device "eth0" priority -300; policy accept;',
      "    meta protocol ip @nh,0,8 0x45 @nh,48,32 & 0x3fff00ff == 0x11 ip saddr 10.0.1.0/24 ip daddr 10.0.1.10 @th,16,16 6081 " +
        "@th,128,32 0x01080102 @th,224,32 0x01080202 @th,320,32 0x01080301 jump geneve",
    ]);
    assert.deepEqual(chainOf(text, "geneve"), [
      "    @th,64,32 & 0xff80ffff == 0x08000800 @th,384,64 & 0xff00000000003fff == 0x4500000000000000 @nh,16,16 . @th,32,16 . @th,400,16 @len4 @th,160,64 vmap @in4",
      "    @th,64,32 & 0xff80ffff == 0x080086dd @th,384,4 6 @nh,16,16 . @th,32,16 . @th,416,16 @len6 @th,160,64 vmap @in6",
    ]);
    // Every (outer IP length . UDP length . inner length) an MTU of 1500 allows: IPv4 inner 28-1452 bytes, IPv6 payload 8-1412.
    assert.match(text, /set len4 \{ typeof @nh,16,16 \. @th,32,16 \. @th,400,16; elements = \{ 96 \. 76 \. 28, 97 \. 77 \. 29, /);
    assert.ok(text.includes(", 1500 . 1480 . 1432 }; }"), "len4 ends at the MTU");
    assert.match(text, /set len6 \{ typeof @nh,16,16 \. @th,32,16 \. @th,416,16; elements = \{ 116 \. 96 \. 8, /);
  });

  it("swaps the outer addresses with two raw writes (no checksum update: a swap leaves both sums unchanged) and forwards on-link or to the router", () => {
    assert.deepEqual(chainOf(renderFastPathTable(SPEC), "allow"), [
      '    @nh,96,32 & 0xffffff00 == 0x0a000100 @nh,128,32 set @nh,96,32 @nh,96,32 set 0x0a00010a meta mark set 24705 fwd ip to @nh,128,32 device "eth0"',
      '    @nh,128,32 set @nh,96,32 @nh,96,32 set 0x0a00010a meta mark set 24705 fwd ip to 10.0.1.1 device "eth0"',
    ]);
    // A /32 on-link prefix is an exact match; no router, no second rule.
    assert.deepEqual(chainOf(renderFastPathTable({ ...SPEC, onLinkCidrs: ["10.0.1.5/32"], router: null }), "allow"), [
      '    @nh,96,32 0x0a000105 @nh,128,32 set @nh,96,32 @nh,96,32 set 0x0a00010a meta mark set 24705 fwd ip to @nh,128,32 device "eth0"',
    ]);
  });

  it("with several addresses of ours, checks which one a datagram came to; several on-link prefixes are one typed set", () => {
    const spec = { ...SPEC, localAddresses: ["10.0.1.10", "10.0.2.10"], onLinkCidrs: ["10.0.1.0/24", "10.0.2.0/24"], router: null };
    assert.deepEqual(chainOf(renderFastPathTable(spec), "allow"), [
      '    ip saddr { 10.0.1.0/24, 10.0.2.0/24 } @nh,128,32 0x0a00010a @nh,128,32 set @nh,96,32 @nh,96,32 set 0x0a00010a meta mark set 24705 fwd ip to @nh,128,32 device "eth0"',
      '    ip saddr { 10.0.1.0/24, 10.0.2.0/24 } @nh,128,32 0x0a00020a @nh,128,32 set @nh,96,32 @nh,96,32 set 0x0a00020a meta mark set 24705 fwd ip to @nh,128,32 device "eth0"',
    ]);
    assert.throws(() => renderFastPathTable({ ...SPEC, localAddresses: ["10.0.1.300"] }), /fast path: "10\.0\.1\.300" is not an IPv4 address/);
  });

  it("assigns a bank with one entry in each of the four maps", () => {
    assert.equal(
      renderBankAssignment("0123456789abcdef", 1),
      "add element netdev gwlb_agent in4 { 0x0123456789abcdef : jump in4_1 }; add element netdev gwlb_agent in6 { 0x0123456789abcdef : jump in6_1 }; " +
        "add element netdev gwlb_agent learn4 { 0x0123456789abcdef : jump learn4_1 }; add element netdev gwlb_agent learn6 { 0x0123456789abcdef : jump learn6_1 }",
    );
  });
});
