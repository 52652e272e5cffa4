// Attachment ids interned per flow table: one index per distinct 64-bit id, the same one each
// time, and "unknown" once every index is taken.
import { strict as assert } from "node:assert";
import { AttachmentIds, MAX_ATTACHMENT_IDS, UNKNOWN_ATTACHMENT } from "../../../appliance-agent/src/dataplane/attachment-ids";

describe("agent: interned attachment ids", () => {
  it("gives each distinct id one index, the same each time, and keeps its words", () => {
    const ids = new AttachmentIds();
    assert.equal(ids.intern(0, 0), 0);
    assert.equal(ids.intern(0x12345678, 0x9abcdef0), 1);
    assert.equal(ids.intern(0x12345678, 0x9abcdef1), 2);
    assert.equal(ids.intern(0, 0), 0);
    assert.equal(ids.intern(0x12345678, 0x9abcdef0), 1);
    assert.equal(ids.intern(0x9abcdef0, 0x12345678), 3);
    assert.deepEqual([ids.size, ids.high[2], ids.low[2], ids.high[3], ids.low[3]], [4, 0x12345678, 0x9abcdef1, 0x9abcdef0, 0x12345678]);
  });

  it("answers UNKNOWN_ATTACHMENT for new ids once all are taken, and still knows the old ones", () => {
    const ids = new AttachmentIds();
    for (let i = 0; i < MAX_ATTACHMENT_IDS; i++) assert.equal(ids.intern(7, i), i);
    assert.equal(ids.intern(8, 0), UNKNOWN_ATTACHMENT);
    assert.equal(ids.intern(7, 12345), 12345);
    assert.equal(ids.intern(8, 0), UNKNOWN_ATTACHMENT);
    assert.equal(ids.size, MAX_ATTACHMENT_IDS);
  });
});
