/**
 * Request bodies are kept as text where a chunk ends on a character boundary, as bytes otherwise:
 * whatever the chunks, the text is exactly the UTF-8 decoding of the first `limit` bytes the app sent,
 * and `total` counts every byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedText } from '../src/util/bounded-text';

type Chunk = { kind: 'string'; value: string; encoding?: BufferEncoding } | { kind: 'buffer' | 'uint8array'; value: Buffer };

/** What goes on the wire for a chunk (node:http and undici encode strings the same way). */
const wireBytes = (c: Chunk): Buffer => (c.kind === 'string' ? Buffer.from(c.value, c.encoding ?? 'utf8') : c.value);
const asArg = (c: Chunk): unknown => (c.kind === 'uint8array' ? new Uint8Array(c.value.buffer, c.value.byteOffset, c.value.byteLength) : c.value);

const chunk: fc.Arbitrary<Chunk> = fc.oneof(
  // UTF-16 code units around the surrogate range: lone surrogates (sent as U+FFFD) as well as pairs.
  fc
    .array(fc.oneof(fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0x20, max: 0x7e })), { maxLength: 20 })
    .map((units) => ({ kind: 'string' as const, value: String.fromCharCode(...units) })),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((value) => ({ kind: 'string' as const, value })),
  fc.string({ maxLength: 40 }).map((value) => ({ kind: 'string' as const, value, encoding: 'latin1' as const })),
  // Bytes of multi-byte text cut anywhere (a chunk may end or start inside a character), and random bytes.
  fc.tuple(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.nat(), fc.boolean()).map(([s, cut, typed]) => {
    const b = Buffer.from(s);
    return { kind: typed ? ('uint8array' as const) : ('buffer' as const), value: b.subarray(0, b.length ? cut % (b.length + 1) : 0) };
  }),
  fc.uint8Array({ maxLength: 40 }).map((a) => ({ kind: 'buffer' as const, value: Buffer.from(a) })),
);

describe('BoundedText (Graph request bodies)', () => {
  it('is the UTF-8 decoding of the first `limit` bytes sent, and counts them all, whatever the chunks', () => {
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 8 }), fc.integer({ min: 0, max: 200 }), (chunks, limit) => {
        const t = new BoundedText(limit);
        for (const c of chunks) t.add(asArg(c), c.kind === 'string' ? c.encoding : undefined);
        const wire = Buffer.concat(chunks.map(wireBytes));
        expect(t.total).toBe(wire.length);
        expect(t.toString()).toBe(wire.subarray(0, limit).toString('utf8'));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps text split inside a character across chunks intact', () => {
    const bytes = Buffer.from('{"action":"connect","x":"héllo ☎ 📞"}');
    const t = new BoundedText(1000);
    const at = bytes.indexOf(0xf0) + 2; // inside the 4-byte emoji
    t.add(bytes.subarray(0, at));
    t.add(bytes.subarray(at));
    expect(t.toString()).toBe('{"action":"connect","x":"héllo ☎ 📞"}');
  });

  it('does not hold on to the bytes the app gave (they may be reused once written)', () => {
    const buf = Buffer.from('{"action":"accept"}');
    const t = new BoundedText(1000);
    t.add(buf);
    buf.fill(0x20);
    expect(t.toString()).toBe('{"action":"accept"}');
    const notAtBoundary = Buffer.from('{"a":"é');
    const u = new BoundedText(1000);
    u.add(notAtBoundary);
    notAtBoundary.fill(0x20);
    u.add('"}');
    expect(u.toString()).toBe('{"a":"é"}');
  });
});
