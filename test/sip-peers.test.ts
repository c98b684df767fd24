/**
 * The SIP test peers work end to end over real sockets, with no instrumentation loaded: Kamailio plays
 * Meta's TLS edge (wa.meta.vc certificate, 407 digest, Meta's rejection texts, HEPv3 copies), sipp plays
 * Meta's far side (answers, hangs up, rings, takes CANCEL, rejects) and Meta calling a business.
 * The business side is written here with node:tls / node:net and string building, like user code.
 * Missing tools fail these tests (never skip them): .ci/run installs them.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, META_REJECTIONS, SIP_PASSWORD, startKamailio } from './sip-peers/kamailio';
import type { Kamailio, KamailioOptions } from './sip-peers/kamailio';
import { boundSockets, freeTcpPort, INSTALL_HINT } from './sip-peers/processes';
import { META_WACID, metaInviteArgs, startSipp } from './sip-peers/sipp';
import type { Sipp } from './sip-peers/sipp';

const CRLF = '\r\n';
const BUSINESS = '15551441906'; // the business's number (digest username), E.164 digits
const WA_USER = '14085551234'; // the WhatsApp user
const WAIT_MS = 10_000; // bound on every wait for a peer
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const rand = () => randomBytes(6).toString('hex');

// ---------------------------------------------------------------------------------------------------
// Peers started by this file; every one is stopped in afterAll (and most as soon as their test ends).
const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  const errors: unknown[] = [];
  for (const p of running.reverse()) await p.stop().catch((e: unknown) => errors.push(e));
  if (errors.length) throw errors[0];
});

async function uas(scenarioName: string): Promise<Sipp> {
  const s = await startSipp({ scenario: scenarioName, mode: 'uas', transport: 'u1', calls: 1, timeoutSec: 60 });
  running.push(s);
  return s;
}
async function kamailio(opts: KamailioOptions): Promise<Kamailio> {
  const k = await startKamailio(opts);
  running.push(k);
  return k;
}

/** Bounded wait: rejects after ms with what was awaited. */
function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function sippPassed(sipp: Sipp): Promise<void> {
  const exit = await within(sipp.done, 'sipp exit');
  expect(exit.code, `sipp failed:\n${exit.stdout.slice(-3000)}\n${exit.stderr}`).toBe(0);
}

// ---------------------------------------------------------------------------------------------------
// A tiny SIP stack over a stream socket: framing by Content-Length (bytes), parsing, bounded waits.
interface Msg {
  start: string;
  method?: string;
  code?: number;
  reason?: string;
  headers: Map<string, string[]>;
  body: string;
  raw: string;
}
const h = (m: Msg, name: string) => m.headers.get(name.toLowerCase())?.[0] ?? '';
const all = (m: Msg, name: string) => (m.headers.get(name.toLowerCase()) ?? []).flatMap((v) => v.split(/,(?=\s*<)/).map((s) => s.trim()));
const cseqOf = (m: Msg) => {
  const [n, method] = h(m, 'cseq').split(/\s+/);
  return { n: Number(n), method };
};
const tagOf = (header: string) => /;tag=([^;>\s]+)/.exec(header)?.[1];
const uriOf = (header: string) => /<([^>]+)>/.exec(header)?.[1] ?? header.split(';')[0];

function parse(raw: Buffer): Msg {
  const text = raw.toString('utf8');
  const end = text.indexOf(CRLF + CRLF);
  const [start, ...lines] = text.slice(0, end).split(CRLF);
  const headers = new Map<string, string[]>();
  for (const l of lines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    headers.set(k, [...(headers.get(k) ?? []), l.slice(i + 1).trim()]);
  }
  const m: Msg = { start, headers, body: text.slice(end + 4), raw: text };
  if (start.startsWith('SIP/2.0 ')) {
    m.code = Number(start.split(' ')[1]);
    m.reason = start.split(' ').slice(2).join(' ');
  } else m.method = start.split(' ')[0];
  return m;
}

