// A flow log line's times and attachment id: the duration to the millisecond from a start kept
// as its second and milliseconds, the latest packet's attachment id, and "unknown" once the
// worker has interned every id it can tell apart.
import { strict as assert } from "node:assert";
import { MAX_ATTACHMENT_IDS } from "../../../appliance-agent/src/dataplane/attachment-ids";
import { FlowLogger } from "../../../appliance-agent/src/dataplane/flow-log";
import { FlowTable } from "../../../appliance-agent/src/dataplane/flow-table";
import { GeneveHeader } from "../../../appliance-agent/src/dataplane/geneve";
import { InnerPacket, parseInnerPacket } from "../../../appliance-agent/src/dataplane/inner-packet";
import { buildInnerPacket } from "../../../appliance-agent/sim/packets";

function udp(): InnerPacket {
  const bytes = buildInnerPacket({ src: "10.0.0.1", dst: "10.0.0.2", protocol: "udp", srcPort: 5000, dstPort: 53 });
  const p = new InnerPacket();
  assert.equal(parseInnerPacket(bytes, 0, bytes.length, 0x0800, p), 0);
  return p;
}

function gwlb(attachmentHigh: number, attachmentLow: number): GeneveHeader {
  const g = new GeneveHeader();
  g.endpointIdLow = 0xe1;
  g.attachmentIdHigh = attachmentHigh;
  g.attachmentIdLow = attachmentLow;
  return g;
}

function flowEnd(table: FlowTable, slot: number, now: number): Record<string, unknown> {
  const lines: string[] = [];
  const logger = new FlowLogger(true, 0, (chunk) => lines.push(chunk));
  logger.log("flow_end", table, slot, "default", now, "idle");
  logger.flush();
  return JSON.parse(lines.join("")) as Record<string, unknown>;
}

describe("agent: flow log times and attachment ids", () => {
  it("gives the duration to the millisecond, for a flow seen seconds and hours after its start", () => {
    const table = new FlowTable({ maxFlows: 4, tcpIdleTimeoutMs: 350_000, otherIdleTimeoutMs: 120_000_000 });
    const start = 1_764_000_000_987;
    const slot = table.lookup(gwlb(0, 0), udp(), start);
    table.lookup(gwlb(0, 0), udp(), start + 1_250);
    assert.equal(flowEnd(table, slot, start + 1_250).durationMs, 1_250);
    // Three hours on: still exact (a float32 offset is exact for 4.6 hours).
    table.lookup(gwlb(0, 0), udp(), start + 3 * 3_600_000 + 7);
    assert.equal(flowEnd(table, slot, start).durationMs, 3 * 3_600_000 + 7);
    assert.equal(table.deadline(slot), start + 3 * 3_600_000 + 7 + 120_000_000);
  });

  it("logs the latest packet's attachment id, and 'unknown' for one past the ids the worker can tell apart", () => {
    const table = new FlowTable({ maxFlows: 4, tcpIdleTimeoutMs: 350_000, otherIdleTimeoutMs: 120_000 });
    const slot = table.lookup(gwlb(0, 0), udp(), 1000);
    assert.equal(flowEnd(table, slot, 1000).attachmentId, "0000000000000000");
    table.lookup(gwlb(0x0a0b0c0d, 0x0e0f1011), udp(), 1001);
    assert.equal(flowEnd(table, slot, 1001).attachmentId, "0a0b0c0d0e0f1011");
    for (let i = table.attachments.size; i < MAX_ATTACHMENT_IDS; i++) table.attachments.intern(7, i);
    table.lookup(gwlb(8, 8), udp(), 1002);
    assert.equal(flowEnd(table, slot, 1002).attachmentId, "unknown");
    table.lookup(gwlb(0x0a0b0c0d, 0x0e0f1011), udp(), 1003);
    assert.equal(flowEnd(table, slot, 1003).attachmentId, "0a0b0c0d0e0f1011");
  });
});
