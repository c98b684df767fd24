/**
 * "The app": a business calling a WhatsApp user over SIP/TLS with plain `node:tls` — INVITE, answer
 * the 407 digest challenge, ACK, then answer Meta's BYE. Written independently of the
 * instrumentation (its own framing and parsing), like user code.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as tls from 'node:tls';
import { takeSipMessages } from './sip-text-framing';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const CRLF = '\r\n';
export const BUSINESS = '15551441906';

interface Msg {
  start: string;
  headers: Map<string, string[]>;
  raw: string;
}

function parse(raw: string): Msg {
  const [head] = raw.split(CRLF + CRLF);
  const [start, ...lines] = head.split(CRLF);
  const headers = new Map<string, string[]>();
  for (const l of lines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    headers.set(k, [...(headers.get(k) ?? []), l.slice(i + 1).trim()]);
  }
  return { start, headers, raw };
}

const h = (m: Msg, k: string) => m.headers.get(k)?.[0] ?? '';

export interface CallResult {
  statuses: number[];
  reasons: string[];
  byeFromMeta?: Msg;
}

export async function placeCall(opts: { port: number; ca: string; to: string; password: string; callId: string; cancelWhenRinging?: boolean }): Promise<CallResult> {
  const socket = tls.connect({ host: '127.0.0.1', port: opts.port, servername: 'wa.meta.vc', ca: opts.ca });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const local = `${socket.localAddress}:${socket.localPort}`;
  const queue: Msg[] = [];
  let waiter: (() => void) | undefined;
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const { messages, rest } = takeSipMessages(buffer + chunk);
    buffer = rest;
    queue.push(...messages.map(parse));
    if (messages.length) waiter?.();
  });
  const next = async (pred: (m: Msg) => boolean): Promise<Msg> => {
    for (let i = 0; i < 200; i++) {
      const idx = queue.findIndex(pred);
      if (idx !== -1) return queue.splice(idx, 1)[0];
      await new Promise<void>((r) => {
        waiter = r;
        setTimeout(r, 50);
      });
    }
    throw new Error('no SIP message in time');
  };
  const finalFor = (cseq: number) => (m: Msg) => m.start.startsWith('SIP/2.0 ') && Number(m.start.split(' ')[1]) >= 200 && h(m, 'cseq') === `${cseq} INVITE`;
  const uri = `sip:+${opts.to}@wa.meta.vc;transport=tls`;
  const fromTag = randomBytes(4).toString('hex');
  const sdp = ['v=0', `o=- 1 1 IN IP4 ${socket.localAddress}`, 's=-', `c=IN IP4 ${socket.localAddress}`, 't=0 0', 'm=audio 40000 RTP/SAVP 111', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:APPSECRETAPPSECRETAPPSECRET', 'a=rtpmap:111 opus/48000/2', ''].join(CRLF);
  const invite = (cseq: number, branch: string, auth?: string) =>
    [
      `INVITE ${uri} SIP/2.0`,
      `Via: SIP/2.0/TLS ${local};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: "Acme" <sip:+${BUSINESS}@sip.example.com>;tag=${fromTag}`,
      `To: <sip:+${opts.to}@wa.meta.vc>`,
      `Call-ID: ${opts.callId}`,
      `CSeq: ${cseq} INVITE`,
      `Contact: <sip:+${BUSINESS}@${local};transport=tls>`,
      ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join(CRLF);
  const ackFor = (res: Msg, branch: string, cseq: number, requestUri = uri, routes: string[] = []) =>
    [`ACK ${requestUri} SIP/2.0`, `Via: SIP/2.0/TLS ${local};branch=${branch};rport`, ...routes.map((r) => `Route: ${r}`), 'Max-Forwards: 70', `From: "Acme" <sip:+${BUSINESS}@sip.example.com>;tag=${fromTag}`, `To: ${h(res, 'to')}`, `Call-ID: ${opts.callId}`, `CSeq: ${cseq} ACK`, 'Content-Length: 0', '', ''].join(CRLF);

  const result: CallResult = { statuses: [], reasons: [] };
  const record = (m: Msg) => {
    const [, code, ...reason] = m.start.split(' ');
    result.statuses.push(Number(code));
    result.reasons.push(reason.join(' '));
    return Number(code);
  };
  try {
    socket.write(invite(1, 'z9hG4bK-a1'));
    let res = await next(finalFor(1));
    let cseq = 1;
    let branch = 'z9hG4bK-a1';
    if (record(res) === 407) {
      socket.write(ackFor(res, branch, 1));
      const ch = h(res, 'proxy-authenticate');
      const p = (k: string) => new RegExp(`${k}="?([^",]+)"?`).exec(ch)?.[1] ?? '';
      const ha1 = md5(`${BUSINESS}:${p('realm')}:${opts.password}`);
      const ha2 = md5(`INVITE:${uri}`);
      const cnonce = randomBytes(4).toString('hex');
      const response = md5(`${ha1}:${p('nonce')}:00000001:${cnonce}:auth:${ha2}`);
      const auth = `Digest username="${BUSINESS}", realm="${p('realm')}", nonce="${p('nonce')}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"${p('opaque') ? `, opaque="${p('opaque')}"` : ''}`;
      cseq = 2;
      branch = 'z9hG4bK-a2';
      socket.write(invite(cseq, branch, auth));
      if (opts.cancelWhenRinging) {
        await next((m) => m.start.startsWith('SIP/2.0 180'));
        socket.write([`CANCEL ${uri} SIP/2.0`, `Via: SIP/2.0/TLS ${local};branch=${branch};rport`, 'Max-Forwards: 70', `From: "Acme" <sip:+${BUSINESS}@sip.example.com>;tag=${fromTag}`, `To: <sip:+${opts.to}@wa.meta.vc>`, `Call-ID: ${opts.callId}`, `CSeq: ${cseq} CANCEL`, 'Content-Length: 0', '', ''].join(CRLF));
      }
      res = await next(finalFor(2));
      record(res);
    }
    const status = result.statuses.at(-1)!;
    if (status >= 300) {
      socket.write(ackFor(res, branch, cseq));
      return result;
    }
    const contact = /<([^>]+)>/.exec(h(res, 'contact'))?.[1] ?? uri;
    const routes = (res.headers.get('record-route') ?? []).flatMap((v) => v.split(',').map((s) => s.trim())).reverse();
    socket.write(ackFor(res, 'z9hG4bK-ack', cseq, contact, routes));
    const bye = await next((m) => m.start.startsWith('BYE '));
    result.byeFromMeta = bye;
    socket.write(['SIP/2.0 200 OK', ...(bye.headers.get('via') ?? []).map((v) => `Via: ${v}`), `From: ${h(bye, 'from')}`, `To: ${h(bye, 'to')}`, `Call-ID: ${h(bye, 'call-id')}`, `CSeq: ${h(bye, 'cseq')}`, 'Content-Length: 0', '', ''].join(CRLF));
    await new Promise((r) => setTimeout(r, 100));
    return result;
  } finally {
    socket.end();
  }
}