class SipStream {
  readonly received: Msg[] = [];
  private unread: Msg[] = [];
  private wake?: () => void;
  private buf = Buffer.alloc(0);

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      for (;;) {
        while (this.buf.length >= 2 && this.buf[0] === 13 && this.buf[1] === 10) this.buf = this.buf.subarray(2); // keep-alives
        const end = this.buf.indexOf('\r\n\r\n');
        if (end === -1) break;
        const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(this.buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (this.buf.length < end + 4 + len) break;
        const m = parse(this.buf.subarray(0, end + 4 + len));
        this.buf = this.buf.subarray(end + 4 + len);
        this.received.push(m);
        this.unread.push(m);
      }
      this.wake?.();
    });
    socket.on('error', () => this.wake?.());
  }

  get local() {
    return `${this.socket.localAddress}:${this.socket.localPort}`;
  }

  send(lines: string[], body = ''): void {
    this.socket.write([...lines, `Content-Length: ${Buffer.byteLength(body)}`].join(CRLF) + CRLF + CRLF + body);
  }

  /** The first unread message matching pred (bounded wait). */
  async next(pred: (m: Msg) => boolean, what: string, ms = WAIT_MS): Promise<Msg> {
    const until = Date.now() + ms;
    for (;;) {
      const i = this.unread.findIndex(pred);
      if (i !== -1) return this.unread.splice(i, 1)[0];
      const left = until - Date.now();
      if (left <= 0 || this.socket.destroyed) {
        throw new Error(`no ${what} within ${ms} ms; received:\n${this.received.map((m) => m.start).join('\n')}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  /** Answers a request with the given status, copying Via/From/To/Call-ID/CSeq (+ Record-Route). */
  respond(rq: Msg, code: number, reason: string, extra: string[] = [], body = ''): void {
    const to = h(rq, 'to');
    this.send(
      [
        `SIP/2.0 ${code} ${reason}`,
        ...all(rq, 'via').map((v) => `Via: ${v}`),
        ...(code > 100 && code < 300 && rq.method === 'INVITE' ? all(rq, 'record-route').map((r) => `Record-Route: ${r}`) : []),
        `From: ${h(rq, 'from')}`,
        `To: ${tagOf(to) || code === 100 ? to : `${to};tag=biz${rand()}`}`,
        `Call-ID: ${h(rq, 'call-id')}`,
        `CSeq: ${h(rq, 'cseq')}`,
        ...extra,
      ],
      body,
    );
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

async function connectTls(port: number, ca: string): Promise<SipStream> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'wa.meta.vc', ca });
  await within(new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject)), 'TLS handshake');
  return new SipStream(socket);
}

/** Digest answer for a Proxy-/WWW-Authenticate challenge (RFC 2617 MD5, qop=auth when offered). */
function digest(challenge: string, o: { method: string; uri: string; username: string; password: string }): string {
  const p = (k: string) => new RegExp(`(?:^|[\\s,])${k}="?([^",]+)"?`, 'i').exec(challenge)?.[1] ?? '';
  const ha1 = md5(`${o.username}:${p('realm')}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const qop = /qop="?[^"]*auth/.test(challenge);
  const cnonce = rand();
  const response = qop ? md5(`${ha1}:${p('nonce')}:00000001:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${p('nonce')}:${ha2}`);
  return (
    `Digest username="${o.username}", realm="${p('realm')}", nonce="${p('nonce')}", uri="${o.uri}", response="${response}", algorithm=MD5` +
    (qop ? `, qop=auth, nc=00000001, cnonce="${cnonce}"` : '') +
    (p('opaque') ? `, opaque="${p('opaque')}"` : '')
  );
}

/** Checks a digest answer the way a registrar does (for the business side, challenging Meta). */
function digestValid(auth: string, o: { method: string; password: string }): boolean {
  const p = (k: string) => new RegExp(`(?:^|[\\s,])${k}="?([^",]+)"?`, 'i').exec(auth)?.[1] ?? '';
  const ha1 = md5(`${p('username')}:${p('realm')}:${o.password}`);
  const ha2 = md5(`${o.method}:${p('uri')}`);
  const expected = p('qop') ? md5(`${ha1}:${p('nonce')}:${p('nc')}:${p('cnonce')}:${p('qop')}:${ha2}`) : md5(`${ha1}:${p('nonce')}:${ha2}`);
  return p('response') === expected;
}

