// The fast path's set elements: how a flow key becomes the two nft elements, and how the
// kernel's JSON listing (nft 1.0.6's own output, captured in a namespace) is read back, whole or
// as it streams in chunks.
import { strict as assert } from "node:assert";
import { FAST_PATH_SETS, elementsOf, setIndexOf } from "../../../appliance-agent/src/dataplane/fast-path-elements";
import { ListedElement, SetListingReader, readListedSet } from "../../../appliance-agent/src/dataplane/fast-path-listing";
import { KEY_WORDS } from "../../../appliance-agent/src/dataplane/flow-key";

/** What `nft -j list set` printed for a4t with two elements (one endpoint id above 2^63). */
const A4T_LISTING =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "netdev", "name": "a4t", "table": "gwlb_agent", ' +
  '"type": ["integer", "integer", "integer", "integer"], "handle": 6, "size": 262144, "flags": ["timeout"], "elem": [' +
  '{"elem": {"val": {"concat": [81985529216486895, 168432996, 3405803777, 29033472]}, "timeout": 350, "expires": 330, "counter": {"packets": 7, "bytes": 924}}}, ' +
  '{"elem": {"val": {"concat": [-81985529216486896, 3323068417, 3323068418, 5250960]}, "timeout": 350, "expires": 12, "counter": {"packets": 0, "bytes": 0}}}' +
  '], "stmt": [{"counter": null}]}}]}\n';

/** What it printed for a6u with one element (128-bit fields come as hex strings). */
const A6U_LISTING =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "netdev", "name": "a6u", "table": "gwlb_agent", ' +
  '"type": ["integer", "integer", "integer", "integer"], "handle": 9, "size": 262144, "flags": ["timeout"], "elem": [' +
  '{"elem": {"val": {"concat": [81985529216486895, "0x20010db8000000000000000000000001", "0x20010db8000000000000000000000002", 3474432]}, "timeout": 100, "expires": 99, "counter": {"packets": 3, "bytes": 444}}}' +
  '], "stmt": [{"counter": null}]}}]}\n';

/** An empty set has no "elem" at all. */
const EMPTY_LISTING =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "netdev", "name": "d6t", "table": "gwlb_agent", ' +
  '"type": ["integer", "integer", "integer", "integer"], "handle": 12, "size": 262144, "flags": ["timeout"], "stmt": [{"counter": null}]}}]}\n';

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

  it("writes a flow as two elements, one per direction, with the ports swapped in the second", () => {
    const keys = new Uint32Array(KEY_WORDS * 2);
    // Slot 1: endpoint 0x0123456789abcdef, 10.10.21.100:443 <-> 203.0.113.1:40000.
    keys.set([0x01234567, 0x89abcdef, (4 << 8) | 6, 0x0a0a1564, 0, 0, 0, 0xcb007101, 0, 0, 0, 443 * 65536 + 40000], KEY_WORDS);
    assert.deepEqual(elementsOf(keys, 1, 4), [
      "0x0123456789abcdef . 0x0a0a1564 . 0xcb007101 . 0x01bb9c40",
      "0x0123456789abcdef . 0xcb007101 . 0x0a0a1564 . 0x9c4001bb",
    ]);
  });

  it("reads the kernel's IPv4 listing, an endpoint id above 2^63 included", () => {
    assert.deepEqual(read(A4T_LISTING, setIndexOf(true, 4, 6)), [
      { endpointHigh: 0x01234567, endpointLow: 0x89abcdef, source: [0x0a0a1564, 0, 0, 0], destination: [0xcb007101, 0, 0, 0], sourcePort: 443, destinationPort: 1024, packets: 7, bytes: 924 },
      { endpointHigh: 0xfedcba98, endpointLow: 0x76543210, source: [0xc6120001, 0, 0, 0], destination: [0xc6120002, 0, 0, 0], sourcePort: 80, destinationPort: 8080, packets: 0, bytes: 0 },
    ]);
  });

  it("reads the kernel's IPv6 listing (128-bit fields as hex strings)", () => {
    assert.deepEqual(read(A6U_LISTING, setIndexOf(true, 6, 17)), [
      {
        endpointHigh: 0x01234567,
        endpointLow: 0x89abcdef,
        source: [0x20010db8, 0, 0, 1],
        destination: [0x20010db8, 0, 0, 2],
        sourcePort: 53,
        destinationPort: 1024,
        packets: 3,
        bytes: 444,
      },
    ]);
  });

  it("reads a listing split anywhere into chunks as it reads it whole", () => {
    const set = setIndexOf(true, 4, 6);
    const whole = read(A4T_LISTING, set);
    for (let cut = 1; cut < A4T_LISTING.length; cut++) {
      const out: number[][] = [];
      const reader = new SetListingReader(set, (e) => out.push([e.endpointHigh, e.endpointLow, e.source[0], e.destination[0], e.sourcePort, e.destinationPort, e.packets, e.bytes]));
      reader.push(A4T_LISTING.slice(0, cut));
      reader.push(A4T_LISTING.slice(cut));
      assert.equal(reader.finish(), true, `cut at ${cut}`);
      assert.equal(reader.count, 2, `cut at ${cut}`);
      assert.deepEqual(out, whole.map((e) => [e.endpointHigh, e.endpointLow, e.source[0], e.destination[0], e.sourcePort, e.destinationPort, e.packets, e.bytes]), `cut at ${cut}`);
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

  it("reads nothing from an empty set", () => {
    assert.equal(readListedSet(EMPTY_LISTING, setIndexOf(false, 6, 6), () => assert.fail("no element expected")), 0);
  });
});
