import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHep3 } from '../src/sip/hep';
import {
  callId,
  cseq,
  fromTag,
  fromUser,
  header,
  headerValues,
  isSensitiveHeader,
  MAX_HEADERS,
  parseSipMessage,
  requestUser,
  SENSITIVE_SIP_HEADERS,
  serializeSipMessage,
  SipStreamFramer,
  toTag,
  topViaBranch,
  toUser,
  uriUser,
} from '../src/sip/wire';
import type { SipMessage } from '../src/sip/wire';

const CRLF = '\r\n';
const bytes = (s: string) => Buffer.from(s, 'utf8');
const msg = (lines: string[], body = '') => bytes(lines.join(CRLF) + CRLF + CRLF + body);
/** Byte-exact text of a buffer (comparing strings is much faster than deep-equal on Buffers). */
const latin1 = (b: Buffer) => b.toString('latin1');

const WACID = 'wacid.HBgLMTQwODU1NTEyMzQVAgARGCA5RjE4QkQ3QUQ3';
const SDP = [
  'v=0',
  'o=- 1760681506 1760681506 IN IP4 157.240.0.10',
  's=-',
  'c=IN IP4 157.240.0.10',
  't=0 0',
  'm=audio 3480 UDP/TLS/RTP/SAVPF 111 126',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 useinbandfec=1',
  'a=rtpmap:126 telephone-event/8000',
  'a=ice-ufrag:Qx8r',
  'a=ice-pwd:SECRETSECRETSECRETSECRET',
  'a=fingerprint:sha-256 12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0',
  'a=setup:actpass',
  '',
].join(CRLF);

/** Meta calling the business (user-initiated), as sip-tooling.md / whatsapp-calling-api.md §5 describe it. */
const metaInvite = (callIdValue = `outgoing:${WACID}`) =>
  msg(
    [
      'INVITE sip:+15551441906;npdi@sip.example.com;transport=tls SIP/2.0',
      'Via: SIP/2.0/TLS 157.240.0.1:5061;branch=z9hG4bK-524287-1---3b1a5c;rport',
      'Record-Route: <sip:onevc-sip-proxy.fbinfra.net:8191;transport=tls;lr>, <sip:wa.meta.vc;transport=tls;lr>',
      'Max-Forwards: 69',
      'From: "14085551234" <sip:+14085551234@wa.meta.vc>;tag=7c3a1f',
      'To: <sip:+15551441906@sip.example.com>',
      `Call-ID: ${callIdValue}`,
      'CSeq: 1 INVITE',
      'Contact: <sip:+14085551234@157.240.0.1:5061;transport=tls;ob;X-FB-Sip-Smc-Tier=collaboration.sip_gateway.sip.prod>;isfocus',
      'User-Agent: Facebook SipGateway',
      'X-FB-External-Domain: wa.meta.vc',
      `x-wa-meta-wacid: ${WACID}`,
      'x-wa-meta-cta-payload: spring-sale',
      'x-wa-meta-user-id: US.13491208655302741918',
      'x-wa-meta-user-name: alice',
      'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(SDP)}`,
    ],
    SDP,
  );

const challenge407 = msg([
  'SIP/2.0 407 Proxy Authentication Required',
  'Via: SIP/2.0/TLS 10.0.0.5:40001;branch=z9hG4bKbiz1;rport=40001;received=203.0.113.9',
  'From: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1',
  'To: <sip:+14085551234@wa.meta.vc>;tag=meta407',
  'Call-ID: dc2c5b33-9f1e-4d3a-8f0e-2b9c6a1d7e44',
  'CSeq: 1 INVITE',
  'Proxy-Authenticate: Digest realm="wa.meta.vc",nonce="Y2FmZWJhYmU=",opaque="b3BhcXVl",algorithm=MD5,qop="auth"',
  'Content-Length: 0',
]);

const PERMISSION_TEXT = 'No Approved Call Permission Found: the user has not approved calls from this business';
const forbidden403 = msg([
  `SIP/2.0 403 ${PERMISSION_TEXT}`,
  'Via: SIP/2.0/TLS 10.0.0.5:40001;branch=z9hG4bKbiz2;rport=40001',
  'From: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1',
  'To: <sip:+14085551234@wa.meta.vc>;tag=meta403',
  'Call-ID: dc2c5b33-9f1e-4d3a-8f0e-2b9c6a1d7e44',
  'CSeq: 2 INVITE',
  `Warning: 399 wa.meta.vc "${PERMISSION_TEXT}, see docs"`,
  'Content-Length: 0',
]);

