// Reads `nft -j list set` output as it streams from nft's stdout, element by element. A full
// table lists as ~165 bytes per element (16 MB at 100,000 flows): reading it whole meant holding
// that string and scanning it in one synchronous block of the event loop, while datagrams waited
// in the socket buffer. Fed chunk by chunk (a pipe read, 64 KiB, a few hundred elements), the work
// interleaves with the data path and only one partial element is ever kept.
//
// An element as nft 1.0.6 prints it:
//   {"elem": {"val": {"concat": [SOURCE, DESTINATION, SOURCE_PORT, DESTINATION_PORT]},
//    "timeout": 350, "expires": 349, "counter": {"packets": 7, "bytes": 924}}}
// Fields are decimal integers, or hex strings for values wider than 64 bits (IPv6 addresses);
// timeout and expires are whole seconds (expires rounded down).

import { setFamily } from "./fast-path-elements";

/** One listed element, decoded into the flow key's words. */
export interface ListedElement {
  source: Uint32Array;
  destination: Uint32Array;
  sourcePort: number;
  destinationPort: number;
  packets: number;
  bytes: number;
  /** Whole seconds until the kernel expires the element; -1 when the listing gives none. */
  expiresSeconds: number;
}

const CONCAT = '"concat": [';
const COUNTER = '"counter": {"packets": ';
const BYTES = ', "bytes": ';
const EXPIRES = '"expires": ';
const LOW_32 = 0xffffffffn;
const QUOTE = 0x22;
const ZERO = 0x30;
const NINE = 0x39;
const LETTER_X = 0x78;
const COMMA = 0x2c;
const SPACE = 0x20;
const CLOSE_LIST = 0x5d;
const OPEN_OBJECT = 0x7b;

const KEY_FIELDS = 4;

/** Not enough text yet: the element continues in the next chunk. */
const INCOMPLETE = -1;

export class SetListingReader {
  /** Elements read so far (with or without a counter). */
  count = 0;
  private tail = "";
  private readonly element: ListedElement = {
    source: new Uint32Array(4),
    destination: new Uint32Array(4),
    sourcePort: 0,
    destinationPort: 0,
    packets: 0,
    bytes: 0,
    expiresSeconds: -1,
  };
  private readonly addressWords: number;
  /** The key's fields as read: source, destination, source port, destination port. */
  private readonly fields = ["", "", "", ""];
  // Where the field being read ends (set by field()).
  private fieldEnd = 0;

  /** `visit` gets each element that has a counter; the element object is reused between calls. */
  constructor(
    set: number,
    private readonly visit: (element: ListedElement) => void,
  ) {
    this.addressWords = setFamily(set) === 4 ? 1 : 4;
  }

  /** Reads the elements `chunk` completes. */
  push(chunk: string): void {
    const text = this.tail.length > 0 ? this.tail + chunk : chunk;
    let at = 0;
    for (;;) {
      const start = text.indexOf(CONCAT, at);
      if (start < 0) {
        // Keep enough for a marker split across chunks.
        this.tail = text.slice(Math.max(at, text.length - CONCAT.length + 1));
        return;
      }
      const end = this.readElement(text, start + CONCAT.length);
      if (end === INCOMPLETE) {
        this.tail = text.slice(start);
        return;
      }
      at = end;
    }
  }

  /** Ends the listing; false if it stopped inside an element (truncated output). */
  finish(): boolean {
    const complete = !this.tail.includes(CONCAT);
    this.tail = "";
    return complete;
  }

  /** Reads one element whose fields start at `at`; returns where it ends, or INCOMPLETE. */
  private readElement(text: string, at: number): number {
    const element = this.element;
    const fields = this.fields;
    for (let i = 0, from = at; i < KEY_FIELDS; i++, from = afterSeparator(text, this.fieldEnd)) {
      const field = this.field(text, from);
      if (field === null) return INCOMPLETE;
      fields[i] = field;
    }
    // `]}` closes the value. An element with neither timeout nor counter is the value alone (then
    // `]` or `, {` follow); otherwise the first `}` after it closes the counter, or the element.
    const after = this.fieldEnd + 2;
    if (after + 2 >= text.length) return INCOMPLETE;
    if (text.charCodeAt(after) === CLOSE_LIST || text.charCodeAt(after + 2) === OPEN_OBJECT) {
      this.count++;
      return after;
    }
    const objectEnd = text.indexOf("}", after);
    if (objectEnd < 0) return INCOMPLETE;
    this.count++;
    const counter = text.indexOf(COUNTER, this.fieldEnd);
    if (counter < 0 || counter > objectEnd) return objectEnd + 1;
    const packetsAt = counter + COUNTER.length;
    const bytesMark = text.indexOf(BYTES, packetsAt);
    if (bytesMark < 0 || bytesMark > objectEnd) return objectEnd + 1; // not nft's layout: no counts
    const bytesAt = bytesMark + BYTES.length;
    words(fields[0], this.addressWords, element.source);
    words(fields[1], this.addressWords, element.destination);
    element.sourcePort = Number(fields[2]);
    element.destinationPort = Number(fields[3]);
    element.packets = Number(text.slice(packetsAt, bytesMark));
    element.bytes = Number(text.slice(bytesAt, objectEnd));
    const expiresMark = text.indexOf(EXPIRES, this.fieldEnd);
    const expiresAt = expiresMark + EXPIRES.length;
    const expiresEnd = expiresMark < 0 || expiresMark > counter ? -1 : text.indexOf(",", expiresAt);
    element.expiresSeconds = expiresEnd < 0 || expiresEnd > counter ? -1 : Number(text.slice(expiresAt, expiresEnd));
    this.visit(element);
    return objectEnd + 1;
  }

  /** The field starting at `at` (a number, or a quoted hex string without its quotes); null if the text ends first. */
  private field(text: string, at: number): string | null {
    if (at >= text.length) return null;
    if (text.charCodeAt(at) === QUOTE) {
      const end = text.indexOf('"', at + 1);
      if (end < 0) return null;
      this.fieldEnd = end + 1;
      return text.slice(at + 1, end);
    }
    let end = at;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c < ZERO || c > NINE) break;
    }
    // A number is complete only once the character after it has arrived.
    if (end >= text.length) return null;
    this.fieldEnd = end;
    return text.slice(at, end);
  }
}

/** Where the next field starts: past the ", " after the one ending at `at`. */
function afterSeparator(text: string, at: number): number {
  let next = at;
  while (next < text.length && (text.charCodeAt(next) === COMMA || text.charCodeAt(next) === SPACE)) next++;
  return next;
}

/** Splits a field of `count` 32-bit words into `out` (most significant first). */
function words(text: string, count: number, out: Uint32Array): void {
  if (count === 1 && text.charCodeAt(1) !== LETTER_X) {
    // A decimal that fits in 32 bits (an IPv4 address).
    out[0] = Number(text) >>> 0;
    return;
  }
  let value = BigInt.asUintN(count * 32, BigInt(text));
  for (let i = count - 1; i >= 0; i--) {
    out[i] = Number(value & LOW_32);
    value >>= 32n;
  }
}
