// Packet builders for the GWLB simulator, the tests and the benchmark: real IPv4/IPv6 packets
// with TCP, UDP or ICMP/ICMPv6 (valid checksums), wrapped in GENEVE with the AWS options.
//
// API summary (everything returns fresh Buffers; nothing here is on the agent's data path):
//   buildInnerPacket(spec: InnerPacketSpec): Buffer           one IPv4 or IPv6 packet
//   encapsulate(inner: Buffer, spec?: GeneveSpec): Buffer      GENEVE header + AWS TLVs + inner
//   buildDatagram(spec: DatagramSpec): BuiltDatagram            both at once, with offsets
//   buildIpv4 / buildIpv6 / buildTcp / buildUdp / buildIcmp     the layers, for crafted tests
//   internetChecksum(bytes, initial?)                           RFC 1071 ones' complement sum
// A benchmark can build one datagram per flow and patch bytes at `payloadOffset` (e.g. a
// sequence number) before each send: the agent does not verify transport checksums.

import { parseIpv4, parseIpv6 } from "../../common/cidr";
import { AWS_OPTION_ATTACHMENT_ID, AWS_OPTION_CLASS, AWS_OPTION_ENDPOINT_ID, AWS_OPTION_FLOW_COOKIE, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "../src/dataplane/geneve";

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export type TransportName = "tcp" | "udp" | "icmp";

export interface InnerPacketSpec {
  /** IPv4 or IPv6 literal; both addresses must be of the same family. */
  readonly src: string;
  readonly dst: string;
  /** "icmp" means ICMPv6 when the addresses are IPv6. A number builds a raw IP payload. */
  readonly protocol: TransportName | number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  /** TCP flags; default ACK|PSH. */
  readonly tcpFlags?: number;
  readonly tcpSeq?: number;
  /** ICMP type; default echo request (8, or 128 for ICMPv6). */
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** ICMP echo identifier and sequence number. */
  readonly icmpId?: number;
  readonly icmpSeq?: number;
  /** Transport payload: bytes, or a length filled with a repeating pattern. */
  readonly payload?: Buffer | number;
  /** Total length of the inner IP packet; overrides `payload` (e.g. 64 or 8500). */
  readonly totalLength?: number;
  readonly ttl?: number;
  readonly ipId?: number;
}

export interface GeneveOptionSpec {
  readonly optionClass: number;
  readonly type: number;
  /** Body; its length must be a multiple of 4 (0-124). */
  readonly data: Buffer;
}

export interface GeneveSpec {
  /** 64-bit GWLB endpoint id; default 0x0123456789abcdef. */
  readonly endpointId?: bigint;
  /** 64-bit attachment id; default 0. */
  readonly attachmentId?: bigint;
  /** 32-bit flow cookie; default 0x01020304. */
  readonly flowCookie?: number;
  readonly vni?: number;
  /** Options added after the AWS ones (e.g. unknown classes, critical bits). */
  readonly extraOptions?: readonly GeneveOptionSpec[];
  /** Leave AWS options out (to build malformed input). */
  readonly omitAwsOptions?: ReadonlyArray<"endpoint" | "attachment" | "cookie">;
  /** Overrides the EtherType; default from the inner packet's version nibble. */
  readonly protocolType?: number;
}

export interface DatagramSpec {
  readonly inner: InnerPacketSpec;
  readonly geneve?: GeneveSpec;
}

export interface BuiltDatagram {
  /** The UDP payload to send to the agent's port 6081. */
  readonly datagram: Buffer;
  /** Offset of the inner IP packet in `datagram`. */
  readonly innerOffset: number;
  /** Offset of the transport payload (after the TCP/UDP/ICMP header) in `datagram`. */
  readonly payloadOffset: number;
}

const DEFAULT_ENDPOINT_ID = 0x0123456789abcdefn;

/** RFC 1071 checksum over `bytes`, continuing from a partial `initial` sum. */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function addressBytes(text: string): Buffer {
  const v4 = parseIpv4(text);
  if (v4 >= 0) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(v4, 0);
    return out;
  }
  const v6 = parseIpv6(text);
  if (v6 === null) throw new Error(`not an IP address: ${text}`);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) out.writeUInt32BE(v6[i], 4 * i);
  return out;
}

