import { BoundedBytes, toBuffer } from './bounded-bytes';

/**
 * Collects at most `limit` bytes of a request body for its UTF-8 text (the Graph request bodies we
 * parse). A chunk that ends on a character boundary (its last byte ASCII: JSON ends in `}`) is kept
 * as a string — decoded now rather than copied now and decoded later: the copy of every request body
 * cost a Buffer-pool allocation every few requests, the largest allocation of an exchange. Strings
 * are kept as the app gave them. Once a chunk can't be kept as text (it ends inside a character, or
 * over the limit), the rest is kept as bytes and decoded with the kept prefix at the end.
 */
export class BoundedText {
  private readonly text: string[] = [];
  /** The rest, as bytes, from the first chunk that could not be kept as text. */
  private bytes?: BoundedBytes;
  /** Bytes seen (while no bytes are kept, all of them are in `text`). */
  total = 0;

  constructor(private readonly limit: number) {}

  add(chunk: unknown, encoding?: BufferEncoding): void {
    if (this.bytes) return this.addBytes(chunk, encoding);
    const room = this.limit - this.total;
    if (typeof chunk === 'string' && (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') && isWellFormed(chunk)) {
      const n = Buffer.byteLength(chunk, 'utf8');
      if (n <= room) return this.keep(chunk, n);
    } else if (chunk instanceof Uint8Array && chunk.byteLength <= room && (chunk.byteLength === 0 || chunk[chunk.byteLength - 1] < 0x80)) {
      return this.keep(toBuffer(chunk)!.toString('utf8'), chunk.byteLength);
    }
    this.addBytes(chunk, encoding);
  }

  /** The kept text (the first `limit` bytes' worth, decoded as UTF-8). */
  toString(): string {
    const head = this.text.length === 1 ? this.text[0] : this.text.join('');
    if (!this.bytes?.total) return head;
    return head + this.bytes.bytes().toString('utf8');
  }

  private keep(text: string, byteLength: number): void {
    this.total += byteLength;
    this.text.push(text);
  }

  private addBytes(chunk: unknown, encoding?: BufferEncoding): void {
    this.bytes ??= new BoundedBytes(this.limit - this.total);
    const before = this.bytes.total;
    this.bytes.add(chunk, encoding);
    this.total += this.bytes.total - before;
  }
}

/** What UTF-8 encoding would not change (no lone surrogates: those are sent as U+FFFD). Node 20+. */
function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}
