/**
 * HEPv3 framing facts (sip-tooling.md §3): `HEP3`, a u16 big-endian total length, then chunks of
 * u16 vendor id (0 = generic), u16 type, u16 length (including the 6-byte chunk header), value.
 */
export const HEP3_MAGIC = Buffer.from('HEP3', 'latin1');
/** Bytes before the first chunk: magic + u16 total length. */
export const HEP3_HEADER = 6;
export const HEP3_CHUNK_HEADER = 6;
/** The u16 total length caps a packet. */
export const HEP3_MAX_PACKET = 0xffff;

/** Generic (vendor 0) chunk types. */
export const HepChunkType = {
  ipFamily: 1,
  ipProtocol: 2,
  ipv4Src: 3,
  ipv4Dst: 4,
  ipv6Src: 5,
  ipv6Dst: 6,
  srcPort: 7,
  dstPort: 8,
  timestampSeconds: 9,
  timestampMicros: 10,
  protocolType: 11,
  captureId: 12,
  authKey: 14,
  payload: 15,
  correlationId: 17,
} as const;

export const HEP_IP_FAMILY_V4 = 2;
export const HEP_IP_FAMILY_V6 = 10;

/**
 * Checks the chunk headers of the packet body [start, end) against each other, reading only bytes
 * before `available`: 'bad' when a chunk is shorter than its header or overruns the packet,
 * 'partial' when the bytes run out before the end, 'ok' when the chunks tile the body exactly.
 */
export function checkHep3Chunks(buf: Uint8Array, start: number, end: number, available = end): 'ok' | 'partial' | 'bad' {
  let off = start;
  while (off < end) {
    if (end - off < HEP3_CHUNK_HEADER) return 'bad';
    if (off + HEP3_CHUNK_HEADER > available) return 'partial';
    const len = (buf[off + 4] << 8) | buf[off + 5];
    if (len < HEP3_CHUNK_HEADER || len > end - off) return 'bad';
    off += len;
  }
  return 'ok';
}
