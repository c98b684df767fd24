import { describe, expect, it } from 'vitest';
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
  toTag,
  topViaBranch,
  toUser,
  uriUser,
} from '../src/sip/wire';

import { bytes, msg, WACID, SDP, metaInvite, challenge407, PERMISSION_TEXT, forbidden403, metaBye } from './sip/wire-fixtures';

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
      msg(
        [
          'NOTIFY sip:a@b SIP/2.0',
          'i: c1',
          'f: <sip:a@b>;tag=1',
          't: <sip:c@d>',
          'v: SIP/2.0/UDP h;branch=z9hG4bK1',
          'm: <sip:a@h>',
          'c: text/plain',
          'k: timer',
          'e: gzip',
          's: hi',
          'o: refer',
          'r: <sip:x@y>',
          'x: 1800',
          'L: 2',
        ],
        'ok',
      ),
    )!;
    expect(m.headers.map((h) => h.name)).toEqual([
      'call-id',
      'from',
      'to',
      'via',
      'contact',
      'content-type',
      'supported',
      'content-encoding',
      'subject',
      'event',
      'refer-to',
      'session-expires',
      'content-length',
    ]);
    expect(callId(m)).toBe('c1');
    expect(m.body.toString()).toBe('ok');
  });

  it('unfolds continuation lines (SP or HT) into one value joined by a single space', () => {
    const m = parseSipMessage(
      msg([
        'OPTIONS sip:a@b SIP/2.0',
        'Subject: first part,',
        '   second part',
        '\tthird',
        'Via: SIP/2.0/UDP h1;branch=z9hG4bKa,',
        ' SIP/2.0/UDP h2;branch=z9hG4bKb',
        'CSeq: 9',
        '  OPTIONS',
        'Content-Length: 0',
      ]),
    )!;
    expect(header(m, 'subject')).toBe('first part, second part third');
    expect(headerValues(m, 'via')).toEqual(['SIP/2.0/UDP h1;branch=z9hG4bKa', 'SIP/2.0/UDP h2;branch=z9hG4bKb']);
    expect(cseq(m)).toEqual({ seq: 9, method: 'OPTIONS' });
  });

  it('splits repeated and comma-joined Via in order; the top branch is the first element of the first line', () => {
    const m = parseSipMessage(
      msg([
        'SIP/2.0 180 Ringing',
        'Via: SIP/2.0/TLS p1.example;branch=z9hG4bKtop, SIP/2.0/TLS p2.example;branch=z9hG4bKtwo',
        'Via: SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKthree;received="x,y"',
        'Contact: "Doe, J" <sip:j@x;a=1,2>, <sip:k@y>',
        'Content-Length: 0',
      ]),
    )!;
    expect(headerValues(m, 'v')).toEqual([
      'SIP/2.0/TLS p1.example;branch=z9hG4bKtop',
      'SIP/2.0/TLS p2.example;branch=z9hG4bKtwo',
      'SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKthree;received="x,y"',
    ]);
    expect(header(m, 'via')).toBe('SIP/2.0/TLS p1.example;branch=z9hG4bKtop, SIP/2.0/TLS p2.example;branch=z9hG4bKtwo');
    expect(topViaBranch(m)).toBe('z9hG4bKtop');
    expect(headerValues(m, 'contact')).toEqual(['"Doe, J" <sip:j@x;a=1,2>', '<sip:k@y>']);
  });

  it('counts Content-Length in bytes: a UTF-8 display name and body, extra datagram bytes dropped', () => {
    const body = 'Olá, 日本 👋';
    const raw = Buffer.concat([
      msg(
        [
          'MESSAGE sip:+14085551234@wa.meta.vc SIP/2.0',
          'From: "Zoë Ågren" <sip:+15551441906@sip.example.com>;tag=ü1',
          'To: <sip:+14085551234@wa.meta.vc>',
          'Call-ID: utf8-1',
          'CSeq: 1 MESSAGE',
          'Content-Type: text/plain;charset=utf-8',
          `Content-Length: ${Buffer.byteLength(body)}`,
        ],
        body,
      ),
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
    for (const s of [
      '',
      '\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\n\r\n',
      'SIP/2.0 99 Too Low\r\n\r\n',
      'SIP/2.0 700 Too High\r\n\r\n',
      'INVITE sip:a@b SIP/3.0\r\n\r\n',
      'INVITE  SIP/2.0\r\n\r\n',
      'INVITE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n',
      'INVITE sip:a@b SIP/2.0\r\n folded-first: x\r\n\r\n',
      'INVITE sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n',
      'INVITE sip:a@b SIP/2.0\r\nContent-Length: ten\r\n\r\n',
    ]) {
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
    const added = serializeSipMessage({
      kind: 'request',
      method: 'BYE',
      requestUri: 'sip:a@b',
      headers: [{ name: 'subject', value: 'a\r\nInjected: 1' }],
      body: bytes('é'),
    });
    expect(added.toString()).toBe('BYE sip:a@b SIP/2.0\r\nsubject: a Injected: 1\r\ncontent-length: 2\r\n\r\né');
  });

  it('lists exactly the four credential headers as sensitive, in any spelling', () => {
    expect([...SENSITIVE_SIP_HEADERS].sort()).toEqual(['authorization', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate']);
    expect(['Authorization', 'PROXY-AUTHORIZATION', 'WWW-Authenticate', ' proxy-authenticate '].every(isSensitiveHeader)).toBe(true);
    expect(['via', 'x-wa-meta-wacid', 'content-type'].some(isSensitiveHeader)).toBe(false);
  });
});
