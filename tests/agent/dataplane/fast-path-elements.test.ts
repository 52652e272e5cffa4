// The fast path's set elements: how a flow key becomes its nft element (and the reversed one), and how the
// kernel's JSON listing (nft 1.0.6's own output, captured in a namespace) is read back, whole or
// as it streams in chunks.
import { strict as assert } from "node:assert";
import { FAST_PATH_SETS, bankSetName, elementsOf, orientationOf, setIndexOf } from "../../../appliance-agent/src/dataplane/fast-path-elements";
import { ListedElement, SetListingReader } from "../../../appliance-agent/src/dataplane/fast-path-listing";
import { KEY_WORDS } from "../../../appliance-agent/src/dataplane/flow-key";

/** What `nft -j list set` printed for bank 0's a4t with two elements (counters as if traffic had passed). */
const A4T_LISTING =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "netdev", "name": "a4t_0", "table": "gwlb_agent", ' +
  '"type": ["integer", "integer", "integer", "integer"], "handle": 70, "size": 65536, "flags": ["timeout"], "elem": [' +
  '{"elem": {"val": {"concat": [168432996, 3405803777, 443, 1024]}, "timeout": 350, "expires": 330, "counter": {"packets": 7, "bytes": 924}}}, ' +
  '{"elem": {"val": {"concat": [3323068417, 3323068418, 80, 8080]}, "timeout": 350, "expires": 12, "counter": {"packets": 0, "bytes": 0}}}' +
  '], "stmt": [{"counter": null}]}}]}\n';

/** What it printed for a6u_0 with one element (128-bit fields come as hex strings). */
const A6U_LISTING =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "netdev", "name": "a6u_0", "table": "gwlb_agent", ' +
  '"type": ["integer", "integer", "integer", "integer"], "handle": 73, "size": 65536, "flags": ["timeout"], "elem": [' +
  '{"elem": {"val": {"concat": ["0x20010db8000000000000000000000001", "0x20010db8000000000000000000000002", 53, 1024]}, "timeout": 100, "expires": 99, "counter": {"packets": 3, "bytes": 444}}}' +
  '], "stmt": [{"counter": null}]}}]}\n';

/** An empty set has no "elem" at all. */
const EMPTY_LISTING =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "netdev", "name": "d6t_0", "table": "gwlb_agent", ' +
  '"type": ["integer", "integer", "integer", "integer"], "handle": 76, "size": 65536, "flags": ["timeout"], "stmt": [{"counter": null}]}}]}\n';

/** Reads a whole listing at once; returns the number of elements. */
function readListedSet(text: string, set: number, visit: (element: ListedElement) => void): number {
  const reader = new SetListingReader(set, visit);
  reader.push(text);
  reader.finish();
  return reader.count;
}

function read(text: string, set: number): Array<Omit<ListedElement, "source" | "destination"> & { source: number[]; destination: number[] }> {
  const out: Array<Omit<ListedElement, "source" | "destination"> & { source: number[]; destination: number[] }> = [];
  readListedSet(text, set, (e) => out.push({ ...e, source: [...e.source], destination: [...e.destination] }));
  return out;
}

