// When a counter poll's listing says an offloaded flow's element is gone: after two complete polls
// without it, or ten for an element the agent wrote that no listing has shown yet (its channel
// may not have applied it); a listing cut short counts for nothing.
import { strict as assert } from "node:assert";
import { ElementPresence, MISSING_POLLS, UNCONFIRMED_MISSING_POLLS } from "../../../appliance-agent/src/dataplane/fast-path-presence";

/** The number of the complete poll, counting from 1, at which the flow in slot 0 counts as gone (0: not within `polls`). */
function goneAt(presence: ElementPresence, polls: number, listedIn: ReadonlySet<number> = new Set()): number {
  for (let poll = 1; poll <= polls; poll++) {
    if (listedIn.has(poll)) presence.listed(0);
    if (presence.endPoll(0, true)) return poll;
  }
  return 0;
}

describe("agent: fast-path element presence", () => {
  it("gives up a learned flow after two complete polls without it, a written one after ten", () => {
    assert.deepEqual([MISSING_POLLS, UNCONFIRMED_MISSING_POLLS], [2, 10]);
    const learned = new ElementPresence(1);
    learned.placed(0, false);
    assert.equal(goneAt(learned, 20), 2);
    const written = new ElementPresence(1);
    written.placed(0, true);
    assert.equal(goneAt(written, 20), 10);
  });

  it("starts the count again at each listing that shows the flow, and a shown written flow is confirmed", () => {
    const learned = new ElementPresence(1);
    learned.placed(0, false);
    assert.equal(goneAt(learned, 20, new Set([2, 3])), 5);
    const written = new ElementPresence(1);
    written.placed(0, true);
    // Listed in poll 4: from then on it is missing like any other flow.
    assert.equal(goneAt(written, 20, new Set([4])), 6);
  });

  it("counts no listing cut short, and forgets what one saw", () => {
    const presence = new ElementPresence(1);
    presence.placed(0, false);
    presence.returnedDuringPoll(0);
    presence.listed(0);
    assert.deepEqual([presence.wasListed(0), presence.raced(0)], [true, true]);
    assert.equal(presence.endPoll(0, false), false);
    assert.deepEqual([presence.wasListed(0), presence.raced(0)], [false, false]);
    assert.equal(presence.endPoll(0, true), false);
    assert.equal(presence.endPoll(0, false), false);
    assert.equal(presence.endPoll(0, true), true);
  });

  it("keeps each slot apart, and a flow placed again starts afresh", () => {
    const presence = new ElementPresence(3);
    presence.placed(1, false);
    presence.placed(2, true);
    presence.endPoll(1, true);
    presence.endPoll(2, true);
    assert.equal(presence.endPoll(1, true), true);
    assert.equal(presence.endPoll(2, true), false);
    presence.placed(2, false);
    assert.deepEqual([presence.endPoll(2, true), presence.endPoll(2, true)], [false, true]);
    assert.equal(presence.wasListed(0), false);
  });
});
