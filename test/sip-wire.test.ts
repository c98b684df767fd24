import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  callIdOf,
  cseqOf,
  fromTagOf,
  header,
  headerValues,
  parseSipMessage,
  serializeSipMessage,
  SipStreamFramer,
  topViaBranchOf,
  uriUser,
} from '../src/sip/wire';
import type { SipMessage } from '../src/sip/wire';
import { CRLF, invite, metaInvite, request, response } from './sip/messages';

const buf = (s: string) => Buffer.from(s, 'utf8');

describe('SIP message parser', () => {
  it("reads Meta's INVITE with its x-wa-meta headers and an SDP body of exactly Content-Length bytes", () => {
    const m = parseSipMessage(buf(metaInvite()))!;
    expect(m.kind).toBe('request');
    expect(m.kind === 'request' && m.method).toBe('INVITE');
    expect(callIdOf(m)).toBe('outgoing:wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA');
    expect(header(m, 'X-WA-META-WACID')).toBe('wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA');
    expect(cseqOf(m)).toEqual({ seq: 1, method: 'INVITE' });
    expect(topViaBranchOf(m)).toBe('z9hG4bK-meta');
    expect(fromTagOf(m)).toBe('meta1');
    expect(uriUser(header(m, 'from')!)).toBe('+14085551234');
    expect(m.body.toString()).toContain('a=crypto');
    expect(m.body.length).toBe(Number(header(m, 'content-length')));
  });

  it("reads a 403 with Meta's reason phrase and Warning: 399", () => {
    const m = parseSipMessage(
      buf(
        response(403, 'No Approved Call Permission Found: No approved call permission from the recipient', {
          extra: ['Warning: 399 wa.meta.vc "No Approved Call Permission Found"'],
        }),
      ),
    )!;
    expect(m.kind === 'response' && [m.status, m.reason]).toEqual([403, 'No Approved Call Permission Found: No approved call permission from the recipient']);
    expect(header(m, 'warning')).toBe('399 wa.meta.vc "No Approved Call Permission Found"');
  });

  it('expands compact names, unfolds folded lines, splits comma-joined and repeated headers', () => {
    const raw = [
      'BYE sip:a@b SIP/2.0',
      'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-a, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-b',
      'Via: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK-c',
      'i: abc',
      'f: <sip:x@y>;tag=1',
      't: <sip:y@z>',
      'CSeq: 5',
      '  BYE',
      'Subject: a,',
      '\tfolded',
      'l: 0',
      '',
      '',
    ].join(CRLF);
    const m = parseSipMessage(buf(raw))!;
    expect(callIdOf(m)).toBe('abc');
    expect(cseqOf(m)).toEqual({ seq: 5, method: 'BYE' });
    expect(headerValues(m, 'via')).toHaveLength(3);
    expect(topViaBranchOf(m)).toBe('z9hG4bK-a');
    expect(header(m, 'subject')).toBe('a, folded');
  });

  it('counts a UTF-8 display name in bytes, not characters', () => {
    const body = 'héllo';
    const raw = [
      'MESSAGE sip:a@b SIP/2.0',
      'From: "Zoë" <sip:z@x>;tag=1',
      'Call-ID: u',
      'CSeq: 1 MESSAGE',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join(CRLF);
    const m = parseSipMessage(buf(raw))!;
    expect(header(m, 'from')).toBe('"Zoë" <sip:z@x>;tag=1');
    expect(m.body.toString()).toBe(body);
  });

  it('refuses non-SIP and oversized header blocks', () => {
    expect(parseSipMessage(buf('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBeUndefined();
    expect(parseSipMessage(buf(`OPTIONS sip:a SIP/2.0\r\n${'X-A: b\r\n'.repeat(300)}\r\n`))).toBeUndefined();
    expect(parseSipMessage(Buffer.alloc(70_000, 'a'))).toBeUndefined();
  });

  it('never throws on random, truncated or oversized input', () => {
    const valid = buf(invite());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 4000 }).map((a) => Buffer.from(a)),
          fc.nat(valid.length).map((n) => valid.subarray(0, n)),
          fc.string().map((s) => buf(`INVITE sip:a SIP/2.0\r\n${s}`)),
        ),
        (bytes) => {
          parseSipMessage(bytes);
        },
      ),
    );
  });

  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((n) => n.length > 1);
  const value = fc.stringMatching(/^[A-Za-z0-9<>@:;=.+"/ _-]{0,60}$/).map((v) => v.trim());
  const messageArb: fc.Arbitrary<SipMessage> = fc
    .record({
      start: fc.oneof(
        fc.record({
          kind: fc.constant('request' as const),
          method: fc.constantFrom('INVITE', 'BYE', 'ACK', 'CANCEL', 'OPTIONS'),
          requestUri: fc.constantFrom('sip:+1555@wa.meta.vc', 'sip:a@b;transport=tls'),
        }),
        fc.record({
          kind: fc.constant('response' as const),
          status: fc.integer({ min: 100, max: 699 }),
          reason: fc.constantFrom('OK', 'Forbidden', 'User declined the call', 'Temporarily Unavailable'),
        }),
      ),
      headers: fc.array(fc.record({ name: token.map((n) => n.toLowerCase()).filter((n) => n !== 'content-length' && n.length > 1), value }), { maxLength: 12 }),
      body: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    })
    .map(({ start, headers, body }) => ({ ...start, headers: [...headers, { name: 'content-length', value: String(body.length) }], body }));

  it('round-trips random valid messages through serialize and parse', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(parseSipMessage(serializeSipMessage(m))).toEqual(m);
      }),
    );
  });

  describe('stream framer', () => {
    const a = buf(invite());
    const b = buf(response(200, 'OK', { body: 'v=0\r\n' }));
    const stream = Buffer.concat([a, buf('\r\n\r\n'), b, buf('\r\n')]);

    it('frames two messages split at every possible byte, skipping keep-alives', () => {
      for (let i = 0; i <= stream.length; i++) {
        const f = new SipStreamFramer();
        const out = [...f.push(stream.subarray(0, i)), ...f.push(stream.subarray(i))];
        expect(out.map((m) => m.toString())).toEqual([a.toString(), b.toString()]);
      }
    });

    it('frames three messages packed into one read', () => {
      const f = new SipStreamFramer();
      expect(f.push(Buffer.concat([a, b, a]))).toHaveLength(3);
    });

    it('stays bounded on a header block that never ends, then recovers at the next message', () => {
      const f = new SipStreamFramer({ maxBufferBytes: 4096 });
      for (let i = 0; i < 100; i++) {
        f.push(buf('X-Garbage: ' + 'z'.repeat(200) + '\r\n'));
        expect(f.bufferedBytes).toBeLessThanOrEqual(4096);
      }
      expect(f.overflowed).toBe(true);
      expect(f.push(Buffer.concat([buf('\r\n'), a])).map(String)).toEqual([a.toString()]);
    });

    it('drops a message whose Content-Length exceeds the bound, and frames the next one', () => {
      const f = new SipStreamFramer({ maxBufferBytes: 2048 });
      const huge = buf(request('MESSAGE').replace('Content-Length: 0', 'Content-Length: 5000') + 'x'.repeat(5000));
      expect(f.push(Buffer.concat([huge, b])).map(String)).toEqual([b.toString()]);
    });

    it('never throws, never exceeds its bound, and frames random valid messages in random chunkings', () => {
      fc.assert(
        fc.property(
          fc.array(messageArb, { minLength: 1, maxLength: 4 }),
          fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
          (msgs, cuts) => {
            const bytes = Buffer.concat(msgs.map(serializeSipMessage));
            const f = new SipStreamFramer();
            const out: Buffer[] = [];
            let pos = 0;
            for (let i = 0; pos < bytes.length; i++) {
              const n = cuts[i % cuts.length];
              out.push(...f.push(bytes.subarray(pos, pos + n)));
              pos += n;
              expect(f.bufferedBytes).toBeLessThanOrEqual(f.maxBufferBytes);
            }
            expect(out.map((m) => parseSipMessage(m))).toEqual(msgs);
          },
        ),
      );
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 20 }), (chunks) => {
          const f = new SipStreamFramer({ maxBufferBytes: 8192 });
          for (const c of chunks) {
            f.push(Buffer.from(c));
            expect(f.bufferedBytes).toBeLessThanOrEqual(8192);
          }
        }),
      );
    });
  });
});
