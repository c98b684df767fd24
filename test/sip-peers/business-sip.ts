/**
 * The business side of the SIP peer tests, written with node:tls / node:net and string building like
 * user code: a tiny SIP stack over a stream socket, a business placing calls through "wa.meta.vc", and
 * a business SIP server answering Meta's calls. Independent of the instrumentation.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { makeCertificate, SIP_PASSWORD } from './kamailio';

export const CRLF = '\r\n';
export const BUSINESS = '15551441906'; // the business's number (digest username), E.164 digits
export const WA_USER = '14085551234'; // the WhatsApp user
export const WAIT_MS = 10_000; // bound on every wait for a peer
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
export const rand = () => randomBytes(6).toString('hex');

/** Bounded wait: rejects after ms with what was awaited. */
export function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------------
// A tiny SIP stack over a stream socket: framing by Content-Length (bytes), parsing, bounded waits.
export interface Msg {
  start: string;
  method?: string;
  code?: number;
  reason?: string;
  headers: Map<string, string[]>;
  body: string;
  raw: string;
}
export const h = (m: Msg, name: string) => m.headers.get(name.toLowerCase())?.[0] ?? '';
export const all = (m: Msg, name: string) => (m.headers.get(name.toLowerCase()) ?? []).flatMap((v) => v.split(/,(?=\s*<)/).map((s) => s.trim()));
export const cseqOf = (m: Msg) => {
  const [n, method] = h(m, 'cseq').split(/\s+/);
  return { n: Number(n), method };
};
export const tagOf = (header: string) => /;tag=([^;>\s]+)/.exec(header)?.[1];
export const uriOf = (header: string) => /<([^>]+)>/.exec(header)?.[1] ?? header.split(';')[0];

export function parse(raw: Buffer): Msg {
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

export class SipStream {
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

export async function connectTls(port: number, ca: string): Promise<SipStream> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'wa.meta.vc', ca });
  await within(new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject)), 'TLS handshake');
  return new SipStream(socket);
}

/** Digest answer for a Proxy-/WWW-Authenticate challenge (RFC 2617 MD5, qop=auth when offered). */
export function digest(challenge: string, o: { method: string; uri: string; username: string; password: string }): string {
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
export function digestValid(auth: string, o: { method: string; password: string }): boolean {
  const p = (k: string) => new RegExp(`(?:^|[\\s,])${k}="?([^",]+)"?`, 'i').exec(auth)?.[1] ?? '';
  const ha1 = md5(`${p('username')}:${p('realm')}:${o.password}`);
  const ha2 = md5(`${o.method}:${p('uri')}`);
  const expected = p('qop') ? md5(`${ha1}:${p('nonce')}:${p('nc')}:${p('cnonce')}:${p('qop')}:${ha2}`) : md5(`${ha1}:${p('nonce')}:${ha2}`);
  return p('response') === expected;
}

export const SDP_OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/SAVP 111',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:APPSECRETAPPSECRETAPPSECRETAPPSECRETAPPS',
  'a=rtpmap:111 opus/48000/2',
  '',
].join(CRLF);

/** The business calling a WhatsApp user through "wa.meta.vc" (Kamailio's TLS port). */
export class BusinessCall {
  readonly fromTag = rand();
  readonly uri: string;
  cseq = 1;
  branch = `z9hG4bK-${rand()}`;
  responses: Msg[] = [];
  final?: Msg;

  constructor(
    readonly sip: SipStream,
    to: string,
    readonly callId = `biz-${rand()}`,
  ) {
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
    const m = await this.sip.next(
      (r) => r.code !== undefined && r.code >= 200 && h(r, 'call-id') === this.callId && cseqOf(r).n === cseq && cseqOf(r).method === 'INVITE',
      `final response to INVITE ${cseq}`,
    );
    this.responses.push(m);
    return m;
  }

