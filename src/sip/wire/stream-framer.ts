/**
 * Splits a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3): a header block up to CRLFCRLF,
 * then exactly Content-Length bytes (a missing Content-Length means 0 on a stream). RFC 5626
 * keep-alives between messages (CRLFCRLF ping, CRLF pong) are skipped.
 *
 * Memory is bounded: the framer never holds more than `maxBufferBytes`. A header block that never
 * ends within the bound is dropped and the framer resynchronises at the next line that looks like a
 * SIP start line; so does anything that is not a start line where a message should begin. A message
 * whose Content-Length can't fit is dropped: its body bytes are counted off as they pass, never
 * buffered, then framing resumes (resynchronising if what follows is not a start line). `overflowed`
 * records that bytes were dropped for the bound. Never throws. Messages are returned as copies, in order.
 */
import { StreamBuffer } from '../../util/stream-buffer';
import { MAX_HEADER_BYTES } from './parse-sip-message';
import { isStartLine, MAX_START_LINE } from './start-line';

const DEFAULT_MAX_BUFFER = 256 * 1024;
const MIN_MAX_BUFFER = 64;
const CR = 13;
const LF = 10;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\n(?:content-length|l)[ \t]*:[ \t]*(?:\r?\n[ \t]+)?(\d+)[ \t]*(?:\r|$)/i;

export interface SipStreamFramerOptions {
  /** Upper bound on buffered bytes (default 256 KiB). */
  maxBufferBytes?: number;
}

export class SipStreamFramer {
  readonly maxBufferBytes: number;
  private readonly b: StreamBuffer;
  /** Where to resume the CRLFCRLF search for the message starting at offset 0. */
  private scanFrom = 0;
  /** The bytes at offset 0 begin with a start line already checked. */
  private startChecked = false;
  /** Length of the message at offset 0 once its header block is complete, else -1. */
  private expected = -1;
  private resyncing = false;
  /** While resynchronising: dropping the rest of a line too long to be a start line. */
  private discardingLine = false;
  private dropped = 0;
  /** Body bytes of a dropped oversized message still to let pass. */
  private skip = 0;
  private readonly headLimit: number;
  private readonly lineLimit: number;

  constructor(opts: SipStreamFramerOptions = {}) {
    const max = opts?.maxBufferBytes;
    this.maxBufferBytes = typeof max === 'number' && Number.isFinite(max) && max > 0 ? Math.max(MIN_MAX_BUFFER, Math.floor(max)) : DEFAULT_MAX_BUFFER;
    this.b = new StreamBuffer(this.maxBufferBytes);
    this.headLimit = Math.min(this.maxBufferBytes, MAX_HEADER_BYTES + CRLFCRLF.length);
    this.lineLimit = Math.min(MAX_START_LINE, Math.floor(this.maxBufferBytes / 2));
  }

  /** True once bytes have been dropped (for the bound, or not SIP) until reset(). */
  get overflowed(): boolean {
    return this.dropped > 0;
  }

  /** Bytes dropped so far (oversized messages, bytes that were not SIP); keep-alives not counted. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Bytes held right now (always ≤ maxBufferBytes). */
  get bufferedBytes(): number {
    return this.b.len;
  }

  /** Bytes allocated for the buffer (always ≤ maxBufferBytes). */
  get capacityBytes(): number {
    return this.b.buf.length;
  }

  reset(): void {
    this.b.reset();
    this.scanFrom = 0;
    this.startChecked = false;
    this.expected = -1;
    this.resyncing = false;
    this.discardingLine = false;
    this.dropped = 0;
    this.skip = 0;
  }

