/**
 * Splits HEP over TCP into packets: they come back to back, each framed by its u16 total length.
 * Bounded: never holds more than `maxBufferBytes`. After garbage (or a `HEP3` whose chunk headers
 * don't tile its declared length) it resynchronises at the next `HEP3` magic. Never throws; packets
 * are returned as copies, in order, not yet decoded (see decodeHep3).
 */
import { StreamBuffer } from '../../util/stream-buffer';
import { checkHep3Chunks, HEP3_CHUNK_HEADER, HEP3_HEADER, HEP3_MAGIC } from './hep3-format';

const DEFAULT_MAX_BUFFER = 256 * 1024;
const MIN_MAX_BUFFER = 64;

export interface Hep3StreamFramerOptions {
  /** Upper bound on buffered bytes (default 256 KiB; a HEP packet is at most 64 KiB). */
  maxBufferBytes?: number;
}

export class Hep3StreamFramer {
  readonly maxBufferBytes: number;
  private readonly b: StreamBuffer;
  private dropped = 0;
  private oversized = 0;

  /** Options, or the bound in bytes as a number. */
  constructor(opts: Hep3StreamFramerOptions | number = {}) {
    const max = typeof opts === 'number' ? opts : opts?.maxBufferBytes;
    this.maxBufferBytes = typeof max === 'number' && Number.isFinite(max) && max > 0 ? Math.max(MIN_MAX_BUFFER, Math.floor(max)) : DEFAULT_MAX_BUFFER;
    this.b = new StreamBuffer(this.maxBufferBytes);
  }

  /** Bytes held right now (always ≤ maxBufferBytes). */
  get bufferedBytes(): number {
    return this.b.len;
  }

  /** Bytes allocated for the buffer (always ≤ maxBufferBytes). */
  get capacityBytes(): number {
    return this.b.buf.length;
  }

  /** Bytes dropped so far (garbage, malformed or oversized packets). */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Packet headers seen declaring more than `maxBufferBytes` (never buffered; skipped as garbage). */
  get oversizedPackets(): number {
    return this.oversized;
  }

  get overflowed(): boolean {
    return this.dropped > 0;
  }

  reset(): void {
    this.b.reset();
    this.dropped = 0;
    this.oversized = 0;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    try {
      if (!(chunk instanceof Uint8Array)) return out;
      for (let pos = 0; pos < chunk.length;) {
        if (this.b.len === this.maxBufferBytes) this.consume(this.b.len, true); // unreachable; stay safe
        const n = Math.min(this.maxBufferBytes - this.b.len, chunk.length - pos);
        this.b.append(chunk, pos, n);
        pos += n;
        this.drain(out);
      }
    } catch {
      this.reset();
    }
    return out;
  }

  private drain(out: Buffer[]): void {
    const view = this.b.buf.subarray(0, this.b.len);
    let off = 0;
    for (;;) {
      const at = view.indexOf(HEP3_MAGIC, off);
      if (at === -1) {
        // Keep a tail that may be the start of a magic split across reads.
        this.dropped += Math.max(0, this.b.len - magicPrefixLength(view) - off);
        off = Math.max(off, this.b.len - magicPrefixLength(view));
        break;
      }
      this.dropped += at - off;
      off = at;
      if (this.b.len - off < HEP3_HEADER) break;
      const total = view.readUInt16BE(off + 4);
      const fits = total >= HEP3_HEADER + HEP3_CHUNK_HEADER && total <= this.maxBufferBytes;
      if (total > this.maxBufferBytes) this.oversized++;
      const state = fits ? checkHep3Chunks(view, off + HEP3_HEADER, off + total, this.b.len) : 'bad';
      if (state === 'bad') {
        off += 1; // not a packet start: look for the next magic
        this.dropped += 1;
        continue;
      }
      if (state === 'partial' || this.b.len - off < total) break;
      out.push(Buffer.from(view.subarray(off, off + total)));
      off += total;
    }
    this.consume(off, false);
  }

  private consume(off: number, dropping: boolean): void {
    if (dropping) this.dropped += off;
    this.b.consume(off);
  }
}

/** Length of the longest suffix of `b` that is a proper prefix of `HEP3` (0–3). */
function magicPrefixLength(b: Buffer): number {
  for (let k = Math.min(3, b.length); k > 0; k--) {
    if (b.compare(HEP3_MAGIC, 0, k, b.length - k, b.length) === 0) return k;
  }
  return 0;
}
