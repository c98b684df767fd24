/**
 * HEPv3 encoder (tests, replaying captures). Writes generic chunks in the order Kamailio does, the
 * payload last. Missing fields get defaults (family from the addresses, UDP, SIP, zero addresses,
 * ports and time). Throws a RangeError/TypeError on values that can't be encoded (bad IP text, a port
 * over 65535, a packet over 64 KiB).
 */
import type { Hep3Packet } from './hep3-decoder';
import { HEP3_CHUNK_HEADER, HEP3_HEADER, HEP3_MAGIC, HEP3_MAX_PACKET, HEP_IP_FAMILY_V4, HEP_IP_FAMILY_V6, HepChunkType as T } from './hep3-format';
import { parseIpv4, parseIpv6 } from './ip-text';

export type Hep3PacketInput = Partial<Omit<Hep3Packet, 'payload'>> & { payload: Buffer };

/** One chunk: vendor, type, length (value + 6) and value. */
export function encodeHep3Chunk(vendor: number, type: number, value: Uint8Array): Buffer {
  if (value.length + HEP3_CHUNK_HEADER > HEP3_MAX_PACKET) throw new RangeError('HEP3 chunk too large');
  const b = Buffer.alloc(HEP3_CHUNK_HEADER + value.length);
  b.writeUInt16BE(vendor, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt16BE(b.length, 4);
  b.set(value, HEP3_CHUNK_HEADER);
  return b;
}

/** A packet from its chunks (already encoded). */
export function encodeHep3Chunks(chunks: readonly Uint8Array[]): Buffer {
  const total = HEP3_HEADER + chunks.reduce((n, c) => n + c.length, 0);
  if (total > HEP3_MAX_PACKET) throw new RangeError(`HEP3 packet too large (${total} bytes)`);
  const head = Buffer.alloc(HEP3_HEADER);
  HEP3_MAGIC.copy(head);
  head.writeUInt16BE(total, 4);
  return Buffer.concat([head, ...chunks]);
}

export function encodeHep3(p: Hep3PacketInput): Buffer {
  const v6 = p.ipFamily === HEP_IP_FAMILY_V6 || (p.ipFamily === undefined && [p.srcIp, p.dstIp].some((ip) => ip !== undefined && ip.includes(':')));
  const family = p.ipFamily ?? (v6 ? HEP_IP_FAMILY_V6 : HEP_IP_FAMILY_V4);
  const src = ipBytes(p.srcIp ?? (v6 ? '::' : '0.0.0.0'));
  const dst = ipBytes(p.dstIp ?? (v6 ? '::' : '0.0.0.0'));
  const ms = p.timestampMs ?? 0;
  let seconds = Math.floor(ms / 1000);
  let micros = Math.round((ms - seconds * 1000) * 1000);
  if (micros >= 1_000_000) [seconds, micros] = [seconds + 1, micros - 1_000_000];
  const g = (type: number, value: Uint8Array) => encodeHep3Chunk(0, type, value);
  const chunks = [
    g(T.ipFamily, uint(1, family)),
    g(T.ipProtocol, uint(1, p.ipProtocol ?? 17)),
    g(src.length === 4 ? T.ipv4Src : T.ipv6Src, src),
    g(dst.length === 4 ? T.ipv4Dst : T.ipv6Dst, dst),
    g(T.srcPort, uint(2, p.srcPort ?? 0)),
    g(T.dstPort, uint(2, p.dstPort ?? 0)),
    g(T.timestampSeconds, uint(4, seconds)),
    g(T.timestampMicros, uint(4, micros)),
    g(T.protocolType, uint(1, p.protocolType ?? 1)),
  ];
  if (p.captureId !== undefined) chunks.push(g(T.captureId, uint(4, p.captureId)));
  if (p.authKey !== undefined) chunks.push(g(T.authKey, Buffer.from(p.authKey, 'utf8')));
  if (p.correlationId !== undefined) chunks.push(g(T.correlationId, Buffer.from(p.correlationId, 'utf8')));
  chunks.push(g(T.payload, p.payload));
  return encodeHep3Chunks(chunks);
}

function uint(bytes: 1 | 2 | 4, v: number): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 1) b.writeUInt8(v);
  else if (bytes === 2) b.writeUInt16BE(v);
  else b.writeUInt32BE(v);
  return b;
}

function ipBytes(ip: string): Buffer {
  const b = parseIpv4(ip) ?? parseIpv6(ip);
  if (!b) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  return b;
}