  /** Feeds bytes; returns the messages completed by them, in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    try {
      if (!(chunk instanceof Uint8Array)) return out;
      for (let pos = 0; pos < chunk.length;) {
        if (this.skip > 0) {
          const n = Math.min(this.skip, chunk.length - pos);
          this.skip -= n;
          this.dropped += n;
          pos += n;
          continue;
        }
        let room = this.maxBufferBytes - this.b.len;
        if (room === 0) {
          this.consume(this.overflow(0, this.b.len)); // unreachable (drain frees a full buffer); stay safe
          room = this.maxBufferBytes;
        }
        const n = Math.min(room, chunk.length - pos);
        this.b.append(chunk, pos, n);
        pos += n;
        this.drain(out);
      }
    } catch {
      this.reset();
    }
    return out;
  }

  /** Emits every complete message in the buffer, then moves the unconsumed tail to the front. */
  private drain(out: Buffer[]): void {
    let off = 0;
    for (;;) {
      if (this.resyncing) {
        const from = off;
        off = this.resync(off);
        this.dropped += off - from;
        if (this.resyncing) break;
      }
      if (!this.startChecked) {
        while (off < this.b.len && (this.b.buf[off] === CR || this.b.buf[off] === LF)) off++; // keep-alives
        if (off === this.b.len) break;
        const eol = this.indexOf(LF, off);
        if (eol === -1) {
          if (this.b.len - off <= this.lineLimit) break;
          this.resyncing = true; // too long for a start line
          continue;
        }
        if (!isStartLine(this.line(off, eol))) {
          this.resyncing = true; // garbage where a message should begin
          continue;
        }
        this.startChecked = true;
        this.expected = -1;
        this.scanFrom = off;
      }
      if (this.expected >= 0) {
        if (this.b.len - off < this.expected) break;
        out.push(Buffer.from(this.b.buf.subarray(off, off + this.expected)));
        off += this.expected;
        this.startChecked = false;
        continue;
      }
      const headEnd = this.indexOf(CRLFCRLF, Math.max(off, this.scanFrom));
      if (headEnd === -1) {
        this.scanFrom = Math.max(off, this.b.len - 3);
        if (this.b.len - off >= this.headLimit) off = this.overflow(off, this.b.len);
        else break;
        continue;
      }
      const bodyStart = headEnd + CRLFCRLF.length;
      const bodyLength = this.contentLength(off, headEnd);
      const total = bodyStart - off + bodyLength;
      if (bodyStart - off > this.headLimit || !Number.isSafeInteger(total)) {
        off = this.overflow(off, bodyStart);
        continue;
      }
      if (total > this.maxBufferBytes) {
        // Too big to hold: let the body pass unbuffered, frame again after it.
        this.startChecked = false;
        const have = Math.min(this.b.len - bodyStart, bodyLength);
        this.skip = bodyLength - have;
        this.dropped += bodyStart + have - off;
        off = bodyStart + have;
        continue;
      }
      this.expected = total;
    }
    this.consume(off);
  }

  /** Drops lines until one looks like a start line; returns the new offset. */
  private resync(off: number): number {
    for (;;) {
      const eol = this.indexOf(LF, off);
      if (this.discardingLine) {
        if (eol === -1) return this.b.len;
        this.discardingLine = false;
        off = eol + 1;
        continue;
      }
      if (eol === -1) {
        if (this.b.len - off > this.lineLimit) {
          this.discardingLine = true;
          return this.b.len;
        }
        return off;
      }
      if (eol - off <= this.lineLimit + 1 && isStartLine(this.line(off, eol))) {
        this.resyncing = false;
        return off;
      }
      off = eol + 1;
    }
  }

  /** Drops everything up to `to` (the message that can't fit) and resynchronises after it. */
  private overflow(off: number, to: number): number {
    this.dropped += to - off;
    this.resyncing = true;
    this.startChecked = false;
    // Mid-line if the last dropped byte doesn't end a line: drop the rest of that line too.
    this.discardingLine = to > 0 && to <= this.b.len && this.b.buf[to - 1] !== LF;
    return to;
  }

  private consume(off: number): void {
    if (off === 0) return;
    this.b.consume(off);
    this.scanFrom = Math.max(0, this.scanFrom - off);
  }

  /** Content-Length of the head in [off, headEnd); 0 when absent or unreadable (the next start line resyncs). */
  private contentLength(off: number, headEnd: number): number {
    const head = this.b.buf.toString('latin1', off, headEnd);
    const m = CONTENT_LENGTH.exec(head);
    if (!m) return 0;
    return m[1].length > 15 ? Number.POSITIVE_INFINITY : Number(m[1]);
  }

  private indexOf(needle: number | Buffer, from: number): number {
    if (from >= this.b.len) return -1;
    return this.b.buf.subarray(0, this.b.len).indexOf(needle, from);
  }

  /** The line [off, eol) as latin1 text without its CR. */
  private line(off: number, eol: number): string {
    const end = eol > off && this.b.buf[eol - 1] === CR ? eol - 1 : eol;
    return this.b.buf.toString('latin1', off, end);
  }
}