const SDP_OFFER = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/SAVP 111', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:APPSECRETAPPSECRETAPPSECRETAPPSECRETAPPS', 'a=rtpmap:111 opus/48000/2', ''].join(CRLF);

/** The business calling a WhatsApp user through "wa.meta.vc" (Kamailio's TLS port). */
class BusinessCall {
  readonly callId = `biz-${rand()}`;
  readonly fromTag = rand();
  readonly uri: string;
  cseq = 1;
  branch = `z9hG4bK-${rand()}`;
  responses: Msg[] = [];
  final?: Msg;

  constructor(readonly sip: SipStream, to: string) {
    this.uri = `sip:+${to}@wa.meta.vc;transport=tls`;
  }

  private get from() {
    return `"Acme" <sip:+${BUSINESS}@sip.example.com>;tag=${this.fromTag}`;
  }

  private inviteLines(auth?: string): string[] {
    return [
      `INVITE ${this.uri} SIP/2.0`,
      `Via: SIP/2.0/TLS ${this.sip.local};branch=${this.branch};rport`,
      'Max-Forwards: 70',
      `From: ${this.from}`,
      `To: <${this.uri.split(';')[0]}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} INVITE`,
      // The TLS connection's own address: Kamailio sends Meta's in-dialog requests back over it.
      `Contact: <sip:+${BUSINESS}@${this.sip.local};transport=tls>`,
      ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
      'User-Agent: acme-pbx/1.0',
      'Content-Type: application/sdp',
    ];
  }

  private async finalResponse(): Promise<Msg> {
    const cseq = this.cseq;
    const m = await this.sip.next((r) => r.code !== undefined && r.code >= 200 && h(r, 'call-id') === this.callId && cseqOf(r).n === cseq && cseqOf(r).method === 'INVITE', `final response to INVITE ${cseq}`);
    this.responses.push(m);
    return m;
  }

  /** ACK for a non-2xx final: same branch as the INVITE, hop by hop. */
  private ackFailure(res: Msg): void {
    this.sip.send([`ACK ${this.uri} SIP/2.0`, `Via: SIP/2.0/TLS ${this.sip.local};branch=${this.branch};rport`, 'Max-Forwards: 70', `From: ${this.from}`, `To: ${h(res, 'to')}`, `Call-ID: ${this.callId}`, `CSeq: ${this.cseq} ACK`]);
  }

  /** INVITE → 407 → ACK → INVITE with Proxy-Authorization → final (a non-2xx final is ACKed). */
  async invite(password = SIP_PASSWORD, opts: { waitFinal?: boolean } = {}): Promise<Msg | undefined> {
    this.sip.send(this.inviteLines(), SDP_OFFER);
    let res = await this.finalResponse();
    if (res.code === 407) {
      this.ackFailure(res);
      const auth = digest(h(res, 'proxy-authenticate'), { method: 'INVITE', uri: this.uri, username: BUSINESS, password });
      this.cseq += 1;
      this.branch = `z9hG4bK-${rand()}`;
      this.sip.send(this.inviteLines(auth), SDP_OFFER);
      if (opts.waitFinal === false) return undefined;
      res = await this.finalResponse();
    }
    this.final = res;
    if (res.code! >= 300) this.ackFailure(res);
    return res;
  }

