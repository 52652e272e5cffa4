// Inner IPv4/IPv6 packet parsing down to the transport 5-tuple, in place and allocation-free.

import { Unclassified } from "./drop-reasons";
import { ETHERTYPE_IPV4, readU32 } from "./geneve";
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../shared/ip-protocols";

const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AUTH = 51;
const IPV6_DEST_OPTS = 60;
const IPV6_MOBILITY = 135;
const IPV6_HIP = 139;
const IPV6_SHIM6 = 140;
/** More extension headers than this is treated as hostile rather than walked. */
export const MAX_IPV6_EXTENSION_HEADERS = 16;

/** Which end started the flow, when the packet itself says so (TCP handshake, ICMP queries). */
export const Hint = { None: 0, SourceInitiates: 1, DestinationInitiates: 2 } as const;

/** Fragment state of an inner packet. */
export const Fragment = { None: 0, First: 1, NonFirst: 2 } as const;

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;

/** Parsed inner packet; one instance is reused for every datagram. */
export class InnerPacket {
  family: 4 | 6 = 4;
  protocol = 0;
  /** Addresses as four words (IPv4 in word 0, the rest zero). */
  readonly source = new Uint32Array(4);
  readonly destination = new Uint32Array(4);
  /** Ports for TCP/UDP/SCTP; for ICMP queries both hold the identifier; 0 otherwise. */
  sourcePort = 0;
  destinationPort = 0;
  tcpFlags = 0;
  icmpType = -1;
  fragment: number = Fragment.None;
  /** IPv4 identification or IPv6 fragment header identification, when `fragment` is set. */
  fragmentId = 0;
  hint: number = Hint.None;
  /** Length of the IP packet as its own header states it (may be less than the GENEVE payload). */
  ipLength = 0;
}

function u16(buf: Uint8Array, at: number): number {
  return (buf[at] << 8) | buf[at + 1];
}

/**
 * Parses the inner packet at `buf[offset, offset + length)`; `protocolType` is the GENEVE
 * EtherType, which must agree with the IP version nibble. Fills `out` and returns
 * Unclassified.None, or the reason the packet has no usable 5-tuple. Addresses and protocol are
 * filled whenever the IP header itself was readable, even if the transport was not.
 */
export function parseInnerPacket(
  buf: Uint8Array,
  offset: number,
  length: number,
  protocolType: number,
  out: InnerPacket,
): number {
  out.sourcePort = 0;
  out.destinationPort = 0;
  out.tcpFlags = 0;
  out.icmpType = -1;
  out.fragment = Fragment.None;
  out.fragmentId = 0;
  out.hint = Hint.None;
  out.protocol = 0;
  out.ipLength = 0;
  if (length < 1) return Unclassified.InnerTruncated;
  const version = buf[offset] >> 4;
  if (protocolType === ETHERTYPE_IPV4) {
    if (version !== 4) return Unclassified.InnerVersionMismatch;
    return parseIpv4(buf, offset, length, out);
  }
  if (version !== 6) return Unclassified.InnerVersionMismatch;
  return parseIpv6(buf, offset, length, out);
}

function parseIpv4(buf: Uint8Array, offset: number, length: number, out: InnerPacket): number {
  out.family = 4;
  if (length < 20) return Unclassified.InnerTruncated;
  const headerLength = (buf[offset] & 0x0f) * 4;
  if (headerLength < 20) return Unclassified.InnerBadHeader;
  if (headerLength > length) return Unclassified.InnerTruncated;
  const totalLength = u16(buf, offset + 2);
  if (totalLength < headerLength) return Unclassified.InnerBadHeader;
  if (totalLength > length) return Unclassified.InnerTruncated;
  out.ipLength = totalLength;
  out.protocol = buf[offset + 9];
  out.source[0] = readU32(buf, offset + 12);
  out.source[1] = out.source[2] = out.source[3] = 0;
  out.destination[0] = readU32(buf, offset + 16);
  out.destination[1] = out.destination[2] = out.destination[3] = 0;
  const flagsAndOffset = u16(buf, offset + 6);
  out.fragmentId = u16(buf, offset + 4);
  if ((flagsAndOffset & 0x1fff) !== 0) {
    // Later fragments carry no transport header: the 5-tuple is unknowable from this packet.
    out.fragment = Fragment.NonFirst;
    return Unclassified.NonFirstFragment;
  }
  if ((flagsAndOffset & 0x2000) !== 0) out.fragment = Fragment.First;
  return parseTransport(buf, offset + headerLength, offset + totalLength, out);
}

