/**
 * Splits a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3): header block up to CRLFCRLF, then
 * exactly Content-Length bytes. Skips RFC 5626 keep-alives (CRLFCRLF ping, CRLF pong) between
 * messages. Memory is bounded: when the buffer would exceed `maxBufferBytes` (a header block that never
 * ends, a huge Content-Length) the bytes are dropped and the framer resynchronises at the next line
 * that starts like a SIP message. Never throws.
 */
const CRLFCRLF = Buffer.from('\r\n\r\n');
const START = /^(?:[A-Z]{3,16} \S+ SIP\/2\.0|SIP\/2\.0 \d{3})/;
const START_ANYWHERE = /\r\n(?=(?:[A-Z]{3,16} \S+ SIP\/2\.0|SIP\/2\.0 \d{3}))/;

export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private skip = 0;
  private resync = false;
  overflowed = false;
  readonly maxBufferBytes: number;

  constructor(opts: { maxBufferBytes?: number } = {}) {
    this.maxBufferBytes = opts.maxBufferBytes ?? 256 * 1024;
  }

  /** Bytes held right now (always ≤ maxBufferBytes). */
  get bufferedBytes(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
    this.skip = 0;
    this.resync = false;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    try {
      this.feed(chunk, out);
    } catch {
      this.reset();
    }
    return out;
  }

  private feed(chunk: Buffer, out: Buffer[]): void {
    let data = chunk;
    if (this.skip > 0) {
      // Dropping the rest of an oversized body.
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : Buffer.from(data);
    for (;;) {
      if (this.resync && !this.resynchronise()) return this.bound();
      // Keep-alive CRLFs between messages.
      let i = 0;
      while (i < this.buffer.length && (this.buffer[i] === 13 || this.buffer[i] === 10)) i++;
      if (i) this.buffer = this.buffer.subarray(i);
      if (!this.buffer.length) return;
      const headEnd = this.buffer.indexOf(CRLFCRLF);
      if (headEnd === -1) return this.bound();
      const head = this.buffer.subarray(0, headEnd).toString('latin1');
      if (!START.test(head)) {
        this.resync = true;
        this.buffer = this.buffer.subarray(1);
        continue;
      }
      const m = /(?:^|\r\n)(?:content-length|l)[ \t]*:[ \t]*(\d{1,10})[ \t]*(?=\r\n|$)/i.exec(head);
      const length = m ? Number(m[1]) : 0;
      const total = headEnd + 4 + length;
      if (total > this.maxBufferBytes) {
        this.overflowed = true;
        const have = this.buffer.length - (headEnd + 4);
        this.skip = Math.max(0, length - have);
        this.buffer = this.buffer.subarray(Math.min(this.buffer.length, total));
        continue;
      }
      if (this.buffer.length < total) return;
      out.push(Buffer.from(this.buffer.subarray(0, total)));
      this.buffer = this.buffer.subarray(total);
    }
  }

  /** Drops bytes up to the next line that looks like a start line; false if none yet. */
  private resynchronise(): boolean {
    const text = this.buffer.toString('latin1');
    if (START.test(text)) {
      this.resync = false;
      return true;
    }
    const m = START_ANYWHERE.exec(text);
    if (!m) {
      // Keep a short tail: a start line may be split across reads.
      this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - 64));
      return false;
    }
    this.buffer = this.buffer.subarray(m.index + 2);
    this.resync = false;
    return true;
  }

  private bound(): void {
    if (this.buffer.length > this.maxBufferBytes) {
      this.overflowed = true;
      this.buffer = Buffer.alloc(0);
      this.resync = true;
    }
  }
}
