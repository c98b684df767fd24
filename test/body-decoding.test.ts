import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../src/util/content-decoding';
import { gunzipSmallText } from '../src/util/small-gunzip';

const MAX = 256 * 1024;

/** zlib's flushing gunzip with its default output chunk, or undefined on error. */
function zlibView(bytes: Buffer, maxOutput = MAX): string | undefined {
  try {
    return zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput }).toString('utf8');
  } catch {
    return undefined;
  }
}

const graphLike = fc.oneof(
  fc.json(),
  fc.string({ maxLength: 3000 }),
  fc.constantFrom(
    '{"messaging_product":"whatsapp","calls":[{"id":"wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA"}]}',
    '{"success":true}',
    '{"error":{"message":"(#138002) Limit reached","type":"OAuthException","code":138002,"fbtrace_id":"AbCdEf"}}',
    '',
  ),
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('latin1')),
);
const level = fc.integer({ min: 0, max: 9 });
const strategy = fc.constantFrom(
  zlib.constants.Z_DEFAULT_STRATEGY,
  zlib.constants.Z_FIXED,
  zlib.constants.Z_HUFFMAN_ONLY,
  zlib.constants.Z_RLE,
  zlib.constants.Z_FILTERED,
);

describe('gzip bodies', () => {
  it('decodes complete gzip bodies to exactly the text that was compressed', () => {
    fc.assert(
      fc.property(graphLike, level, strategy, (text, lvl, strat) => {
        const raw = Buffer.from(text, 'utf8');
        const gz = zlib.gzipSync(raw, { level: lvl, strategy: strat });
        expect(decodeBody(gz, 'gzip', MAX)).toBe(raw.toString('utf8'));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes cut, corrupted, extended and over-bound gzip bodies exactly as zlib with its default output chunk', () => {
    fc.assert(
      fc.property(
        graphLike,
        level,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('cut', 'flip', 'append', 'second member', 'header flag', 'bound'),
        (text, lvl, a, b, byte, how) => {
          const gz = zlib.gzipSync(Buffer.from(text, 'utf8'), { level: lvl });
          let bytes = Buffer.from(gz);
          let max = MAX;
          if (how === 'cut') bytes = bytes.subarray(0, a % bytes.length);
          if (how === 'flip') bytes[a % bytes.length] ^= byte || 1;
          if (how === 'append') bytes = Buffer.concat([bytes, Buffer.from([byte])]);
          if (how === 'second member') bytes = Buffer.concat([bytes, zlib.gzipSync('more')]);
          if (how === 'header flag') bytes[3] = 1 << (b % 8);
          if (how === 'bound') max = b % (text.length + 2);
          expect(decodeBody(bytes, 'gzip', max)).toBe(zlibView(bytes, max));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('inflates typical Graph responses without zlib, and declines what it leaves to zlib', () => {
    for (const text of ['{"messaging_product":"whatsapp","calls":[{"id":"wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA"}]}', '{"success":true}', '']) {
      expect(gunzipSmallText(zlib.gzipSync(text), MAX)).toBe(text);
      expect(gunzipSmallText(zlib.gzipSync(text, { level: 0 }), MAX)).toBe(text); // stored blocks
    }
    const big = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ i, v: 'abc'.repeat(i % 7) })));
    expect(gunzipSmallText(zlib.gzipSync(big), MAX)).toBeUndefined(); // dynamic Huffman: zlib's
    const ok = zlib.gzipSync('{"success":true}');
    expect(gunzipSmallText(ok.subarray(0, ok.length - 1), MAX)).toBeUndefined(); // cut: zlib's
    expect(gunzipSmallText(ok, 5)).toBeUndefined(); // over the bound: zlib's
  });

  it('decodes gzip, deflate and br bodies that inflate past one output chunk, within the output bound', () => {
    const big = JSON.stringify({ data: Array.from({ length: 4000 }, (_, i) => ({ id: i, name: 'x'.repeat(i % 50) })) });
    for (const encoding of ['gzip', 'deflate', 'br'] as const) {
      const bytes = encoding === 'gzip' ? zlib.gzipSync(big) : encoding === 'deflate' ? zlib.deflateSync(big) : zlib.brotliCompressSync(big);
      expect(bytes.length * 8).toBeLessThan(big.length); // inflates past one output chunk
      expect(decodeBody(bytes, encoding, MAX)).toBe(big);
      expect(decodeBody(bytes, encoding, 1000)).toBeUndefined(); // the bound still holds
    }
  });
});
