/**
 * Inflates a small gzip body whose deflate blocks are stored or fixed-Huffman — what compressors
 * produce for short JSON, i.e. nearly every Graph response — in JavaScript: zlib's sync API builds a
 * stream object and a native inflater per call, several times the work of inflating ~100 bytes.
 *
 * Anything else — a dynamic-Huffman block, optional header fields, a second member, truncation,
 * corruption, output over the bound — returns `undefined` and the caller uses zlib, so every result
 * is zlib's by construction (the CRC-32 and size are checked before a result is returned).
 */
const MAX_INPUT = 4 * 1024;
const MAX_OUTPUT = 16 * 1024;

/** Fixed literal/length code (RFC 1951 §3.2.6), indexed by 9 bits in stream order: symbol << 4 | code length. */
let fixedLitLen: Int32Array | undefined;

function fixedTable(): Int32Array {
  if (fixedLitLen) return fixedLitLen;
  const table = new Int32Array(512);
  const add = (symbol: number, code: number, len: number) => {
    let reversed = 0;
    for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
    for (let fill = reversed; fill < 512; fill += 1 << len) table[fill] = (symbol << 4) | len;
  };
  for (let s = 0; s <= 143; s++) add(s, 0x30 + s, 8);
  for (let s = 144; s <= 255; s++) add(s, 0x190 + s - 144, 9);
  for (let s = 256; s <= 279; s++) add(s, s - 256, 7);
  for (let s = 280; s <= 287; s++) add(s, 0xc0 + s - 280, 8);
  fixedLitLen = table;
  return table;
}

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The fixed distance code is 5 bits, most significant first: reversed once here. */
const REVERSED5 = Array.from({ length: 32 }, (_, v) => {
  let r = 0;
  for (let i = 0; i < 5; i++) r |= ((v >> i) & 1) << (4 - i);
  return r;
});

/** Output space, reused: one inflate at a time (synchronous), its text decoded before returning. */
const scratch = Buffer.allocUnsafe(MAX_OUTPUT);

/** The UTF-8 text of a small stored/fixed-Huffman gzip body, or undefined (use zlib). */
export function gunzipSmallText(src: Uint8Array, maxOutput: number): string | undefined {
  // ID1 ID2, CM = deflate, FLG = 0 (no extra field, name, comment or header CRC), MTIME, XFL, OS.
  const n = src.length;
  if (!(maxOutput >= 1) || n > MAX_INPUT || n < 18 || src[0] !== 0x1f || src[1] !== 0x8b || src[2] !== 8 || src[3] !== 0) return undefined;
  // Deflate data ends where the 8-byte trailer starts. Bits are read ahead of need (into the trailer
  // at the very end); whole bytes read ahead are given back before a stored block and at the end.
  const end = n - 8;
  const limit = Math.min(maxOutput, MAX_OUTPUT);
  const out = scratch;
  let len = 0;
  let pos = 10;
  let bitbuf = 0;
  let bitcnt = 0;
  const table = fixedTable();
  for (;;) {
    // Block header: BFINAL, BTYPE (3 bits).
    while (bitcnt < 3) {
      if (pos >= n) return undefined;
      bitbuf |= src[pos++] << bitcnt;
      bitcnt += 8;
    }
    const final = bitbuf & 1;
    const type = (bitbuf >> 1) & 3;
    bitbuf >>>= 3;
    bitcnt -= 3;
    if (type === 0) {
      // Stored: to the byte boundary, LEN and its complement, the bytes.
      pos -= bitcnt >> 3;
      bitbuf = 0;
      bitcnt = 0;
      if (pos + 4 > end) return undefined;
      const size = src[pos] | (src[pos + 1] << 8);
      if (size !== (~(src[pos + 2] | (src[pos + 3] << 8)) & 0xffff) || pos + 4 + size > end) return undefined;
      pos += 4;
      if (len + size > limit) return undefined;
      out.set(src.subarray(pos, pos + size), len);
      len += size;
      pos += size;
    } else if (type === 1) {
      for (;;) {
        while (bitcnt < 9) {
          if (pos >= n) return undefined;
          bitbuf |= src[pos++] << bitcnt;
          bitcnt += 8;
        }
        const entry = table[bitbuf & 511];
        const codeLen = entry & 15;
        const symbol = entry >> 4;
        bitbuf >>>= codeLen;
        bitcnt -= codeLen;
        if (symbol < 256) {
          if (len >= limit) return undefined;
          out[len++] = symbol;
          continue;
        }
        if (symbol === 256) break;
        const l = symbol - 257;
        if (l >= 29) return undefined;
        // Length extra bits, then the 5-bit distance code and its extra bits: at most 5 + 5 + 13.
        while (bitcnt < 24) {
          if (pos >= n) break;
          bitbuf |= src[pos++] << bitcnt;
          bitcnt += 8;
        }
        const lenExtra = LEN_EXTRA[l];
        if (bitcnt < lenExtra + 5) return undefined;
        const copy = LEN_BASE[l] + (bitbuf & ((1 << lenExtra) - 1));
        bitbuf >>>= lenExtra;
        bitcnt -= lenExtra;
        const d = REVERSED5[bitbuf & 31];
        bitbuf >>>= 5;
        bitcnt -= 5;
        if (d >= 30) return undefined;
        const distExtra = DIST_EXTRA[d];
        while (bitcnt < distExtra) {
          if (pos >= n) return undefined;
          bitbuf |= src[pos++] << bitcnt;
          bitcnt += 8;
        }
        const dist = DIST_BASE[d] + (bitbuf & ((1 << distExtra) - 1));
        bitbuf >>>= distExtra;
        bitcnt -= distExtra;
        if (dist > len || len + copy > limit) return undefined;
        for (let i = 0; i < copy; i++, len++) out[len] = out[len - dist];
      }
    } else {
      return undefined; // dynamic Huffman (or the reserved type): zlib's
    }
    if (final) break;
  }
  // Whole bytes read ahead for the last symbols belong to the trailer: give them back.
  pos -= bitcnt >> 3;
  if (pos !== end) return undefined;
  const crc = (src[end] | (src[end + 1] << 8) | (src[end + 2] << 16) | (src[end + 3] << 24)) >>> 0;
  const size = (src[end + 4] | (src[end + 5] << 8) | (src[end + 6] << 16) | (src[end + 7] << 24)) >>> 0;
  if (size !== len || crc !== crc32(out, len)) return undefined;
  return out.toString('utf8', 0, len);
}

let crcTable: Int32Array | undefined;

function crc32(data: Uint8Array, len: number): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let k = 0; k < 256; k++) {
      let c = k;
      for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[k] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < len; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