/** Sum (not yet folded or complemented) of the pseudo-header for transport checksums. */
function pseudoHeaderSum(src: Buffer, dst: Buffer, protocol: number, length: number): number {
  const pseudo =
    src.length === 4
      ? Buffer.concat([src, dst, Buffer.from([0, protocol, length >> 8, length & 0xff])])
      : Buffer.concat([src, dst, Buffer.from([length >>> 24, (length >>> 16) & 0xff, (length >> 8) & 0xff, length & 0xff, 0, 0, 0, protocol])]);
  let sum = 0;
  for (let i = 0; i < pseudo.length; i += 2) sum += (pseudo[i] << 8) | pseudo[i + 1];
  return sum;
}

function patternPayload(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3) & 0xff;
  return out;
}

export function buildTcp(src: string, dst: string, srcPort: number, dstPort: number, flags: number, payload: Buffer, seq = 1): Buffer {
  const segment = Buffer.alloc(20 + payload.length);
  segment.writeUInt16BE(srcPort, 0);
  segment.writeUInt16BE(dstPort, 2);
  segment.writeUInt32BE(seq >>> 0, 4);
  segment.writeUInt32BE((flags & TCP_ACK) !== 0 ? 1 : 0, 8);
  segment[12] = 5 << 4;
  segment[13] = flags;
  segment.writeUInt16BE(65535, 14);
  payload.copy(segment, 20);
  const s = addressBytes(src);
  const d = addressBytes(dst);
  segment.writeUInt16BE(internetChecksum(segment, pseudoHeaderSum(s, d, 6, segment.length)), 16);
  return segment;
}

export function buildUdp(src: string, dst: string, srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const datagram = Buffer.alloc(8 + payload.length);
  datagram.writeUInt16BE(srcPort, 0);
  datagram.writeUInt16BE(dstPort, 2);
  datagram.writeUInt16BE(datagram.length & 0xffff, 4);
  payload.copy(datagram, 8);
  const checksum = internetChecksum(datagram, pseudoHeaderSum(addressBytes(src), addressBytes(dst), 17, datagram.length));
  datagram.writeUInt16BE(checksum === 0 ? 0xffff : checksum, 6);
  return datagram;
}

/** ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses, checksum over the pseudo-header). */
export function buildIcmp(src: string, dst: string, type: number, code: number, id: number, seq: number, payload: Buffer): Buffer {
  const message = Buffer.alloc(8 + payload.length);
  message[0] = type;
  message[1] = code;
  message.writeUInt16BE(id, 4);
  message.writeUInt16BE(seq, 6);
  payload.copy(message, 8);
  const s = addressBytes(src);
  const initial = s.length === 16 ? pseudoHeaderSum(s, addressBytes(dst), 58, message.length) : 0;
  message.writeUInt16BE(internetChecksum(message, initial), 2);
  return message;
}

export interface Ipv4Spec {
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  readonly payload: Buffer;
  readonly ttl?: number;
  readonly id?: number;
  readonly dontFragment?: boolean;
  readonly moreFragments?: boolean;
  /** In 8-byte units. */
  readonly fragmentOffset?: number;
  /** IP options; padded to a multiple of 4 bytes. */
  readonly options?: Buffer;
}