function parseIpv6(buf: Uint8Array, offset: number, length: number, out: InnerPacket): number {
  out.family = 6;
  if (length < 40) return Unclassified.InnerTruncated;
  const payloadLength = u16(buf, offset + 4);
  const end = offset + 40 + payloadLength;
  if (end > offset + length) return Unclassified.InnerTruncated;
  out.ipLength = 40 + payloadLength;
  for (let i = 0; i < 4; i++) {
    out.source[i] = readU32(buf, offset + 8 + 4 * i);
    out.destination[i] = readU32(buf, offset + 24 + 4 * i);
  }
  let next = buf[offset + 6];
  let at = offset + 40;
  for (let count = 0; ; count++) {
    if (
      next !== IPV6_HOP_BY_HOP &&
      next !== IPV6_ROUTING &&
      next !== IPV6_DEST_OPTS &&
      next !== IPV6_FRAGMENT &&
      next !== IPV6_AUTH &&
      next !== IPV6_MOBILITY &&
      next !== IPV6_HIP &&
      next !== IPV6_SHIM6
    ) {
      break;
    }
    out.protocol = next;
    if (count >= MAX_IPV6_EXTENSION_HEADERS) return Unclassified.ExtensionHeaderLimit;
    if (next === IPV6_FRAGMENT) {
      if (at + 8 > end) return Unclassified.InnerTruncated;
      const fragmentField = u16(buf, at + 2);
      out.fragmentId = readU32(buf, at + 4);
      next = buf[at];
      at += 8;
      if (fragmentField >> 3 !== 0) {
        out.protocol = next;
        out.fragment = Fragment.NonFirst;
        return Unclassified.NonFirstFragment;
      }
      if ((fragmentField & 1) !== 0) out.fragment = Fragment.First;
      continue;
    }
    if (at + 2 > end) return Unclassified.InnerTruncated;
    // AH counts its length in 4-byte units minus 2; the others in 8-byte units minus 1.
    const headerLength = next === IPV6_AUTH ? (buf[at + 1] + 2) * 4 : (buf[at + 1] + 1) * 8;
    if (at + headerLength > end) return Unclassified.InnerTruncated;
    next = buf[at];
    at += headerLength;
  }
  out.protocol = next;
  return parseTransport(buf, at, end, out);
}

function parseTransport(buf: Uint8Array, at: number, end: number, out: InnerPacket): number {
  const available = end - at;
  const protocol = out.protocol;
  if (protocol === PROTO_TCP) {
    // The whole fixed header is required: a first fragment that splits it (RFC 1858) is refused.
    if (available < 20) return Unclassified.TransportTruncated;
    out.sourcePort = u16(buf, at);
    out.destinationPort = u16(buf, at + 2);
    const flags = buf[at + 13];
    out.tcpFlags = flags;
    if ((flags & TCP_SYN) !== 0) out.hint = (flags & TCP_ACK) !== 0 ? Hint.DestinationInitiates : Hint.SourceInitiates;
    return Unclassified.None;
  }
  if (protocol === PROTO_UDP || protocol === PROTO_SCTP) {
    if (available < (protocol === PROTO_UDP ? 8 : 12)) return Unclassified.TransportTruncated;
    out.sourcePort = u16(buf, at);
    out.destinationPort = u16(buf, at + 2);
    return Unclassified.None;
  }
  if ((protocol === PROTO_ICMP && out.family === 4) || (protocol === PROTO_ICMPV6 && out.family === 6)) {
    if (available < 8) return Unclassified.TransportTruncated;
    const type = buf[at];
    out.icmpType = type;
    const hint = protocol === PROTO_ICMP ? icmpv4Hint(type) : icmpv6Hint(type);
    if (hint !== Hint.None) {
      // Queries and their replies share the identifier; it stands in for both ports.
      const identifier = u16(buf, at + 4);
      out.sourcePort = identifier;
      out.destinationPort = identifier;
      out.hint = hint;
    }
    return Unclassified.None;
  }
  // Other protocols (GRE, ESP, ...) are classified by addresses and protocol alone.
  return Unclassified.None;
}

function icmpv4Hint(type: number): number {
  switch (type) {
    case 8: // echo request
    case 13: // timestamp
    case 15: // information request
    case 17: // address mask request
      return Hint.SourceInitiates;
    case 0:
    case 14:
    case 16:
    case 18:
      return Hint.DestinationInitiates;
    default:
      return Hint.None;
  }
}

function icmpv6Hint(type: number): number {
  if (type === 128) return Hint.SourceInitiates;
  if (type === 129) return Hint.DestinationInitiates;
  return Hint.None;
}
