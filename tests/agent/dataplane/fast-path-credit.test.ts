// Crediting a flow from its kernel element's counter: two counts per packet the kernel forwarded
// where the chain refreshes timeouts per packet (one where the polls do), one per datagram the
// agent returned, against the flow's baseline; the race between a listing and the agent's
// returns, and an element the kernel learned again.
import { strict as assert } from "node:assert";
import { Credit } from "../../../appliance-agent/src/dataplane/fast-path-credit";

// A flow of 100-byte inner packets: the ingress chain counts 168 bytes per count (outer IPv4, UDP,
// GENEVE and its options above the inner packet); a return is 182 bytes on egress (Ethernet too),
// which the agent adds to the baseline when it sends it (dataplane/fast-path.ts).
const INNER = 100;
const FORWARDED = 2 * (INNER + 68);
const RETURN = INNER + 40 + 42;

interface Flow {
  basePackets: number;
  baseBytes: number;
  packets: number;
  bytes: number;
}

function poll(flow: Flow, rawPackets: number, rawBytes: number, raced = false, countsPerPacket = 2): [number, number] {
  const credit = new Credit(countsPerPacket).compute(rawPackets, rawBytes, flow.basePackets, flow.baseBytes, raced);
  flow.basePackets = credit.basePackets;
  flow.baseBytes = credit.baseBytes;
  flow.packets += credit.packets;
  flow.bytes += credit.bytes;
  return [credit.packets, credit.bytes];
}

/** A flow whose first packet the agent returned (the egress chain learned it, counting that return once). */
function learned(): Flow {
  return { basePackets: 1, baseBytes: RETURN, packets: 0, bytes: 0 };
}

describe("agent: crediting a flow from its kernel counter", () => {
  it("credits what the kernel forwarded since the flow was learned, not the agent's own return", () => {
    const flow = learned();
    assert.deepEqual(poll(flow, 1 + 2 * 3, RETURN + 3 * FORWARDED), [3, 300]);
    assert.deepEqual([flow.basePackets, flow.baseBytes], [7, RETURN + 3 * FORWARDED]);
    assert.deepEqual(poll(flow, 7 + 2 * 2, RETURN + 5 * FORWARDED), [2, 200]);
    assert.deepEqual(poll(flow, 11, RETURN + 5 * FORWARDED), [0, 0]);
  });

  it("with one count per forwarded packet (no per-packet update), credits each count above the baseline as a packet", () => {
    const flow = learned();
    const once = INNER + 68;
    assert.deepEqual(poll(flow, 1 + 3, RETURN + 3 * once, false, 1), [3, 300]);
    assert.deepEqual([flow.basePackets, flow.baseBytes], [4, RETURN + 3 * once]);
    flow.basePackets += 1;
    flow.baseBytes += RETURN;
    assert.deepEqual(poll(flow, 5 + 2, 2 * RETURN + 5 * once, false, 1), [2, 200]);
    assert.deepEqual([flow.packets, flow.bytes], [5, 500]);
  });

  it("credits a return made after the kernel dumped the element on the next poll, not as a new element", () => {
    const flow = learned();
    poll(flow, 7, RETURN + 3 * FORWARDED);
    // The agent returned one more datagram of the flow after the dump, with nothing forwarded.
    flow.basePackets += 1;
    flow.baseBytes += RETURN;
    assert.deepEqual(poll(flow, 7, RETURN + 3 * FORWARDED, true), [0, 0]);
    assert.deepEqual([flow.basePackets, flow.baseBytes], [8, 2 * RETURN + 3 * FORWARDED]);
    assert.deepEqual(poll(flow, 8 + 2 * 2, 2 * RETURN + 5 * FORWARDED), [2, 200]);
    assert.deepEqual([flow.packets, flow.bytes], [5, 500]);
  });

  it("keeps the remainder of a raced return for the next poll, so the totals come out exact", () => {
    const flow = learned();
    poll(flow, 7, RETURN + 3 * FORWARDED);
    flow.basePackets += 1;
    flow.baseBytes += RETURN;
    // Dumped before that return was counted, with three more packets forwarded: two are credited now.
    assert.deepEqual(poll(flow, 7 + 2 * 3, RETURN + 6 * FORWARDED, true), [2, 277]);
    // The counter has caught up (the return, one more packet): the rest.
    assert.deepEqual(poll(flow, 13 + 1 + 2, 2 * RETURN + 7 * FORWARDED), [2, 123]);
    assert.deepEqual([flow.packets, flow.bytes], [7, 700]);
  });

  it("counts an element the kernel learned again from zero: exact packets, bytes over by half the learning return", () => {
    const flow = learned();
    poll(flow, 1 + 2 * 5, RETURN + 5 * FORWARDED);
    // Expired in the kernel and learned again from a return, then two packets forwarded.
    flow.basePackets += 1;
    flow.baseBytes += RETURN;
    assert.deepEqual(poll(flow, 1 + 2 * 2, RETURN + 2 * FORWARDED), [2, 200 + RETURN / 2]);
    assert.deepEqual([flow.basePackets, flow.baseBytes], [4, RETURN + 2 * FORWARDED]);
    assert.deepEqual(poll(flow, 5 + 2, RETURN + 3 * FORWARDED), [1, 100]);
  });

  it("never credits negative bytes; what it could not credit stays in the baseline", () => {
    const flow: Flow = { basePackets: 0, baseBytes: 0, packets: 0, bytes: 0 };
    assert.deepEqual(poll(flow, 2, 100), [1, 0]);
    assert.deepEqual([flow.basePackets, flow.baseBytes], [2, 136]);
    assert.deepEqual(poll(flow, 4, 100 + FORWARDED), [1, 82]);
  });
});
