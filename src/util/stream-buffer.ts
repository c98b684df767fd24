/**
 * The byte store under a stream framer (SIP over TCP/TLS, HEP over TCP): bytes [0, len) of `buf`,
 * appended at the end and consumed from the front, growing by doubling up to the framer's bound, and
 * giving back a large buffer once it is empty (many connections, mostly idle).
 */
const INITIAL_CAPACITY = 4 * 1024;
const IDLE_CAPACITY = 16 * 1024;
const EMPTY = Buffer.alloc(0);

export class StreamBuffer {
  buf: Buffer = EMPTY;
  len = 0;

  constructor(private readonly max: number) {}

  /** Appends chunk[pos, pos + n); the caller keeps `len + n` within the bound. */
  append(chunk: Uint8Array, pos: number, n: number): void {
    const need = this.len + n;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.min(this.max, Math.max(need, this.buf.length * 2, INITIAL_CAPACITY)));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    this.buf.set(chunk.subarray(pos, pos + n), this.len);
    this.len = need;
  }

  /** Drops the first `off` bytes. */
  consume(off: number): void {
    if (off === 0) return;
    const rest = this.len - off;
    if (rest === 0 && this.buf.length > IDLE_CAPACITY) this.buf = EMPTY;
    else if (rest > 0) this.buf.copy(this.buf, 0, off, this.len);
    this.len = rest;
  }

  reset(): void {
    this.buf = EMPTY;
    this.len = 0;
  }
}
