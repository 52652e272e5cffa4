// GENEVE (RFC 8926) header and AWS GWLB option parsing. Reads the datagram in place: the
// caller gets offsets and numbers in a reused object, never a copy or a slice.

import { Drop } from "./drop-reasons";

export const GENEVE_BASE_HEADER_LENGTH = 8;
export const AWS_OPTION_CLASS = 0x0108;
export const AWS_OPTION_ENDPOINT_ID = 1;
export const AWS_OPTION_ATTACHMENT_ID = 2;
export const AWS_OPTION_FLOW_COOKIE = 3;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Bit 7 of an option's type marks it critical: a receiver that does not understand it must drop. */
export const OPTION_CRITICAL_BIT = 0x80;

const SEEN_ENDPOINT = 1;
const SEEN_ATTACHMENT = 2;
const SEEN_COOKIE = 4;
const SEEN_ALL = SEEN_ENDPOINT | SEEN_ATTACHMENT | SEEN_COOKIE;

/** Parsed view of one datagram's GENEVE header; one instance is reused for every packet. */
export class GeneveHeader {
  /** Length of the GENEVE header including options, i.e. the inner packet's offset. */
  innerOffset = 0;
  innerLength = 0;
  protocolType = 0;
  vni = 0;
  /** The 64-bit ids are kept as two unsigned 32-bit halves so that no BigInt is created. */
  endpointIdHigh = 0;
  endpointIdLow = 0;
  attachmentIdHigh = 0;
  attachmentIdLow = 0;
  flowCookie = 0;
}

/** Big-endian unsigned 32-bit read, as a non-negative number (no sign wrap). */
export function readU32(buf: Uint8Array, at: number): number {
  return buf[at] * 0x1000000 + ((buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]);
}

/**
 * Validates the GENEVE header of `buf[0, length)` and fills `out`.
 * Returns Drop.None, or the Drop code saying why the datagram must be dropped.
 *
 * Rules, each bounds-checked against `length` and never against a length field alone:
 * - version 0; the options area (OptLen * 4 bytes) must fit in the datagram;
 * - OAM (O bit) packets are control traffic and are not forwarded;
 * - protocol type IPv4 (0x0800) or IPv6 (0x86DD);
 * - each option's header and body must fit inside the options area;
 * - AWS options (class 0x0108) must have their exact lengths (endpoint id 8, attachment id 8,
 *   flow cookie 4 bytes), appear once each, and all three must be present;
 * - options we do not know are skipped, unless their type has the critical bit set, in which
 *   case RFC 8926 requires a drop. The header's C flag only summarises that and is not trusted.
 */
export function parseGeneve(buf: Uint8Array, length: number, out: GeneveHeader): number {
  if (length < GENEVE_BASE_HEADER_LENGTH) return Drop.GeneveTruncated;
  const first = buf[0];
  if (first >> 6 !== 0) return Drop.GeneveBadVersion;
  const headerLength = GENEVE_BASE_HEADER_LENGTH + (first & 0x3f) * 4;
  if (headerLength > length) return Drop.GeneveOptionsPastEnd;
  if ((buf[1] & 0x80) !== 0) return Drop.GeneveOamPacket;
  const protocolType = (buf[2] << 8) | buf[3];
  if (protocolType !== ETHERTYPE_IPV4 && protocolType !== ETHERTYPE_IPV6) return Drop.GeneveBadProtocolType;
  out.protocolType = protocolType;
  out.vni = (buf[4] << 16) | (buf[5] << 8) | buf[6];

  let seen = 0;
  let at = GENEVE_BASE_HEADER_LENGTH;
  while (at < headerLength) {
    if (at + 4 > headerLength) return Drop.GeneveOptionTruncated;
    const optionClass = (buf[at] << 8) | buf[at + 1];
    const type = buf[at + 2];
    const bodyLength = (buf[at + 3] & 0x1f) * 4;
    const body = at + 4;
    if (body + bodyLength > headerLength) return Drop.GeneveOptionTruncated;
    if (optionClass === AWS_OPTION_CLASS && type === AWS_OPTION_ENDPOINT_ID) {
      if (bodyLength !== 8) return Drop.AwsOptionBadLength;
      if ((seen & SEEN_ENDPOINT) !== 0) return Drop.AwsOptionDuplicate;
      seen |= SEEN_ENDPOINT;
      out.endpointIdHigh = readU32(buf, body);
      out.endpointIdLow = readU32(buf, body + 4);
    } else if (optionClass === AWS_OPTION_CLASS && type === AWS_OPTION_ATTACHMENT_ID) {
      if (bodyLength !== 8) return Drop.AwsOptionBadLength;
      if ((seen & SEEN_ATTACHMENT) !== 0) return Drop.AwsOptionDuplicate;
      seen |= SEEN_ATTACHMENT;
      out.attachmentIdHigh = readU32(buf, body);
      out.attachmentIdLow = readU32(buf, body + 4);
    } else if (optionClass === AWS_OPTION_CLASS && type === AWS_OPTION_FLOW_COOKIE) {
      if (bodyLength !== 4) return Drop.AwsOptionBadLength;
      if ((seen & SEEN_COOKIE) !== 0) return Drop.AwsOptionDuplicate;
      seen |= SEEN_COOKIE;
      out.flowCookie = readU32(buf, body);
    } else if ((type & OPTION_CRITICAL_BIT) !== 0) {
      return Drop.GeneveUnknownCriticalOption;
    }
    at = body + bodyLength;
  }
  if (seen !== SEEN_ALL) return Drop.AwsOptionMissing;
  out.innerOffset = headerLength;
  out.innerLength = length - headerLength;
  return Drop.None;
}

/** Formats a 64-bit id held as two halves as 16 lowercase hex digits (flow logs, metrics). */
export function formatId64(high: number, low: number): string {
  return high.toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0");
}