export function buildIpv4(spec: Ipv4Spec): Buffer {
  const options = spec.options ?? Buffer.alloc(0);
  const optionsLength = Math.ceil(options.length / 4) * 4;
  const headerLength = 20 + optionsLength;
  const packet = Buffer.alloc(headerLength + spec.payload.length);
  packet[0] = 0x40 | (headerLength / 4);
  packet.writeUInt16BE(packet.length, 2);
  packet.writeUInt16BE(spec.id ?? 0x1234, 4);
  const flags = (spec.dontFragment ? 0x4000 : 0) | (spec.moreFragments ? 0x2000 : 0);
  packet.writeUInt16BE(flags | ((spec.fragmentOffset ?? 0) & 0x1fff), 6);
  packet[8] = spec.ttl ?? 64;
  packet[9] = spec.protocol;
  addressBytes(spec.src).copy(packet, 12);
  addressBytes(spec.dst).copy(packet, 16);
  options.copy(packet, 20);
  packet.writeUInt16BE(internetChecksum(packet.subarray(0, headerLength)), 10);
  spec.payload.copy(packet, headerLength);
  return packet;
}

export interface Ipv6ExtensionHeader {
  /** 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 destination options, ... */
  readonly type: number;
  /** Raw header bytes after the next-header byte is filled in; for 44 give 8 bytes. */
  readonly bytes: Buffer;
}

export interface Ipv6Spec {
  readonly src: string;
  readonly dst: string;
  /** Upper-layer protocol after the extension headers. */
  readonly nextHeader: number;
  readonly payload: Buffer;
  readonly hopLimit?: number;
  readonly extensionHeaders?: readonly Ipv6ExtensionHeader[];
}

export function buildIpv6(spec: Ipv6Spec): Buffer {
  const extensions = spec.extensionHeaders ?? [];
  const chain: Buffer[] = [];
  extensions.forEach((header, i) => {
    const bytes = Buffer.from(header.bytes);
    bytes[0] = i + 1 < extensions.length ? extensions[i + 1].type : spec.nextHeader;
    chain.push(bytes);
  });
  const body = Buffer.concat([...chain, spec.payload]);
  const packet = Buffer.alloc(40 + body.length);
  packet.writeUInt32BE(0x60000000, 0);
  packet.writeUInt16BE(body.length & 0xffff, 4);
  packet[6] = extensions.length > 0 ? extensions[0].type : spec.nextHeader;
  packet[7] = spec.hopLimit ?? 64;
  addressBytes(spec.src).copy(packet, 8);
  addressBytes(spec.dst).copy(packet, 24);
  body.copy(packet, 40);
  return packet;
}

/** A generic IPv6 extension header (hop-by-hop, routing, destination options) of `length` bytes (multiple of 8). */
export function ipv6OptionsHeader(type: number, length = 8): Ipv6ExtensionHeader {
  const bytes = Buffer.alloc(length);
  bytes[1] = length / 8 - 1;
  // PadN option filling the rest, so the header is well formed.
  bytes[2] = 1;
  bytes[3] = length - 4;
  return { type, bytes };
}

/** An IPv6 fragment header; `offset` in 8-byte units. */
export function ipv6FragmentHeader(offset: number, more: boolean, id = 0x01020304): Ipv6ExtensionHeader {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt16BE(((offset & 0x1fff) << 3) | (more ? 1 : 0), 2);
  bytes.writeUInt32BE(id >>> 0, 4);
  return { type: 44, bytes };
}

function transportHeaderLength(spec: InnerPacketSpec): number {
  if (spec.protocol === "tcp") return 20;
  if (spec.protocol === "udp" || spec.protocol === "icmp") return 8;
  return 0;
}

