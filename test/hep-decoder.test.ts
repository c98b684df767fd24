import fc from 'fast-check';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeHep3, encodeHep3, encodeHep3Chunk, encodeHep3Chunks, formatIpv6, Hep3StreamFramer, HepChunkType, parseIpv6 } from '../src/sip/hep';
import type { Hep3Packet } from '../src/sip/hep';

const SIP_INVITE = Buffer.from(
  [
    'INVITE sip:+14085551234@wa.meta.vc;transport=tls SIP/2.0',
    'Via: SIP/2.0/TLS 10.0.0.5:5061;branch=z9hG4bK-hep-1',
    'From: <sip:+15551441906@sip.example.com>;tag=biz1',
    'To: <sip:+14085551234@wa.meta.vc>',
    'Call-ID: hep-call-1',
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
);

const v4 = (over: Partial<Hep3Packet> = {}): Hep3Packet => ({
  ipFamily: 2,
  ipProtocol: 6,
  srcIp: '10.0.0.5',
  dstIp: '157.240.229.60',
  srcPort: 40123,
  dstPort: 5061,
  timestampMs: 1_760_681_506_123.456,
  protocolType: 1,
  captureId: 2001,
  authKey: 'hep-secret',
  correlationId: 'hep-call-1',
  payload: SIP_INVITE,
  ...over,
});
const v6 = (over: Partial<Hep3Packet> = {}): Hep3Packet => v4({ ipFamily: 10, srcIp: '2a03:2880:f0ff:c::1', dstIp: '2001:db8::ffff:1:0:0', ...over });

/** Re-wraps chunks (the bytes after the 6-byte header) with a correct total length. */
const rewrap = (...bodies: Buffer[]): Buffer => encodeHep3Chunks(bodies);
const chunksOf = (p: Buffer): Buffer => p.subarray(6);
const latin1 = (b: Buffer) => b.toString('latin1');
const words16 = (w: number[]): Buffer => {
  const b = Buffer.alloc(16);
  w.forEach((x, i) => b.writeUInt16BE(x, i * 2));
  return b;
};

describe('HEPv3 decoder', () => {
  it('round-trips IPv4 and IPv6 packets, microseconds included', () => {
    expect(decodeHep3(encodeHep3(v4()))).toEqual(v4());
    expect(decodeHep3(encodeHep3(v6()))).toEqual(v6());
    const { captureId: _c, authKey: _a, correlationId: _k, ...bare } = v4({ timestampMs: 1_700_000_000_000 });
    expect(decodeHep3(encodeHep3(bare))).toEqual(bare);
  });

  it('round-trips random packets', () => {
    const ip4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
    const ip6 = fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.nat(0xffff)), { minLength: 8, maxLength: 8 }).map((w) => formatIpv6(words16(w)));
    const packet = fc.record(
      {
        ipProtocol: fc.constantFrom(6, 17, 132),
        srcPort: fc.nat(65535),
        dstPort: fc.nat(65535),
        timestampMs: fc.tuple(fc.nat(0xffffffff), fc.nat(999_999)).map(([s, us]) => s * 1000 + us / 1000),
        protocolType: fc.nat(255),
        captureId: fc.nat(0xffffffff),
        authKey: fc.string({ maxLength: 40 }),
        correlationId: fc.string({ maxLength: 40 }),
        payload: fc.uint8Array({ maxLength: 4000 }).map((u) => Buffer.from(u)),
      },
      { requiredKeys: ['ipProtocol', 'srcPort', 'dstPort', 'timestampMs', 'protocolType', 'payload'] },
    );
    const addrs = fc.oneof(
      fc.tuple(ip4, ip4).map(([srcIp, dstIp]) => ({ ipFamily: 2, srcIp, dstIp })),
      fc.tuple(ip6, ip6).map(([srcIp, dstIp]) => ({ ipFamily: 10, srcIp, dstIp })),
    );
    fc.assert(
      fc.property(packet, addrs, (p, a) => {
        const full = { ...p, ...a } as Hep3Packet;
        expect(decodeHep3(encodeHep3(full))).toEqual(full);
      }),
      { numRuns: 300 },
    );
  });

  it("formats IPv6 exactly as Node's own socket addresses do", () => {
    const words = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.nat(0xffff)), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(words, (w) => {
        const b = words16(w);
        const text = formatIpv6(b);
        expect(text).toBe(new net.SocketAddress({ address: text, family: 'ipv6' }).address);
        expect(net.isIPv6(text)).toBe(true);
        expect(parseIpv6(text)).toEqual(b);
      }),
      { numRuns: 500 },
    );
    for (const t of ['::', '::1', '::ffff:1.2.3.4', '::1.2.3.4', '2001:db8::1:0:0:1', '1:0:0:2::3', '0:0:1::']) expect(formatIpv6(parseIpv6(t)!)).toBe(t);
  });

  it('skips vendor chunks and unknown generic chunk types by their length', () => {
    const p = encodeHep3(v4());
    const vendor = encodeHep3Chunk(0x0027, HepChunkType.payload, Buffer.from('vendor payload must not win'));
    const unknown = encodeHep3Chunk(0, 0x7f, Buffer.from([1, 2, 3]));
    const emptyUnknown = encodeHep3Chunk(0, 0x30, Buffer.alloc(0));
    expect(decodeHep3(rewrap(vendor, chunksOf(p), unknown, emptyUnknown))).toEqual(v4());
  });

  it('ignores bytes after the declared total length', () => {
    expect(decodeHep3(Buffer.concat([encodeHep3(v4()), Buffer.from('trailer')]))).toEqual(v4());
  });

  it('returns undefined for a packet truncated at every byte, with the original or a patched total length', () => {
    const p = encodeHep3(v4());
    for (let i = 0; i < p.length; i++) {
      const cut = Buffer.from(p.subarray(0, i));
      expect(decodeHep3(cut), `cut at ${i}`).toBeUndefined();
      if (cut.length >= 6) {
        cut.writeUInt16BE(cut.length, 4); // a consistent outer length does not make a cut chunk valid
        expect(decodeHep3(cut), `cut at ${i}, patched`).toBeUndefined();
      }
    }
  });

  it('returns undefined when a chunk length lies, a value has the wrong size, a mandatory chunk is missing, or the magic is wrong', () => {
    const p = encodeHep3(v4());
    const lie = (at: number, len: number) => {
      const b = Buffer.from(p);
      b.writeUInt16BE(len, at + 4);
      return b;
    };
    expect(decodeHep3(lie(6, 60_000))).toBeUndefined(); // first chunk overruns the packet
    expect(decodeHep3(lie(6, 5))).toBeUndefined(); // shorter than its own header
    expect(decodeHep3(lie(6, 8))).toBeUndefined(); // ip family chunk swallowing the next header
    const outer = Buffer.from(p);
    outer.writeUInt16BE(p.length + 1, 4);
    expect(decodeHep3(outer)).toBeUndefined(); // total length beyond the datagram
    const g = (type: number, value: number[]) => encodeHep3Chunk(0, type, Buffer.from(value));
    expect(decodeHep3(rewrap(chunksOf(p), g(HepChunkType.srcPort, [1, 2, 3])))).toBeUndefined();
    expect(decodeHep3(rewrap(chunksOf(p), g(HepChunkType.ipv4Src, [1, 2, 3, 4, 5])))).toBeUndefined();
    const withoutPayload = chunksOf(encodeHep3(v4())).subarray(0, chunksOf(p).length - (SIP_INVITE.length + 6));
    expect(decodeHep3(rewrap(withoutPayload))).toBeUndefined();
    const badMagic = Buffer.from(p);
    badMagic.write('HEP2', 0, 'latin1');
    expect(decodeHep3(badMagic)).toBeUndefined();
    expect(decodeHep3(Buffer.from('HEP3'))).toBeUndefined();
  });

  it('never throws on random bytes, HEP3-prefixed noise or random chunk soup', () => {
    const soup = fc.array(fc.record({ vendor: fc.constantFrom(0, 0, 39), type: fc.nat(20), value: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 20 });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((u) => Buffer.from(u)),
          fc.uint8Array({ maxLength: 2000 }).map((u) => Buffer.concat([Buffer.from('HEP3'), Buffer.from(u)])),
          soup.map((cs) => rewrap(...cs.map((c) => encodeHep3Chunk(c.vendor, c.type, c.value)))),
        ),
        (b) => {
          decodeHep3(b);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('HEPv3 stream framer', () => {
  const a = encodeHep3(v4());
  const b = encodeHep3(v6({ payload: Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n') }));
  const c = encodeHep3(v4({ srcPort: 5061, dstPort: 40123 }));

  it('frames packets split at every byte boundary, after leading garbage', () => {
    const stream = Buffer.concat([Buffer.from('garbage HEP HE'), a, b]);
    for (let i = 0; i <= stream.length; i++) {
      const f = new Hep3StreamFramer();
      const out = [...f.push(stream.subarray(0, i)), ...f.push(stream.subarray(i))];
      expect(out.map(latin1), `split at ${i}`).toEqual([a, b].map(latin1));
      expect(f.bufferedBytes).toBe(0);
    }
  });

  it('frames packets packed into one chunk, and decodes them', () => {
    const out = new Hep3StreamFramer().push(Buffer.concat([a, b, c]));
    expect(out.map(latin1)).toEqual([a, b, c].map(latin1));
    expect(out.map(decodeHep3)).toEqual([
      v4(),
      v6({ payload: Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n') }),
      v4({ srcPort: 5061, dstPort: 40123 }),
    ]);
  });

  it('resynchronises on the next HEP3 magic after a fake header whose chunks do not fit', () => {
    const fake = Buffer.from('HEP3\x01\x00\x00\x00\x00\x01\x00\x03', 'latin1'); // total 256, chunk length 3
    const f = new Hep3StreamFramer();
    expect(f.push(Buffer.concat([fake, a, Buffer.from('noise'), c])).map(latin1)).toEqual([a, c].map(latin1));
    expect(f.droppedBytes).toBe(fake.length + 5);
  });

  it('accepts the bound as a number or an option, and never holds more than it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 70_000 }),
        fc.boolean(),
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 5000 }).map((u) => Buffer.from(u)),
            fc.constantFrom(a, b, Buffer.from('HEP3\xff\xff', 'latin1')),
          ),
          { maxLength: 30 },
        ),
        (max, asNumber, chunks) => {
          const f = new Hep3StreamFramer(asNumber ? max : { maxBufferBytes: max });
          for (const chunk of chunks) {
            f.push(chunk);
            expect(f.bufferedBytes).toBeLessThanOrEqual(max);
            expect(f.capacityBytes).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('delivers random packets whole and in order in any chunking', () => {
    const packet = fc
      .record({ srcPort: fc.nat(65535), payload: fc.uint8Array({ maxLength: 3000 }).map((u) => Buffer.from(u)) })
      .map((p) => encodeHep3({ ...v4(), ...p }));
    fc.assert(
      fc.property(
        fc.array(packet, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 20 }),
        (packets, cuts) => {
          const stream = Buffer.concat(packets);
          const f = new Hep3StreamFramer();
          const out: Buffer[] = [];
          for (let pos = 0, i = 0; pos < stream.length; i++) {
            const n = cuts[i % cuts.length];
            out.push(...f.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(out.map(latin1)).toEqual(packets.map(latin1));
          expect(f.overflowed).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
