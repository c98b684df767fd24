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
    const buf = toBuffer(chunk, encoding);
    if (!buf) return;
    this.total += buf.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    // Copy: the caller's buffer may be pooled and reused after we return.
    const part = Buffer.from(buf.subarray(0, Math.min(room, buf.length)));
    this.chunks.push(part);
    this.kept += part.length;
  }

  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.kept);
  }
}

function toBuffer(chunk: unknown, encoding?: BufferEncoding): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, Buffer.isEncoding(encoding ?? '') ? encoding : 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return Buffer.from(chunk);
  return undefined;
}
