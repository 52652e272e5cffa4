// Datagram templates for the load generators: real inner packets wrapped in GENEVE with the AWS
// options, built with the simulator's packet builders (sim/packets.ts). Each template's
// flow cookie is its index, so a generator can find the template of any returned datagram at a
// fixed offset; a 24-byte stamp (magic, sequence, index, send time) is written into the inner
// transport payload at send time. The agent does not verify inner checksums, and the kernel
// hairpin does not look inside the GENEVE payload, so the stamp changes neither.
//
// File format (read by gen.c and gen-node.ts): "GBT1", u32 count, then per template
// u16 length, u16 stamp offset, u16 socket index, u16 0, bytes.

import { writeFileSync } from "node:fs";
import { buildDatagram, TCP_ACK, TCP_PSH, TCP_SYN } from "../sim/packets";

export const STAMP_LENGTH = 24;
export const STAMP_MAGIC = 0x47574c42;
/** Offset of the flow cookie's value: GENEVE base 8 + endpoint option 12 + attachment option 12 + option header 4. */
export const COOKIE_OFFSET = 36;
export const ENDPOINT_ID = 0x0123456789abcdefn;

export interface Template {
  readonly datagram: Buffer;
  readonly stampOffset: number;
  readonly socket: number;
}

export interface TrafficSpec {
  /** Inner IP packet length (64 or 1400 in the benchmark). */
  readonly innerLength: number;
  /** Distinct inner flows (IPv4; half UDP to port 53, half TCP to port 443). */
  readonly flows: number;
  /** GWLB source ports; flow i is sent from socket i % sockets. */
  readonly sockets: number;
}

/**
 * Flow i's client: 203.0.113.(i % 256) (TEST-NET-3) and port 1024 + i / 256, so up to 16M
 * flows have distinct 5-tuples. Inner addresses are only bytes inside GENEVE, never sent to.
 */
function client(i: number): { address: string; port: number } {
  return { address: `203.0.113.${i & 255}`, port: 1024 + Math.floor(i / 256) };
}

/** Steady-state data packets for throughput runs: one template per flow. */
export function dataTemplates(spec: TrafficSpec): Template[] {
  const templates: Template[] = [];
  for (let i = 0; i < spec.flows; i++) {
    const tcp = i % 2 === 1;
    const { datagram, payloadOffset } = buildDatagram({
      inner: {
        src: client(i).address,
        dst: "10.10.21.100",
        protocol: tcp ? "tcp" : "udp",
        srcPort: client(i).port,
        dstPort: tcp ? 443 : 53,
        tcpFlags: TCP_ACK | TCP_PSH,
        totalLength: spec.innerLength,
      },
      geneve: { endpointId: ENDPOINT_ID, attachmentId: 0n, flowCookie: i },
    });
    templates.push({ datagram, stampOffset: payloadOffset, socket: i % spec.sockets });
  }
  return templates;
}

/**
 * `count` distinct TCP flows, each opened by one SYN (for the flow-table memory run), from the
 * clients numbered `firstClient` on.
 * 5-tuples differ by client address and port (and the server, 10.10.22.100, is not the one of
 * the data templates), so every SYN creates a flow-table entry.
 */
export function synTemplates(count: number, sockets: number, firstClient = 0): Template[] {
  const templates: Template[] = [];
  for (let i = 0; i < count; i++) {
    const { address, port } = client(firstClient + i);
    const { datagram, payloadOffset } = buildDatagram({
      inner: {
        src: address,
        dst: "10.10.22.100",
        protocol: "tcp",
        srcPort: port,
        dstPort: 443,
        tcpFlags: TCP_SYN,
        totalLength: 64,
      },
      geneve: { endpointId: ENDPOINT_ID, attachmentId: 0n, flowCookie: i },
    });
    templates.push({ datagram, stampOffset: payloadOffset, socket: i % sockets });
  }
  return templates;
}

export function encodeTemplates(templates: readonly Template[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  head.write("GBT1", 0, "latin1");
  head.writeUInt32BE(templates.length, 4);
  parts.push(head);
  templates.forEach((template, i) => {
    if (template.datagram.readUInt32BE(COOKIE_OFFSET) !== i) throw new Error(`template ${i}: flow cookie is not its index`);
    if (template.stampOffset + STAMP_LENGTH > template.datagram.length) throw new Error(`template ${i}: no room for the stamp`);
    const h = Buffer.alloc(8);
    h.writeUInt16BE(template.datagram.length, 0);
    h.writeUInt16BE(template.stampOffset, 2);
    h.writeUInt16BE(template.socket, 4);
    parts.push(h, template.datagram);
  });
  return Buffer.concat(parts);
}

export function decodeTemplates(file: Buffer): Template[] {
  if (file.length < 8 || file.toString("latin1", 0, 4) !== "GBT1") throw new Error("not a templates file");
  const count = file.readUInt32BE(4);
  const out: Template[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    const length = file.readUInt16BE(at);
    const stampOffset = file.readUInt16BE(at + 2);
    const socket = file.readUInt16BE(at + 4);
    out.push({ datagram: file.subarray(at + 8, at + 8 + length), stampOffset, socket });
    at += 8 + length;
  }
  return out;
}

export function writeTemplates(path: string, templates: readonly Template[]): void {
  writeFileSync(path, encodeTemplates(templates));
}

/**
 * `flows` new UDP flows of `packetsPerFlow` packets each, a flow's packets back to back (as a
 * short DNS exchange or a connection's first packets arrive): for the new-flows-per-second run.
 * Their server (10.10.23.100) is neither the data templates' nor the SYN templates', so every
 * flow is new to an agent that has only seen those.
 */
export function newFlowTemplates(flows: number, packetsPerFlow: number, sockets: number): Template[] {
  const templates: Template[] = [];
  for (let i = 0; i < flows; i++) {
    for (let p = 0; p < packetsPerFlow; p++) {
      const { datagram, payloadOffset } = buildDatagram({
        inner: { src: client(i).address, dst: "10.10.23.100", protocol: "udp", srcPort: client(i).port, dstPort: 53, totalLength: 64 },
        geneve: { endpointId: ENDPOINT_ID, attachmentId: 0n, flowCookie: templates.length },
      });
      templates.push({ datagram, stampOffset: payloadOffset, socket: i % sockets });
    }
  }
  return templates;
}