  /** ACK for a non-2xx final: same branch as the INVITE, hop by hop. */
  ackFailure(res: Msg): void {
    this.sip.send([
      `ACK ${this.uri} SIP/2.0`,
      `Via: SIP/2.0/TLS ${this.sip.local};branch=${this.branch};rport`,
      'Max-Forwards: 70',
      `From: ${this.from}`,
      `To: ${h(res, 'to')}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} ACK`,
    ]);
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
    return this.sip.next(
      (r) => r.code !== undefined && h(r, 'call-id') === this.callId && h(r, 'cseq') === `${this.cseq + 1} BYE` && r.code >= 200,
      '200 for BYE',
    );
  }

  /** CANCEL the pending INVITE (same Via branch, same CSeq number). */
  cancel(): void {
    this.sip.send([
      `CANCEL ${this.uri} SIP/2.0`,
      `Via: SIP/2.0/TLS ${this.sip.local};branch=${this.branch};rport`,
      'Max-Forwards: 70',
      `From: ${this.from}`,
      `To: <${this.uri.split(';')[0]}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} CANCEL`,
    ]);
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
/** A business SIP server answering Meta's calls (challenge, answer, BYE); `host` is any loopback address. */
export function businessServer(kind: 'tls' | 'tcp', host = '127.0.0.1'): { listen(): Promise<number>; received: Msg[]; stop(): Promise<void>; port: number } {
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
            sip.respond(rq, 407, 'Proxy Authentication Required', [
              `Proxy-Authenticate: Digest realm="sip.example.com", nonce="${rand()}", opaque="${rand()}", algorithm=MD5, qop="auth"`,
            ]);
          } else if (!digestValid(auth, { method: 'INVITE', password: SIP_PASSWORD }) || !auth.includes(`username="${BUSINESS}"`)) {
            sip.respond(rq, 403, 'Forbidden');
          } else {
            sip.respond(rq, 100, 'Trying');
            const tag = `biz${rand()}`;
            const withTag = { ...rq, headers: new Map(rq.headers).set('to', [`${h(rq, 'to')};tag=${tag}`]) };
            sip.respond(withTag, 180, 'Ringing');
            const answer = [
              'v=0',
              'o=- 2 2 IN IP4 127.0.0.1',
              's=-',
              'c=IN IP4 127.0.0.1',
              't=0 0',
              'm=audio 40002 RTP/SAVP 111',
              'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:BIZSECRETBIZSECRETBIZSECRETBIZSECRETBIZS',
              'a=rtpmap:111 opus/48000/2',
              '',
            ].join(CRLF);
            sip.respond(withTag, 200, 'OK', [`Contact: <sip:+${BUSINESS}@${host}:${port};transport=${kind}>`, 'Content-Type: application/sdp'], answer);
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
        server.once('error', reject).listen(0, host, () => {
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

export interface CallResult {
  /** Final responses to the INVITEs, in order (e.g. 407 then 200). */
  statuses: number[];
  reasons: string[];
  byeFromMeta?: Msg;
}

/**
 * One whole business-initiated call through Meta's edge: INVITE with the digest round, then ACK and
 * answering Meta's BYE — or, with `cancelWhenRinging`, CANCEL at the 180 and ACK the 487.
 */
export async function placeCall(o: {
  port: number;
  ca: string;
  to: string;
  password: string;
  callId: string;
  cancelWhenRinging?: boolean;
}): Promise<CallResult> {
  const sip = await connectTls(o.port, o.ca);
  try {
    const call = new BusinessCall(sip, o.to, o.callId);
    let byeFromMeta: Msg | undefined;
    if (o.cancelWhenRinging) {
      await call.invite(o.password, { waitFinal: false });
      await call.provisional(180);
      call.cancel();
      const final = await sip.next(
        (r) => r.code !== undefined && r.code >= 200 && h(r, 'cseq') === `${call.cseq} INVITE`,
        'final response to the cancelled INVITE',
      );
      call.responses.push(final);
      call.ackFailure(final);
    } else if ((await call.invite(o.password))!.code! < 300) {
      call.ack();
      byeFromMeta = await call.receiveBye();
    }
    return { statuses: call.responses.map((r) => r.code!), reasons: call.responses.map((r) => r.reason ?? ''), byeFromMeta };
  } finally {
    sip.close();
  }
}