const metaBye = msg([
  'BYE sip:+15551441906@10.0.0.5:40001;transport=tls SIP/2.0',
  'Via: SIP/2.0/TLS 157.240.0.1:5061;branch=z9hG4bK-bye-77',
  'From: <sip:+14085551234@wa.meta.vc>;tag=meta200',
  'To: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1',
  'Call-ID: dc2c5b33-9f1e-4d3a-8f0e-2b9c6a1d7e44',
  'CSeq: 7 BYE',
  `x-wa-meta-wacid: ${WACID}`,
  'x-wa-meta-call-duration: 94',
  'Reason: Q.850;cause=16;text="NORMAL_CLEARING"',
  'Content-Length: 0',
]);

describe('SIP message parser', () => {
  it("reads Meta's INVITE: start line, x-wa-meta-* headers, derived fields and an SDP body of exactly Content-Length bytes", () => {
    const m = parseSipMessage(metaInvite())!;
    expect(m.kind).toBe('request');
    if (m.kind !== 'request') return;
    expect(m.method).toBe('INVITE');
    expect(m.requestUri).toBe('sip:+15551441906;npdi@sip.example.com;transport=tls');
    expect(requestUser(m)).toBe('+15551441906');
    expect(fromUser(m)).toBe('+14085551234');
    expect(toUser(m)).toBe('+15551441906');
    expect(callId(m)).toBe(`outgoing:${WACID}`);
    expect(cseq(m)).toEqual({ seq: 1, method: 'INVITE' });
    expect(topViaBranch(m)).toBe('z9hG4bK-524287-1---3b1a5c');
    expect(fromTag(m)).toBe('7c3a1f');
    expect(toTag(m)).toBeUndefined();
    expect(header(m, 'X-WA-META-WACID')).toBe(WACID);
    expect(header(m, 'x-wa-meta-cta-payload')).toBe('spring-sale');
    expect(header(m, 'x-wa-meta-user-id')).toBe('US.13491208655302741918');
    expect(header(m, 'user-agent')).toBe('Facebook SipGateway');
    expect(headerValues(m, 'record-route')).toEqual(['<sip:onevc-sip-proxy.fbinfra.net:8191;transport=tls;lr>', '<sip:wa.meta.vc;transport=tls;lr>']);
    expect(headerValues(m, 'allow')).toEqual(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS']);
    expect(m.headers.map((h) => h.name).slice(0, 4)).toEqual(['via', 'record-route', 'max-forwards', 'from']);
    expect(m.body.toString('utf8')).toBe(SDP);
  });

  it('reads a 407 challenge with its Proxy-Authenticate, which is flagged sensitive', () => {
    const m = parseSipMessage(challenge407)!;
    expect(m.kind === 'response' && [m.status, m.reason]).toEqual([407, 'Proxy Authentication Required']);
    expect(header(m, 'proxy-authenticate')).toBe('Digest realm="wa.meta.vc",nonce="Y2FmZWJhYmU=",opaque="b3BhcXVl",algorithm=MD5,qop="auth"');
    expect(toTag(m)).toBe('meta407');
    expect(cseq(m)).toEqual({ seq: 1, method: 'INVITE' });
    expect(m.body.length).toBe(0);
    expect(m.headers.filter((h) => isSensitiveHeader(h.name)).map((h) => h.name)).toEqual(['proxy-authenticate']);
  });

  it("keeps Meta's 403 reason phrase verbatim and its Warning: 399 text with the comma inside quotes", () => {
    const m = parseSipMessage(forbidden403)!;
    expect(m.kind === 'response' && [m.status, m.reason]).toEqual([403, PERMISSION_TEXT]);
    expect(headerValues(m, 'warning')).toEqual([`399 wa.meta.vc "${PERMISSION_TEXT}, see docs"`]);
  });

  it("reads Meta's BYE with x-wa-meta-call-duration and x-wa-meta-wacid", () => {
    const m = parseSipMessage(metaBye)!;
    expect(m.kind === 'request' && m.method).toBe('BYE');
    expect(header(m, 'x-wa-meta-call-duration')).toBe('94');
    expect(header(m, 'x-wa-meta-wacid')).toBe(WACID);
    expect(header(m, 'reason')).toBe('Q.850;cause=16;text="NORMAL_CLEARING"');
    expect([fromTag(m), toTag(m)]).toEqual(['meta200', 'biz1']);
  });

  it('expands every compact header name to its long form', () => {
    const m = parseSipMessage(
      msg(['NOTIFY sip:a@b SIP/2.0', 'i: c1', 'f: <sip:a@b>;tag=1', 't: <sip:c@d>', 'v: SIP/2.0/UDP h;branch=z9hG4bK1', 'm: <sip:a@h>', 'c: text/plain', 'k: timer', 'e: gzip', 's: hi', 'o: refer', 'r: <sip:x@y>', 'x: 1800', 'L: 2'], 'ok'),
    )!;
    expect(m.headers.map((h) => h.name)).toEqual(['call-id', 'from', 'to', 'via', 'contact', 'content-type', 'supported', 'content-encoding', 'subject', 'event', 'refer-to', 'session-expires', 'content-length']);
    expect(callId(m)).toBe('c1');
    expect(m.body.toString()).toBe('ok');
  });

  it('unfolds continuation lines (SP or HT) into one value joined by a single space', () => {
    const m = parseSipMessage(msg(['OPTIONS sip:a@b SIP/2.0', 'Subject: first part,', '   second part', '\tthird', 'Via: SIP/2.0/UDP h1;branch=z9hG4bKa,', ' SIP/2.0/UDP h2;branch=z9hG4bKb', 'CSeq: 9', '  OPTIONS', 'Content-Length: 0']))!;
    expect(header(m, 'subject')).toBe('first part, second part third');
    expect(headerValues(m, 'via')).toEqual(['SIP/2.0/UDP h1;branch=z9hG4bKa', 'SIP/2.0/UDP h2;branch=z9hG4bKb']);
    expect(cseq(m)).toEqual({ seq: 9, method: 'OPTIONS' });
  });

  it('splits repeated and comma-joined Via in order; the top branch is the first element of the first line', () => {
    const m = parseSipMessage(
      msg(['SIP/2.0 180 Ringing', 'Via: SIP/2.0/TLS p1.example;branch=z9hG4bKtop, SIP/2.0/TLS p2.example;branch=z9hG4bKtwo', 'Via: SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKthree;received="x,y"', 'Contact: "Doe, J" <sip:j@x;a=1,2>, <sip:k@y>', 'Content-Length: 0']),
    )!;
    expect(headerValues(m, 'v')).toEqual(['SIP/2.0/TLS p1.example;branch=z9hG4bKtop', 'SIP/2.0/TLS p2.example;branch=z9hG4bKtwo', 'SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKthree;received="x,y"']);
    expect(header(m, 'via')).toBe('SIP/2.0/TLS p1.example;branch=z9hG4bKtop, SIP/2.0/TLS p2.example;branch=z9hG4bKtwo');
    expect(topViaBranch(m)).toBe('z9hG4bKtop');
    expect(headerValues(m, 'contact')).toEqual(['"Doe, J" <sip:j@x;a=1,2>', '<sip:k@y>']);
  });

  it('counts Content-Length in bytes: a UTF-8 display name and body, extra datagram bytes dropped', () => {
    const body = 'Olá, 日本 👋';
    const raw = Buffer.concat([
      msg(['MESSAGE sip:+14085551234@wa.meta.vc SIP/2.0', 'From: "Zoë Ågren" <sip:+15551441906@sip.example.com>;tag=ü1', 'To: <sip:+14085551234@wa.meta.vc>', 'Call-ID: utf8-1', 'CSeq: 1 MESSAGE', 'Content-Type: text/plain;charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`], body),
      bytes('TRAILING GARBAGE'),
    ]);
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    const m = parseSipMessage(raw)!;
    expect(header(m, 'from')).toBe('"Zoë Ågren" <sip:+15551441906@sip.example.com>;tag=ü1');
    expect(fromTag(m)).toBe('ü1');
    expect(m.body.toString('utf8')).toBe(body);
  });

  it('keeps a UTF-8 character whose last byte is 0xA0 at the end of a value (no latin1 trimming)', () => {
    const m = parseSipMessage(msg(['SIP/2.0 486 Ocupadà', 'Subject: voilà', 'Content-Length: 0']))!;
    expect(m.kind === 'response' && m.reason).toBe('Ocupadà');
    expect(header(m, 'subject')).toBe('voilà');
  });

  it('takes the rest of a datagram as the body when Content-Length is absent, and keeps a body cut short', () => {
    const noLength = parseSipMessage(bytes('MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nhello'))!;
    expect(noLength.body.toString()).toBe('hello');
    const headersOnly = parseSipMessage(bytes('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: y\r\n'))!;
    expect([callId(headersOnly), headersOnly.body.length]).toEqual(['y', 0]);
    const cut = parseSipMessage(bytes('SIP/2.0 200 OK\r\nCall-ID: z\r\nContent-Length: 100\r\n\r\nv=0\r\n'))!;
    expect(cut.kind === 'response' && cut.status).toBe(200);
    expect(cut.body.toString()).toBe('v=0\r\n');
  });

  it('ignores CRLFs before the start line and tolerates bare-LF line endings', () => {
    const m = parseSipMessage(bytes('\r\n\r\nINVITE sip:a@b SIP/2.0\nCall-ID: lf\nContent-Length: 2\n\nhi'))!;
    expect([m.kind === 'request' && m.method, callId(m), m.body.toString()]).toEqual(['INVITE', 'lf', 'hi']);
  });

  it('returns undefined for anything that is not SIP', () => {
    for (const s of ['', '\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n', 'SIP/2.0 99 Too Low\r\n\r\n', 'SIP/2.0 700 Too High\r\n\r\n', 'INVITE sip:a@b SIP/3.0\r\n\r\n', 'INVITE  SIP/2.0\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\n folded-first: x\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n', 'INVITE sip:a@b SIP/2.0\r\nContent-Length: ten\r\n\r\n']) {
      expect(parseSipMessage(bytes(s)), JSON.stringify(s)).toBeUndefined();
    }
    expect(parseSipMessage('INVITE sip:a@b SIP/2.0\r\n\r\n' as unknown as Buffer)).toBeUndefined();
  });

  it(`refuses more than ${MAX_HEADERS} headers and header blocks over 64 KiB, accepts the limits`, () => {
    const withHeaders = (n: number) => bytes(`OPTIONS sip:a@b SIP/2.0\r\n${'X-A: b\r\n'.repeat(n)}\r\n`);
    expect(parseSipMessage(withHeaders(MAX_HEADERS))?.headers).toHaveLength(MAX_HEADERS);
    expect(parseSipMessage(withHeaders(MAX_HEADERS + 1))).toBeUndefined();
    const start = 'OPTIONS sip:a@b SIP/2.0\r\nX-Pad: ';
    const pad = (n: number) => bytes(start + 'p'.repeat(n - start.length) + '\r\n\r\n');
    expect(parseSipMessage(pad(64 * 1024))).toBeDefined();
    expect(parseSipMessage(pad(64 * 1024 + 1))).toBeUndefined();
    expect(parseSipMessage(Buffer.alloc(200_000, 'a'))).toBeUndefined();
  });

  it('extracts URI user parts from SIP, SIPS and tel URIs (user params, password and escapes dropped)', () => {
    expect(uriUser('sip:+14085551234@wa.meta.vc;transport=tls')).toBe('+14085551234');
    expect(uriUser('"Bob <x>" <sips:%2B1408@wa.meta.vc>;tag=1')).toBe('+1408');
    expect(uriUser('<sip:alice:secret@example.com>')).toBe('alice');
    expect(uriUser('tel:+14085551234;phone-context=example.com')).toBe('+14085551234');
    expect(uriUser('sip:US.13491208655302741918@wa.meta.vc')).toBe('US.13491208655302741918');
    expect(uriUser('sip:wa.meta.vc;transport=tls')).toBeUndefined();
    expect(uriUser('mailto:a@b')).toBeUndefined();
  });

  it('serializes in canonical form: lower-case long names, Content-Length equal to the body bytes', () => {
    const m = parseSipMessage(bytes('SIP/2.0 200 OK\r\ni: a\r\nl: 1\r\nv: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\nxyz'))!;
    expect(serializeSipMessage(m).toString()).toBe('SIP/2.0 200 OK\r\ncall-id: a\r\ncontent-length: 1\r\nvia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\nx');
    const added = serializeSipMessage({ kind: 'request', method: 'BYE', requestUri: 'sip:a@b', headers: [{ name: 'subject', value: 'a\r\nInjected: 1' }], body: bytes('é') });
    expect(added.toString()).toBe('BYE sip:a@b SIP/2.0\r\nsubject: a Injected: 1\r\ncontent-length: 2\r\n\r\né');
  });

  it('lists exactly the four credential headers as sensitive, in any spelling', () => {
    expect([...SENSITIVE_SIP_HEADERS].sort()).toEqual(['authorization', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate']);
    expect(['Authorization', 'PROXY-AUTHORIZATION', 'WWW-Authenticate', ' proxy-authenticate '].every(isSensitiveHeader)).toBe(true);
    expect(['via', 'x-wa-meta-wacid', 'content-type'].some(isSensitiveHeader)).toBe(false);
  });
});

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
const uriArb = fc.tuple(fc.stringMatching(/^\+?[a-zA-Z0-9.]{1,15}$/), fc.constantFrom('wa.meta.vc', 'sip.example.com', '10.0.0.5:5061'), fc.constantFrom('', ';transport=tls', ';lr;ob')).map(([u, h, p]) => `sip:${u}@${h}${p}`);
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
    return { ...start, headers: all, body } as SipMessage;
  });

const randomBytes = fc.uint8Array({ maxLength: 3000 }).map((u) => Buffer.from(u));
const nastyBytes = fc.oneof(
  randomBytes,
  messageArb.chain((m) => {
    const s = serializeSipMessage(m);
    return fc.nat(s.length).map((n) => s.subarray(0, n)); // truncated
  }),
  fc.tuple(fc.constantFrom('INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n', 'HEP3'), fc.string({ maxLength: 500 })).map(([p, s]) => bytes(p + s)),
  fc.constantFrom(Buffer.alloc(70_000, 'a'), bytes(`SIP/2.0 200 OK\r\n${'X: y\r\n'.repeat(20_000)}\r\n`), bytes('SIP/2.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n')),
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
