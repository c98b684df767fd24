/** The SIP stream framer and the wire properties (fast-check): no throw, bounded memory, round trips. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHep3 } from '../src/sip/hep';
import { parseSipMessage, serializeSipMessage, SipStreamFramer } from '../src/sip/wire';
import type { SipMessage } from '../src/sip/wire';

import { bytes, msg, latin1, metaInvite, challenge407, metaBye } from './sip/wire-fixtures';

describe('SIP stream framer', () => {
  const a = metaInvite();
  const b = challenge407;
  const c = metaBye;

  it('frames a two-message stream split at every possible byte boundary, keep-alives skipped', () => {
    const stream = Buffer.concat([bytes('\r\n\r\n'), a, bytes('\r\n\r\n'), b, bytes('\r\n')]);
    for (let i = 0; i <= stream.length; i++) {
      const f = new SipStreamFramer();
      const out = [...f.push(stream.subarray(0, i)), ...f.push(stream.subarray(i))];
      expect(out.map(latin1), `split at ${i}`).toEqual([a, b].map(latin1));
      expect(f.bufferedBytes).toBe(0);
      expect(f.overflowed).toBe(false);
    }
  });

  it('frames three messages packed into one chunk, in order', () => {
    expect(new SipStreamFramer().push(Buffer.concat([a, b, c]))).toEqual([a, b, c]);
  });

  it('skips RFC 5626 keep-alives (CRLFCRLF ping, CRLF pong) between messages without buffering them', () => {
    const f = new SipStreamFramer();
    expect(f.push(bytes('\r\n\r\n'))).toEqual([]);
    expect(f.push(bytes('\r\n'))).toEqual([]);
    expect(f.bufferedBytes).toBe(0);
    expect(f.push(Buffer.concat([a, bytes('\r\n\r\n\r\n'), c]))).toEqual([a, c]);
    expect(f.overflowed).toBe(false);
  });

  it('treats a missing Content-Length on a stream as 0', () => {
    const noLength = bytes('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: k\r\n\r\n');
    expect(new SipStreamFramer().push(Buffer.concat([noLength, c]))).toEqual([noLength, c]);
  });

  it('returns copies: later pushes and caller buffer reuse do not change emitted messages', () => {
    const f = new SipStreamFramer();
    const chunk = Buffer.from(c);
    const [out] = f.push(chunk);
    chunk.fill(0);
    f.push(a);
    expect(out).toEqual(c);
  });

  it('stays bounded on a header block that never ends, flags the overflow, and recovers at the next start line', () => {
    const f = new SipStreamFramer({ maxBufferBytes: 4096 });
    f.push(bytes('INVITE sip:a@b SIP/2.0\r\n'));
    for (let i = 0; i < 200; i++) {
      expect(f.push(bytes(`X-Flood-${i}: ${'z'.repeat(100)}\r\n`))).toEqual([]);
      expect(f.bufferedBytes).toBeLessThanOrEqual(4096);
      expect(f.capacityBytes).toBeLessThanOrEqual(4096);
    }
    expect(f.overflowed).toBe(true);
    expect(f.push(Buffer.concat([bytes('X-Tail: 1\r\n\r\n'), c]))).toEqual([c]);
  });

  it('drops a message whose Content-Length exceeds the bound without buffering its body, then frames the next one', () => {
    const f = new SipStreamFramer({ maxBufferBytes: 2048 });
    const hugeBody = 'x'.repeat(50_000);
    const huge = msg(['MESSAGE sip:a@b SIP/2.0', 'Call-ID: big', `Content-Length: ${hugeBody.length}`], hugeBody);
    const stream = Buffer.concat([huge, b]);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 1000) {
      out.push(...f.push(stream.subarray(i, i + 1000)));
      expect(f.capacityBytes).toBeLessThanOrEqual(2048);
    }
    expect(out).toEqual([b]);
    expect(f.overflowed).toBe(true);
    expect(f.droppedBytes).toBe(huge.length);
  });

  it('resynchronises at the next start line after garbage, and reset() starts afresh', () => {
    const f = new SipStreamFramer();
    expect(f.push(Buffer.concat([bytes('\x16\x03\x01 not sip at all\r\nmore junk\r\n'), b]))).toEqual([b]);
    expect(f.overflowed).toBe(true);
    f.push(bytes('SIP/2.0 200 OK\r\nCall-'));
    f.reset();
    expect([f.bufferedBytes, f.overflowed]).toEqual([0, false]);
    expect(f.push(c)).toEqual([c]);
  });
});

// ---- properties ----

const safeChar = fc.constantFrom(...'abcXYZ0189 +-_.:;=@<>",/?!*%~éü日'.split(''));
const safeText = (max: number) => fc.string({ unit: safeChar, maxLength: max }).map((s) => s.trim());
const tokenName = fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/).filter((n) => n !== 'content-length');
const uriArb = fc
  .tuple(
    fc.stringMatching(/^\+?[a-zA-Z0-9.]{1,15}$/),
    fc.constantFrom('wa.meta.vc', 'sip.example.com', '10.0.0.5:5061'),
    fc.constantFrom('', ';transport=tls', ';lr;ob'),
  )
  .map(([u, h, p]) => `sip:${u}@${h}${p}`);
const startArb = fc.oneof(
  fc.record({ kind: fc.constant('request' as const), method: fc.stringMatching(/^[A-Z]{2,12}$/), requestUri: uriArb }),
  fc.record({ kind: fc.constant('response' as const), status: fc.integer({ min: 100, max: 699 }), reason: safeText(40) }),
);
const messageArb: fc.Arbitrary<SipMessage> = fc
  .record({
    start: startArb,
    headers: fc.array(fc.record({ name: tokenName, value: safeText(80) }), { maxLength: 20 }),
    lengthAt: fc.nat(),
    body: fc.uint8Array({ maxLength: 1500 }).map((u) => Buffer.from(u)),
  })
  .map(({ start, headers, lengthAt, body }) => {
    const all = [...headers];
    all.splice(lengthAt % (headers.length + 1), 0, { name: 'content-length', value: String(body.length) });
    return { ...start, headers: all, body };
  });

const randomBytes = fc.uint8Array({ maxLength: 3000 }).map((u) => Buffer.from(u));
const nastyBytes = fc.oneof(
  randomBytes,
  messageArb.chain((m) => {
    const s = serializeSipMessage(m);
    return fc.nat(s.length).map((n) => s.subarray(0, n)); // truncated
  }),
  fc.tuple(fc.constantFrom('INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n', 'HEP3'), fc.string({ maxLength: 500 })).map(([p, s]) => bytes(p + s)),
  fc.constantFrom(
    Buffer.alloc(70_000, 'a'),
    bytes(`SIP/2.0 200 OK\r\n${'X: y\r\n'.repeat(20_000)}\r\n`),
    bytes('SIP/2.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n'),
  ),
);

describe('SIP wire properties', () => {
  it('parser, framer and HEP decoder never throw on random, truncated and oversized buffers', () => {
    fc.assert(
      fc.property(nastyBytes, (buf) => {
        parseSipMessage(buf);
        decodeHep3(buf);
        new SipStreamFramer({ maxBufferBytes: 4096 }).push(buf);
      }),
      { numRuns: 300 },
    );
  });

  it('framer memory never exceeds its bound, whatever the chunks', () => {
    const chunkArb = fc.oneof(nastyBytes, messageArb.map(serializeSipMessage), fc.constantFrom(bytes('\r\n'), bytes('\r\n\r\n')));
    fc.assert(
      fc.property(fc.integer({ min: 64, max: 8192 }), fc.array(chunkArb, { maxLength: 25 }), (max, chunks) => {
        const f = new SipStreamFramer({ maxBufferBytes: max });
        for (const c of chunks) {
          for (const out of f.push(c)) expect(out.length).toBeLessThanOrEqual(max);
          expect(f.bufferedBytes).toBeLessThanOrEqual(max);
          expect(f.capacityBytes).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('random valid messages round-trip through serialize then parse', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(parseSipMessage(serializeSipMessage(m))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('random valid messages with keep-alives between them come out of the framer whole, in any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(messageArb, fc.constantFrom('', '\r\n', '\r\n\r\n')), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 30 }),
        (items, cuts) => {
          const wire = items.map(([m]) => serializeSipMessage(m));
          const stream = Buffer.concat(items.flatMap(([, ka], i) => [bytes(ka), wire[i]]));
          const f = new SipStreamFramer();
          const out: Buffer[] = [];
          for (let pos = 0, i = 0; pos < stream.length; i++) {
            const n = cuts[i % cuts.length];
            out.push(...f.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(out.map(latin1)).toEqual(wire.map(latin1));
          expect(out.map((o) => parseSipMessage(o))).toEqual(items.map(([m]) => m));
          expect([f.bufferedBytes, f.overflowed]).toEqual([0, false]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
