/** Collects at most `limit` bytes of a stream of chunks; the rest is counted but not kept. */
export class BoundedBytes {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  get truncated(): boolean {
    return this.total > this.kept;
  }

  add(chunk: unknown, encoding?: BufferEncoding): void {
    const fresh = typeof chunk === 'string'; // then encoded into a Buffer of our own just below
    const buf = toBuffer(chunk, encoding);
    if (!buf) return;
    this.total += buf.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const part = buf.length <= room ? buf : buf.subarray(0, room);
    // Copy the caller's bytes (its buffer may be pooled and reused after we return), and a cut part
    // of our own (not to hold the whole of a large string's bytes).
    this.chunks.push(fresh && part === buf ? part : Buffer.from(part));
    this.kept += part.length;
  }

  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.kept);
  }
}

/** A chunk as a Buffer (a view of the caller's bytes, not a copy; strings encoded), or undefined if it is none. */
export function toBuffer(chunk: unknown, encoding?: BufferEncoding): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding === undefined || !Buffer.isEncoding(encoding) ? 'utf8' : encoding);
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return Buffer.from(chunk);
  return undefined;
}
