/**
 * HEPv3 decoder, written from the protocol description (sip-tooling.md §3). Every length is checked
 * before it is read: a cut, lying or garbage packet decodes to undefined, never a throw. Vendor and
 * unknown chunks are skipped by their length. Bytes after the declared total length are ignored.
 */
import { checkHep3Chunks, HEP3_CHUNK_HEADER, HEP3_HEADER, HEP3_MAGIC, HEP_IP_FAMILY_V6, HepChunkType as T } from './hep3-format';
import { formatIpv4, formatIpv6 } from './ip-text';

export interface Hep3Packet {
  /** 2 = IPv4, 10 = IPv6. */
  ipFamily: number;
  /** 17 = UDP, 6 = TCP. */
  ipProtocol: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** Capture time in ms since the epoch, with the microseconds as a fraction. */
  timestampMs: number;
  /** 1 = SIP. */
  protocolType: number;
  captureId?: number;
  authKey?: string;
  correlationId?: string;
  /** The captured message (a raw SIP message when protocolType is 1). */
  payload: Buffer;
}

interface Fields {
  ipFamily?: number;
  ipProtocol?: number;
  src4?: string;
  dst4?: string;
  src6?: string;
  dst6?: string;
  srcPort?: number;
  dstPort?: number;
  seconds?: number;
  micros?: number;
  protocolType?: number;
  captureId?: number;
  authKey?: string;
  correlationId?: string;
  payload?: Buffer;
}

export function decodeHep3(packet: Buffer): Hep3Packet | undefined {
  try {
    return decode(packet);
  } catch {
    return undefined;
  }
}

function decode(packet: Buffer): Hep3Packet | undefined {
  if (!(packet instanceof Uint8Array) || packet.length < HEP3_HEADER) return undefined;
  const buf = Buffer.isBuffer(packet)
    ? packet
    : Buffer.from((packet as Uint8Array).buffer, (packet as Uint8Array).byteOffset, (packet as Uint8Array).byteLength);
  if (buf.compare(HEP3_MAGIC, 0, 4, 0, 4) !== 0) return undefined;
  const total = buf.readUInt16BE(4);
  if (total < HEP3_HEADER || total > buf.length) return undefined;
  if (checkHep3Chunks(buf, HEP3_HEADER, total) !== 'ok') return undefined;
  const f: Fields = {};
  for (let off = HEP3_HEADER; off < total;) {
    const vendor = buf.readUInt16BE(off);
    const type = buf.readUInt16BE(off + 2);
    const len = buf.readUInt16BE(off + 4);
    const value = buf.subarray(off + HEP3_CHUNK_HEADER, off + len);
    off += len;
    if (vendor === 0 && !readChunk(f, type, value)) return undefined;
  }
  return assemble(f);
}

/** Stores one generic chunk; false when its value has the wrong size for its type. */
function readChunk(f: Fields, type: number, v: Buffer): boolean {
  switch (type) {
    case T.ipFamily:
      return (f.ipFamily = u8(v)) !== undefined;
    case T.ipProtocol:
      return (f.ipProtocol = u8(v)) !== undefined;
    case T.ipv4Src:
      return (f.src4 = v.length === 4 ? formatIpv4(v) : undefined) !== undefined;
    case T.ipv4Dst:
      return (f.dst4 = v.length === 4 ? formatIpv4(v) : undefined) !== undefined;
    case T.ipv6Src:
      return (f.src6 = v.length === 16 ? formatIpv6(v) : undefined) !== undefined;
    case T.ipv6Dst:
      return (f.dst6 = v.length === 16 ? formatIpv6(v) : undefined) !== undefined;
    case T.srcPort:
      return (f.srcPort = u16(v)) !== undefined;
    case T.dstPort:
      return (f.dstPort = u16(v)) !== undefined;
    case T.timestampSeconds:
      return (f.seconds = u32(v)) !== undefined;
    case T.timestampMicros:
      return (f.micros = u32(v)) !== undefined;
    case T.protocolType:
      return (f.protocolType = u8(v)) !== undefined;
    case T.captureId:
      return (f.captureId = u32(v)) !== undefined;
    case T.authKey:
      f.authKey = v.toString('utf8');
      return true;
    case T.payload:
      f.payload = Buffer.from(v);
      return true;
    case T.correlationId:
      f.correlationId = v.toString('utf8');
      return true;
    default:
      return true; // unknown generic chunk: skipped
  }
}

/** The packet, or undefined when a mandatory chunk is missing. */
function assemble(f: Fields): Hep3Packet | undefined {
  const v6 = f.ipFamily === HEP_IP_FAMILY_V6;
  const srcIp = v6 ? (f.src6 ?? f.src4) : (f.src4 ?? f.src6);
  const dstIp = v6 ? (f.dst6 ?? f.dst4) : (f.dst4 ?? f.dst6);
  if (f.ipFamily === undefined || f.ipProtocol === undefined || srcIp === undefined || dstIp === undefined) return undefined;
  if (f.srcPort === undefined || f.dstPort === undefined || f.seconds === undefined || f.protocolType === undefined || !f.payload) return undefined;
  const p: Hep3Packet = {
    ipFamily: f.ipFamily,
    ipProtocol: f.ipProtocol,
    srcIp,
    dstIp,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    timestampMs: f.seconds * 1000 + (f.micros ?? 0) / 1000,
    protocolType: f.protocolType,
    payload: f.payload,
  };
  if (f.captureId !== undefined) p.captureId = f.captureId;
  if (f.authKey !== undefined) p.authKey = f.authKey;
  if (f.correlationId !== undefined) p.correlationId = f.correlationId;
  return p;
}

const u8 = (b: Buffer): number | undefined => (b.length === 1 ? b[0] : undefined);
const u16 = (b: Buffer): number | undefined => (b.length === 2 ? b.readUInt16BE(0) : undefined);
const u32 = (b: Buffer): number | undefined => (b.length === 4 ? b.readUInt32BE(0) : undefined);