/** Builds one inner packet; returns it with the offset of the transport payload. */
export function buildInnerPacketWithOffsets(spec: InnerPacketSpec): { packet: Buffer; payloadOffset: number } {
  const v6 = parseIpv4(spec.src) < 0;
  const ipHeader = v6 ? 40 : 20;
  let payload: Buffer;
  if (spec.totalLength !== undefined) {
    const length = spec.totalLength - ipHeader - transportHeaderLength(spec);
    if (length < 0) throw new Error(`totalLength ${spec.totalLength} is too small for the headers`);
    payload = patternPayload(length);
  } else if (typeof spec.payload === "number") {
    payload = patternPayload(spec.payload);
  } else {
    payload = spec.payload ?? Buffer.alloc(0);
  }
  let transport: Buffer;
  let protocol: number;
  if (spec.protocol === "tcp") {
    protocol = 6;
    transport = buildTcp(spec.src, spec.dst, spec.srcPort ?? 40000, spec.dstPort ?? 80, spec.tcpFlags ?? TCP_ACK | TCP_PSH, payload, spec.tcpSeq);
  } else if (spec.protocol === "udp") {
    protocol = 17;
    transport = buildUdp(spec.src, spec.dst, spec.srcPort ?? 40000, spec.dstPort ?? 53, payload);
  } else if (spec.protocol === "icmp") {
    protocol = v6 ? 58 : 1;
    transport = buildIcmp(spec.src, spec.dst, spec.icmpType ?? (v6 ? 128 : 8), spec.icmpCode ?? 0, spec.icmpId ?? 1, spec.icmpSeq ?? 1, payload);
  } else {
    protocol = spec.protocol;
    transport = payload;
  }
  const packet = v6
    ? buildIpv6({ src: spec.src, dst: spec.dst, nextHeader: protocol, payload: transport, hopLimit: spec.ttl })
    : buildIpv4({ src: spec.src, dst: spec.dst, protocol, payload: transport, ttl: spec.ttl, id: spec.ipId });
  return { packet, payloadOffset: ipHeader + transportHeaderLength(spec) };
}

export function buildInnerPacket(spec: InnerPacketSpec): Buffer {
  return buildInnerPacketWithOffsets(spec).packet;
}

function option(optionClass: number, type: number, data: Buffer): Buffer {
  if (data.length % 4 !== 0 || data.length > 124) throw new Error("GENEVE option data must be a multiple of 4 bytes, at most 124");
  const header = Buffer.alloc(4);
  header.writeUInt16BE(optionClass, 0);
  header[2] = type;
  header[3] = data.length / 4;
  return Buffer.concat([header, data]);
}

function u64(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt.asUintN(64, value));
  return out;
}

/** GENEVE header with the AWS options (endpoint id, attachment id, flow cookie), then `inner`. */
export function encapsulate(inner: Buffer, spec: GeneveSpec = {}): Buffer {
  const omit = new Set(spec.omitAwsOptions ?? []);
  const options: Buffer[] = [];
  if (!omit.has("endpoint")) options.push(option(AWS_OPTION_CLASS, AWS_OPTION_ENDPOINT_ID, u64(spec.endpointId ?? DEFAULT_ENDPOINT_ID)));
  if (!omit.has("attachment")) options.push(option(AWS_OPTION_CLASS, AWS_OPTION_ATTACHMENT_ID, u64(spec.attachmentId ?? 0n)));
  if (!omit.has("cookie")) {
    const cookie = Buffer.alloc(4);
    cookie.writeUInt32BE((spec.flowCookie ?? 0x01020304) >>> 0);
    options.push(option(AWS_OPTION_CLASS, AWS_OPTION_FLOW_COOKIE, cookie));
  }
  for (const extra of spec.extraOptions ?? []) options.push(option(extra.optionClass, extra.type, extra.data));
  const optionBytes = Buffer.concat(options);
  if (optionBytes.length > 252) throw new Error("GENEVE options exceed 252 bytes");
  const header = Buffer.alloc(8);
  header[0] = optionBytes.length / 4;
  const protocolType = spec.protocolType ?? (inner.length > 0 && inner[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
  header.writeUInt16BE(protocolType, 2);
  const vni = spec.vni ?? 0;
  header[4] = (vni >> 16) & 0xff;
  header[5] = (vni >> 8) & 0xff;
  header[6] = vni & 0xff;
  return Buffer.concat([header, optionBytes, inner]);
}

/** Builds the whole datagram GWLB would send for `spec`. */
export function buildDatagram(spec: DatagramSpec): BuiltDatagram {
  const { packet, payloadOffset } = buildInnerPacketWithOffsets(spec.inner);
  const datagram = encapsulate(packet, spec.geneve);
  const innerOffset = datagram.length - packet.length;
  return { datagram, innerOffset, payloadOffset: innerOffset + payloadOffset };
}