  private dialogLines(method: string, cseq: number): string[] {
    const ok = this.final!;
    const routes = all(ok, 'record-route').reverse();
    return [
      `${method} ${uriOf(h(ok, 'contact'))} SIP/2.0`,
      `Via: SIP/2.0/TLS ${this.sip.local};branch=z9hG4bK-${rand()};rport`,
      ...routes.map((r) => `Route: ${r}`),
      'Max-Forwards: 70',
      `From: ${this.from}`,
      `To: ${h(ok, 'to')}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
    ];
  }

  ack(): void {
    this.sip.send(this.dialogLines('ACK', this.cseq));
  }

  async bye(): Promise<Msg> {
    this.sip.send(this.dialogLines('BYE', this.cseq + 1));
    return this.sip.next((r) => r.code !== undefined && h(r, 'call-id') === this.callId && h(r, 'cseq') === `${this.cseq + 1} BYE` && r.code >= 200, '200 for BYE');
  }

  /** CANCEL the pending INVITE (same Via branch, same CSeq number). */
  cancel(): void {
    this.sip.send([`CANCEL ${this.uri} SIP/2.0`, `Via: SIP/2.0/TLS ${this.sip.local};branch=${this.branch};rport`, 'Max-Forwards: 70', `From: ${this.from}`, `To: <${this.uri.split(';')[0]}>`, `Call-ID: ${this.callId}`, `CSeq: ${this.cseq} CANCEL`]);
  }

  async provisional(code: number): Promise<Msg> {
    return this.sip.next((r) => r.code === code && h(r, 'call-id') === this.callId && cseqOf(r).n === this.cseq, `${code} provisional`);
  }

  async receiveBye(): Promise<Msg> {
    const bye = await this.sip.next((m) => m.method === 'BYE' && h(m, 'call-id') === this.callId, "Meta's BYE");
    this.sip.respond(bye, 200, 'OK');
    return bye;
  }
}

// ---------------------------------------------------------------------------------------------------
describe('tools the peers need', () => {
  it.each([
    ['kamailio', '-v'],
    ['sipp', '-v'],
    ['openssl', 'version'],
  ])('%s is installed', (tool, arg) => {
    const r = spawnSync(tool, [arg], { stdio: 'ignore', timeout: 10_000 });
    expect(r.error, `${tool} is missing: ${INSTALL_HINT}`).toBeUndefined();
  });
});

describe('Kamailio as wa.meta.vc, sipp as Meta (business-initiated calls over TLS)', () => {
  it('serves a wa.meta.vc / 127.0.0.1 certificate and binds nothing but 127.0.0.1', async () => {
    const sipp = await uas('uas-answer.xml');
    const k = await kamailio({ sippPort: sipp.port });
    for (const opts of [{ servername: 'wa.meta.vc' }, {}]) {
      const s = tls.connect({ host: '127.0.0.1', port: k.tlsPort, ca: k.ca, ...opts });
      await within(new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject)), 'TLS handshake');
      expect(s.authorized).toBe(true);
      expect(s.getPeerCertificate().subjectaltname).toMatch(/DNS:wa\.meta\.vc.*IP Address:127\.0\.0\.1/);
      s.destroy();
    }
    for (const pgid of [k.pid, sipp.pid]) {
      const bound = boundSockets(pgid);
      expect(bound.length).toBeGreaterThan(0);
      expect(bound.filter((b) => !b.address.startsWith('127.0.0.1:'))).toEqual([]);
    }
    expect(boundSockets(k.pid)).toEqual(expect.arrayContaining([{ proto: 'tcp', address: `127.0.0.1:${k.tlsPort}` }, { proto: 'udp', address: `127.0.0.1:${k.udpPort}` }]));
    await k.stop();
    await sipp.stop();
  });

  it("INVITE → 407 → INVITE with digest → 200 from sipp → ACK → Meta's BYE over the same TLS connection → 200", async () => {
    const sipp = await uas('uas-answer.xml');
    const k = await kamailio({ sippPort: sipp.port });
    const sip = await connectTls(k.tlsPort, k.ca);
    try {
      const call = new BusinessCall(sip, WA_USER);
      const ok = await call.invite();
      const challenge = call.responses[0];
      expect(challenge.code).toBe(407);
      expect(h(challenge, 'proxy-authenticate')).toMatch(/^Digest realm="wa\.meta\.vc", nonce="[^"]+", qop="auth"/);
      expect(ok!.code).toBe(200);
      expect(h(ok!, 'content-type')).toBe('application/sdp');
      expect(ok!.body).toMatch(/^v=0\r\n[\s\S]*m=audio \d+ RTP\/SAVP/);
      expect(h(ok!, 'x-wa-meta-user-id')).toBe('US.13491208655302741918');
      expect(h(ok!, 'user-agent')).toBe('Facebook SipGateway');
      expect(h(ok!, 'contact')).toMatch(/;isfocus$/);
      expect(all(ok!, 'record-route').length).toBe(2); // Kamailio's double record-route (TLS ↔ UDP)
      call.ack();
      const bye = await call.receiveBye();
      expect(bye.start).toBe(`BYE sip:+${BUSINESS}@${sip.local};transport=tls SIP/2.0`);
      expect(h(bye, 'x-wa-meta-wacid')).toBe(META_WACID);
      expect(h(bye, 'x-wa-meta-call-duration')).toBe('7');
      expect(h(bye, 'call-id')).toBe(call.callId);
      expect(tagOf(h(bye, 'to'))).toBe(call.fromTag);
      expect(tagOf(h(bye, 'from'))).toBe(tagOf(h(ok!, 'to')));
      await sippPassed(sipp);
    } finally {
      sip.close();
      await k.stop();
      await sipp.stop();
    }
  });

  it('the business hangs up: sipp answers its BYE with 200 (uas-answer-then-receive-bye)', async () => {
    const sipp = await uas('uas-answer-then-receive-bye.xml');
    const k = await kamailio({ sippPort: sipp.port });
    const sip = await connectTls(k.tlsPort, k.ca);
    try {
      const call = new BusinessCall(sip, WA_USER);
      expect((await call.invite())!.code).toBe(200);
      call.ack();
      const res = await call.bye();
      expect(res.code).toBe(200);
      await sippPassed(sipp);
    } finally {
      sip.close();
      await k.stop();
      await sipp.stop();
    }
  });

  it('the business cancels while Meta rings: 180, CANCEL → 200, INVITE → 487 (uas-ring-then-cancel)', async () => {
    const sipp = await uas('uas-ring-then-cancel.xml');
    const k = await kamailio({ sippPort: sipp.port });
    const sip = await connectTls(k.tlsPort, k.ca);
    try {
      const call = new BusinessCall(sip, WA_USER);
      await call.invite(SIP_PASSWORD, { waitFinal: false });
      await call.provisional(180);
      call.cancel();
      const cancelled = await sip.next((r) => r.code !== undefined && h(r, 'cseq') === `${call.cseq} CANCEL`, '200 for CANCEL');
      expect(cancelled.code).toBe(200);
      const terminated = await sip.next((r) => r.code !== undefined && r.code >= 200 && h(r, 'cseq') === `${call.cseq} INVITE`, '487 for INVITE');
      expect(terminated.start).toBe('SIP/2.0 487 Request Terminated');
      sip.send([`ACK ${call.uri} SIP/2.0`, `Via: SIP/2.0/TLS ${sip.local};branch=${call.branch};rport`, 'Max-Forwards: 70', `From: "Acme" <sip:+${BUSINESS}@sip.example.com>;tag=${call.fromTag}`, `To: ${h(terminated, 'to')}`, `Call-ID: ${call.callId}`, `CSeq: ${call.cseq} ACK`]);
      await sippPassed(sipp);
    } finally {
      sip.close();
      await k.stop();
      await sipp.stop();
    }
  });

  it.each([
    ['480', 'Temporarily Unavailable', 'uas-reject-480.xml'],
    ['486', 'User declined the call', 'uas-reject-486.xml'],
    ['408', 'RTP Timeout', 'uas-reject-408.xml'],
  ])('Meta rings, then answers %s %s (%s)', async (code, reason, scenarioFile) => {
    const sipp = await uas(scenarioFile);
    const k = await kamailio({ sippPort: sipp.port });
    const sip = await connectTls(k.tlsPort, k.ca);
    try {
      const call = new BusinessCall(sip, WA_USER);
      await call.invite(SIP_PASSWORD, { waitFinal: false });
      await call.provisional(180);
      const res = await sip.next((r) => r.code !== undefined && r.code >= 200 && h(r, 'cseq') === `${call.cseq} INVITE`, 'final response');
      expect(res.start).toBe(`SIP/2.0 ${code} ${reason}`);
      sip.send([`ACK ${call.uri} SIP/2.0`, `Via: SIP/2.0/TLS ${sip.local};branch=${call.branch};rport`, 'Max-Forwards: 70', `From: "Acme" <sip:+${BUSINESS}@sip.example.com>;tag=${call.fromTag}`, `To: ${h(res, 'to')}`, `Call-ID: ${call.callId}`, `CSeq: ${call.cseq} ACK`]);
      await sippPassed(sipp);
    } finally {
      sip.close();
      await k.stop();
      await sipp.stop();
    }
  });
});

describe("Kamailio's own answers (Meta's rejection texts, digest failures)", () => {
  let sip: SipStream;
  beforeAll(async () => {
    // No call reaches a UAS here; the sippPort only has to be a port.
    const k = await kamailio({ sippPort: await freeTcpPort() });
    sip = await connectTls(k.tlsPort, k.ca);
    running.push({ stop: async () => sip.close() });
  });

  it.each(Object.entries(META_REJECTIONS))('sip:+%s@wa.meta.vc gets Meta’s answer after the digest round', async (user, r) => {
    const call = new BusinessCall(sip, user);
    const res = await call.invite();
    expect(call.responses.map((m) => m.code)).toEqual([407, r.code]);
    expect(res!.start).toBe(`SIP/2.0 ${r.code} ${r.reason}`);
    expect(h(res!, 'warning')).toBe(r.warning ? `399 wa.meta.vc "${r.reason}"` : '');
  });

  it('a wrong password gets a second 407', async () => {
    const call = new BusinessCall(sip, WA_USER);
    await call.invite('wrong-password');
    expect(call.responses.map((m) => m.code)).toEqual([407, 407]);
  });

  it('an IP address in the request URI gets 404, REGISTER gets 403', async () => {
    const callId = `biz-${rand()}`;
    sip.send([`INVITE sip:+${WA_USER}@127.0.0.1;transport=tls SIP/2.0`, `Via: SIP/2.0/TLS ${sip.local};branch=z9hG4bK-${rand()};rport`, 'Max-Forwards: 70', `From: <sip:+${BUSINESS}@sip.example.com>;tag=${rand()}`, `To: <sip:+${WA_USER}@127.0.0.1>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:+${BUSINESS}@${sip.local};transport=tls>`]);
    const notFound = await sip.next((m) => h(m, 'call-id') === callId && (m.code ?? 0) >= 200, '404');
    expect(notFound.code).toBe(404);
    sip.send([`REGISTER sip:wa.meta.vc SIP/2.0`, `Via: SIP/2.0/TLS ${sip.local};branch=z9hG4bK-${rand()};rport`, 'Max-Forwards: 70', `From: <sip:+${BUSINESS}@wa.meta.vc>;tag=${rand()}`, `To: <sip:+${BUSINESS}@wa.meta.vc>`, `Call-ID: reg-${callId}`, 'CSeq: 1 REGISTER', `Contact: <sip:+${BUSINESS}@${sip.local};transport=tls>`]);
    const forbidden = await sip.next((m) => h(m, 'call-id') === `reg-${callId}`, '403');
    expect(forbidden.code).toBe(403);
  });
});

describe('HEPv3 copies from Kamailio (trace on)', () => {
  it('a UDP collector on 127.0.0.1 receives HEP3 packets carrying the INVITE', async () => {
    const packets: Buffer[] = [];
    const collector = dgram.createSocket('udp4');
    collector.on('message', (b) => packets.push(b));
    await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r));
    running.push({ stop: async () => new Promise<void>((r) => collector.close(() => r())) });
    const sipp = await uas('uas-answer.xml');
    const k = await kamailio({ sippPort: sipp.port, hepPort: collector.address().port, trace: true });
    const sip = await connectTls(k.tlsPort, k.ca);
    try {
      const call = new BusinessCall(sip, WA_USER);
      expect((await call.invite())!.code).toBe(200);
      call.ack();
      await call.receiveBye();
      await sippPassed(sipp);
      // HEPv3: "HEP3", u16 total length, then chunks (u16 vendor, u16 type, u16 length incl. header, data).
      const payloads = () =>
        packets.flatMap((p) => {
          if (p.subarray(0, 4).toString('latin1') !== 'HEP3' || p.readUInt16BE(4) !== p.length) return [];
          const out: string[] = [];
          for (let o = 6; o + 6 <= p.length; ) {
            const [type, len] = [p.readUInt16BE(o + 2), p.readUInt16BE(o + 4)];
            if (len < 6 || o + len > p.length) break;
            if (type === 15) out.push(p.subarray(o + 6, o + len).toString('utf8'));
            o += len;
          }
          return out;
        });
      const until = Date.now() + WAIT_MS;
      while (!payloads().some((s) => s.startsWith('INVITE sip:')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(packets.length).toBeGreaterThan(0);
      expect(packets.every((p) => p.subarray(0, 4).toString('latin1') === 'HEP3')).toBe(true);
      expect(payloads().some((s) => s.startsWith('INVITE sip:') && s.includes(call.callId))).toBe(true);
    } finally {
      sip.close();
      await k.stop();
      await sipp.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
/** The business's SIP server (UAS), challenging Meta with 407, over TLS or TCP. */
function businessServer(kind: 'tls' | 'tcp'): { listen(): Promise<number>; received: Msg[]; stop(): Promise<void>; port: number } {
  const received: Msg[] = [];
  const streams: SipStream[] = [];
  let port = 0;
  const onSocket = (socket: net.Socket) => {
    const sip = new SipStream(socket);
    streams.push(sip);
    const serve = async () => {
      for (;;) {
        const rq = await sip.next((m) => m.method !== undefined, 'request', 60_000).catch(() => undefined);
        if (!rq) return;
        received.push(rq);
        if (rq.method === 'INVITE') {
          const auth = h(rq, 'proxy-authorization');
          if (!auth) {
            sip.respond(rq, 407, 'Proxy Authentication Required', [`Proxy-Authenticate: Digest realm="sip.example.com", nonce="${rand()}", opaque="${rand()}", algorithm=MD5, qop="auth"`]);
          } else if (!digestValid(auth, { method: 'INVITE', password: SIP_PASSWORD }) || !auth.includes(`username="${BUSINESS}"`)) {
            sip.respond(rq, 403, 'Forbidden');
          } else {
            sip.respond(rq, 100, 'Trying');
            const tag = `biz${rand()}`;
            const withTag = { ...rq, headers: new Map(rq.headers).set('to', [`${h(rq, 'to')};tag=${tag}`]) };
            sip.respond(withTag, 180, 'Ringing');
            const answer = ['v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40002 RTP/SAVP 111', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:BIZSECRETBIZSECRETBIZSECRETBIZSECRETBIZS', 'a=rtpmap:111 opus/48000/2', ''].join(CRLF);
            sip.respond(withTag, 200, 'OK', [`Contact: <sip:+${BUSINESS}@127.0.0.1:${port};transport=${kind}>`, 'Content-Type: application/sdp'], answer);
          }
        } else if (rq.method === 'BYE') sip.respond(rq, 200, 'OK');
      }
    };
    void serve();
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biz-sip-'));
  let server: net.Server;
  if (kind === 'tls') {
    makeCertificate(dir, { dns: ['sip.example.com'], ip: ['127.0.0.1'] });
    server = tls.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, onSocket);
  } else server = net.createServer(onSocket);
  return {
    received,
    get port() {
      return port;
    },
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject).listen(0, '127.0.0.1', () => {
          port = (server.address() as net.AddressInfo).port;
          resolve(port);
        });
      }),
    stop: async () => {
      for (const s of streams) s.close();
      await new Promise((r) => server.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('sipp as Meta calling a business (user-initiated, uac-meta-invite)', () => {
  const expectMetaInvite = (invite: Msg) => {
    expect(invite.start).toMatch(new RegExp(`^INVITE sip:\\+${BUSINESS}@127\\.0\\.0\\.1:\\d+;transport=tls SIP/2\\.0$`));
    expect(h(invite, 'call-id')).toBe(`outgoing:${META_WACID}`);
    expect(h(invite, 'from')).toMatch(new RegExp(`^"${WA_USER}" <sip:\\+${WA_USER}@wa\\.meta\\.vc>;tag=`));
    expect(h(invite, 'user-agent')).toBe('Facebook SipGateway');
    expect(h(invite, 'x-fb-external-domain')).toBe('wa.meta.vc');
    expect(h(invite, 'x-wa-meta-wacid')).toBe(META_WACID);
    expect(h(invite, 'x-wa-meta-cta-payload')).toBe('order-4711');
    expect(h(invite, 'contact')).toMatch(/;isfocus$/);
    expect(h(invite, 'content-type')).toBe('application/sdp');
    expect(invite.body).toMatch(/^v=0\r\n[\s\S]*a=crypto:/);
  };

  it('through Kamailio to the business’s TLS server: 407 → digest → 200 → ACK → BYE with the call duration', async () => {
    const biz = businessServer('tls');
    const bizPort = await biz.listen();
    running.push(biz);
    const k = await kamailio({ sippPort: await freeTcpPort() });
    const sipp = await startSipp({ scenario: 'uac-meta-invite.xml', mode: 'uac', transport: 'u1', remote: `127.0.0.1:${k.udpPort}`, calls: 1, timeoutSec: 30, extraArgs: metaInviteArgs({ business: BUSINESS, businessHost: `127.0.0.1:${bizPort}`, password: SIP_PASSWORD }) });
    running.push(sipp);
    try {
      await sippPassed(sipp);
      const methods = biz.received.map((m) => m.method);
      expect(methods).toEqual(['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
      const [first, , second, ack, bye] = biz.received;
      expectMetaInvite(first);
      expect(h(second, 'proxy-authorization')).toMatch(new RegExp(`^Digest username="${BUSINESS}",\\s*realm="sip\\.example\\.com"`));
      expect(h(second, 'call-id')).toBe(h(first, 'call-id'));
      expect(cseqOf(second).n).toBe(cseqOf(first).n + 1);
      expect(ack.start).toMatch(new RegExp(`^ACK sip:\\+${BUSINESS}@127\\.0\\.0\\.1:${bizPort};transport=tls SIP/2\\.0$`));
      expect(h(bye, 'x-wa-meta-wacid')).toBe(META_WACID);
      expect(h(bye, 'x-wa-meta-call-duration')).toBe('7');
      expect(h(bye, 'call-id')).toBe(`outgoing:${META_WACID}`);
    } finally {
      await sipp.stop();
      await k.stop();
      await biz.stop();
    }
  });

  it('directly over TCP (t1): the ACK for the 407 keeps the INVITE’s branch', async () => {
    const biz = businessServer('tcp');
    const bizPort = await biz.listen();
    running.push(biz);
    const sipp = await startSipp({ scenario: 'uac-meta-invite.xml', mode: 'uac', transport: 't1', remote: `127.0.0.1:${bizPort}`, calls: 1, timeoutSec: 30, extraArgs: metaInviteArgs({ business: BUSINESS, businessHost: `127.0.0.1:${bizPort}`, password: SIP_PASSWORD }) });
    running.push(sipp);
    try {
      await sippPassed(sipp);
      expect(biz.received.map((m) => m.method)).toEqual(['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
      const [first, ackChallenge, second, ack] = biz.received;
      expectMetaInvite(first);
      const branch = (m: Msg) => /;branch=([^;\s]+)/.exec(h(m, 'via'))?.[1];
      expect(branch(ackChallenge)).toBe(branch(first));
      expect(branch(second)).not.toBe(branch(first));
      expect(branch(ack)).not.toBe(branch(second));
      expect(h(ack, 'cseq')).toBe(`${cseqOf(second).n} ACK`);
    } finally {
      await sipp.stop();
      await biz.stop();
    }
  });
});
