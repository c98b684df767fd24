/**
 * HEPv3 (Homer Encapsulation Protocol) decoder and encoder, written from the protocol description
 * (sip-tooling.md §3): `HEP3`, u16 total length, then chunks of u16 vendor, u16 type, u16 length
 * (including the 6-byte chunk header) and a payload. Unknown chunks are skipped by length; every
 * length is checked before reading, so a cut or lying packet decodes to undefined, never a throw.
 */
import * as net from 'node:net';

export interface Hep3Packet {
  ipFamily?: number;
  ipProtocol?: number;
  srcIp?: string;
  dstIp?: string;
  srcPort?: number;
  dstPort?: number;
  timestampMs?: number;
  /** 1 = SIP. */
  protocolType?: number;
  captureId?: number;
  authKey?: string;
  correlationId?: string;
  payload: Buffer;
}

const MAGIC = Buffer.from('HEP3');
export const HEP3_HEADER = 6;

export function decodeHep3(packet: Buffer): Hep3Packet | undefined {
  try {
    if (packet.length < HEP3_HEADER || !packet.subarray(0, 4).equals(MAGIC)) return undefined;
    const total = packet.readUInt16BE(4);
    if (total < HEP3_HEADER || total > packet.length) return undefined;
    const out: Partial<Hep3Packet> = {};
    let seconds: number | undefined;
    let micros = 0;
    for (let off = HEP3_HEADER; off < total; ) {
      if (off + 6 > total) return undefined;
      const vendor = packet.readUInt16BE(off);
      const type = packet.readUInt16BE(off + 2);
      const len = packet.readUInt16BE(off + 4);
      if (len < 6 || off + len > total) return undefined;
      const body = packet.subarray(off + 6, off + len);
      off += len;
      if (vendor !== 0) continue;
      switch (type) {
        case 1: out.ipFamily = u8(body); break;
        case 2: out.ipProtocol = u8(body); break;
        case 3: out.srcIp = ipv4(body); break;
        case 4: out.dstIp = ipv4(body); break;
        case 5: out.srcIp = ipv6(body); break;
        case 6: out.dstIp = ipv6(body); break;
        case 7: out.srcPort = u16(body); break;
        case 8: out.dstPort = u16(body); break;
        case 9: seconds = u32(body); break;
        case 10: micros = u32(body) ?? 0; break;
        case 11: out.protocolType = u8(body); break;
        case 12: out.captureId = u32(body); break;
        case 14: out.authKey = body.toString('utf8'); break;
        case 15: out.payload = Buffer.from(body); break;
        case 17: out.correlationId = body.toString('utf8'); break;
        default: break;
      }
    }
    if (!out.payload) return undefined;
    if (seconds !== undefined) out.timestampMs = seconds * 1000 + Math.floor(micros / 1000);
    return out as Hep3Packet;
  } catch {
    return undefined;
  }
}

const u8 = (b: Buffer) => (b.length === 1 ? b[0] : undefined);
const u16 = (b: Buffer) => (b.length === 2 ? b.readUInt16BE(0) : undefined);
const u32 = (b: Buffer) => (b.length === 4 ? b.readUInt32BE(0) : undefined);
const ipv4 = (b: Buffer) => (b.length === 4 ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : undefined);
function ipv6(b: Buffer): string | undefined {
  if (b.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // RFC 5952 text: the longest run (≥ 2) of zero groups becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Encodes a packet (tests, replaying captures). */
export function encodeHep3(p: Hep3Packet): Buffer {
  const chunks: Buffer[] = [];
  const chunk = (type: number, body: Buffer) => {
    const h = Buffer.alloc(6);
    h.writeUInt16BE(0, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt16BE(body.length + 6, 4);
    chunks.push(h, body);
  };
  const n = (bytes: number, v: number) => {
    const b = Buffer.alloc(bytes);
    if (bytes === 1) b.writeUInt8(v);
    else if (bytes === 2) b.writeUInt16BE(v);
    else b.writeUInt32BE(v);
    return b;
  };
  const v6 = net.isIPv6(p.srcIp ?? '') || net.isIPv6(p.dstIp ?? '');
  chunk(1, n(1, p.ipFamily ?? (v6 ? 10 : 2)));
  chunk(2, n(1, p.ipProtocol ?? 17));
  if (p.srcIp) chunk(v6 ? 5 : 3, ipBytes(p.srcIp));
  if (p.dstIp) chunk(v6 ? 6 : 4, ipBytes(p.dstIp));
  if (p.srcPort !== undefined) chunk(7, n(2, p.srcPort));
  if (p.dstPort !== undefined) chunk(8, n(2, p.dstPort));
  if (p.timestampMs !== undefined) {
    chunk(9, n(4, Math.floor(p.timestampMs / 1000)));
    chunk(10, n(4, (p.timestampMs % 1000) * 1000));
  }
  chunk(11, n(1, p.protocolType ?? 1));
  if (p.captureId !== undefined) chunk(12, n(4, p.captureId));
  if (p.authKey !== undefined) chunk(14, Buffer.from(p.authKey));
  if (p.correlationId !== undefined) chunk(17, Buffer.from(p.correlationId));
  chunk(15, p.payload);
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(6);
  MAGIC.copy(head);
  head.writeUInt16BE(body.length + 6, 4);
  return Buffer.concat([head, body]);
}

function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}

/** Splits HEP over TCP (packets back to back, framed by their length); bounded, resyncs on `HEP3`. */
export class Hep3StreamFramer {
  private buffer = Buffer.alloc(0);
  constructor(private readonly maxBufferBytes = 256 * 1024) {}

  get bufferedBytes(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    for (;;) {
      const start = this.buffer.indexOf(MAGIC);
      if (start === -1) {
        this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - 3));
        return out;
      }
      if (start > 0) this.buffer = this.buffer.subarray(start);
      if (this.buffer.length < HEP3_HEADER) return out;
      const total = this.buffer.readUInt16BE(4);
      if (total < HEP3_HEADER) {
        this.buffer = this.buffer.subarray(4);
        continue;
      }
      if (this.buffer.length < total) {
        if (this.buffer.length > this.maxBufferBytes) this.buffer = this.buffer.subarray(4);
        return out;
      }
      out.push(Buffer.from(this.buffer.subarray(0, total)));
      this.buffer = this.buffer.subarray(total);
    }
  }
}