describe("agent: fast-path set elements", () => {
  it("names one set per verdict, family and protocol", () => {
    assert.equal(FAST_PATH_SETS[setIndexOf(true, 4, 6)], "a4t");
    assert.equal(FAST_PATH_SETS[setIndexOf(true, 6, 17)], "a6u");
    assert.equal(FAST_PATH_SETS[setIndexOf(false, 4, 17)], "d4u");
    assert.equal(FAST_PATH_SETS[setIndexOf(false, 6, 6)], "d6t");
  });

  it("writes a flow as one element A -> B, and gives B -> A for deleting whichever the kernel learned", () => {
    const keys = new Uint32Array(KEY_WORDS * 2);
    // Slot 1: endpoint 0x0123456789abcdef, 10.10.21.100:443 <-> 203.0.113.1:40000.
    keys.set([0x01234567, 0x89abcdef, (4 << 8) | 6, 0x0a0a1564, 0, 0, 0, 0xcb007101, 0, 0, 0, 443 * 65536 + 40000], KEY_WORDS);
    assert.deepEqual(elementsOf(keys, 1, 4), ["0x0a0a1564 . 0xcb007101 . 0x01bb . 0x9c40", "0xcb007101 . 0x0a0a1564 . 0x9c40 . 0x01bb"]);
    const six = new Uint32Array(KEY_WORDS);
    six.set([0, 1, (6 << 8) | 17, 0x20010db8, 0, 0, 1, 0x20010db8, 0, 0, 2, 53 * 65536 + 1024]);
    assert.deepEqual(elementsOf(six, 0, 6), [
      "0x20010db8000000000000000000000001 . 0x20010db8000000000000000000000002 . 0x0035 . 0x0400",
      "0x20010db8000000000000000000000002 . 0x20010db8000000000000000000000001 . 0x0400 . 0x0035",
    ]);
    assert.equal(bankSetName(setIndexOf(false, 6, 17), 12), "d6u_12");
    // Which of the two a listed key is.
    assert.equal(orientationOf(keys, 1, 4, Uint32Array.of(0x0a0a1564), 443), 0);
    assert.equal(orientationOf(keys, 1, 4, Uint32Array.of(0xcb007101), 40000), 1);
    assert.equal(orientationOf(six, 0, 6, Uint32Array.of(0x20010db8, 0, 0, 2), 1024), 1);
    assert.equal(orientationOf(six, 0, 6, Uint32Array.of(0x20010db8, 0, 0, 1), 53), 0);
  });

  it("reads the kernel's IPv4 listing", () => {
    assert.deepEqual(read(A4T_LISTING, setIndexOf(true, 4, 6)), [
      { source: [0x0a0a1564, 0, 0, 0], destination: [0xcb007101, 0, 0, 0], sourcePort: 443, destinationPort: 1024, packets: 7, bytes: 924, expiresSeconds: 330 },
      { source: [0xc6120001, 0, 0, 0], destination: [0xc6120002, 0, 0, 0], sourcePort: 80, destinationPort: 8080, packets: 0, bytes: 0, expiresSeconds: 12 },
    ]);
  });

  it("reads the kernel's IPv6 listing (128-bit fields as hex strings)", () => {
    assert.deepEqual(read(A6U_LISTING, setIndexOf(true, 6, 17)), [
      {
        source: [0x20010db8, 0, 0, 1],
        destination: [0x20010db8, 0, 0, 2],
        sourcePort: 53,
        destinationPort: 1024,
        packets: 3,
        bytes: 444,
        expiresSeconds: 99,
      },
    ]);
  });

  it("reads a listing split anywhere into chunks as it reads it whole", () => {
    const set = setIndexOf(true, 4, 6);
    const whole = read(A4T_LISTING, set);
    for (let cut = 1; cut < A4T_LISTING.length; cut++) {
      const out: number[][] = [];
      const reader = new SetListingReader(set, (e) => out.push([e.source[0], e.destination[0], e.sourcePort, e.destinationPort, e.packets, e.bytes, e.expiresSeconds]));
      reader.push(A4T_LISTING.slice(0, cut));
      reader.push(A4T_LISTING.slice(cut));
      assert.equal(reader.finish(), true, `cut at ${cut}`);
      assert.equal(reader.count, 2, `cut at ${cut}`);
      assert.deepEqual(out, whole.map((e) => [e.source[0], e.destination[0], e.sourcePort, e.destinationPort, e.packets, e.bytes, e.expiresSeconds]), `cut at ${cut}`);
    }
    const bytes: number[] = [];
    const oneByOne = new SetListingReader(setIndexOf(true, 6, 17), (e) => bytes.push(e.bytes, e.source[3], e.destination[3]));
    for (const character of A6U_LISTING) oneByOne.push(character);
    assert.equal(oneByOne.finish(), true);
    assert.deepEqual(bytes, [444, 1, 2]);
  });

  it("says a listing that stops inside an element is incomplete", () => {
    const reader = new SetListingReader(setIndexOf(true, 4, 6), () => undefined);
    reader.push(A4T_LISTING.slice(0, A4T_LISTING.indexOf('"bytes": 924')));
    assert.equal(reader.count, 0);
    assert.equal(reader.finish(), false);
  });

  it("counts an element without a counter but reports no counts for it", () => {
    const listing = A4T_LISTING.replace(', "counter": {"packets": 7, "bytes": 924}', "");
    const seen: number[] = [];
    assert.equal(readListedSet(listing, setIndexOf(true, 4, 6), (e) => seen.push(e.sourcePort)), 2);
    assert.deepEqual(seen, [80]);
    // Without timeout and counter nft prints the value alone.
    const bare = A4T_LISTING.replace(/\{"elem": \{"val": (\{"concat": \[[^\]]*\]\}), "timeout": 350, "expires": 330, "counter": \{"packets": 7, "bytes": 924\}\}\}/, "$1");
    assert.notEqual(bare, A4T_LISTING);
    seen.length = 0;
    assert.equal(readListedSet(bare, setIndexOf(true, 4, 6), (e) => seen.push(e.sourcePort)), 2);
    assert.deepEqual(seen, [80]);
  });

  it("gives no expiry for an element listed without a timeout", () => {
    const listing = A4T_LISTING.replace('"timeout": 350, "expires": 330, ', "");
    const expiries: number[] = [];
    readListedSet(listing, setIndexOf(true, 4, 6), (e) => expiries.push(e.expiresSeconds));
    assert.deepEqual(expiries, [-1, 12]);
  });

  it("reads nothing from an empty set", () => {
    assert.equal(readListedSet(EMPTY_LISTING, setIndexOf(false, 6, 6), () => assert.fail("no element expected")), 0);
  });
});
