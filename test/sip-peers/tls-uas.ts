/**
 * "The app" on the other side: a business's SIP/TLS server answering Meta's user-initiated calls with
 * plain `node:tls` — challenge with 407, answer the authenticated INVITE with 200 + SDP, answer BYE.
 * Independent of the instrumentation (its own framing), like user code.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { takeSipMessages } from './sip-text-framing';

const CRLF = '\r\n';

export interface BusinessServer {
  port: number;
  methods: string[];
  close(): Promise<void>;
}

export async function startBusinessTlsServer(opts: { host: string; key: string; cert: string }): Promise<BusinessServer> {
  const methods: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: opts.key, cert: opts.cert }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const { messages, rest } = takeSipMessages(buffer + chunk);
      buffer = rest;
      for (const message of messages) {
        const head = message.slice(0, message.indexOf(CRLF + CRLF));
        const [start, ...lines] = head.split(CRLF);
        if (start.startsWith('SIP/2.0')) continue;
        const method = start.split(' ')[0];
        methods.push(method);
        const get = (name: string) => lines.filter((l) => l.toLowerCase().startsWith(name + ':')).map((l) => l.slice(name.length + 1).trim());
        const reply = (code: number, reason: string, extra: string[] = [], body = '') =>
          socket.write([`SIP/2.0 ${code} ${reason}`, ...get('via').map((v) => `Via: ${v}`), ...get('record-route').map((r) => `Record-Route: ${r}`), `From: ${get('from')[0]}`, `To: ${get('to')[0]}${code > 100 && !/;tag=/.test(get('to')[0]) ? ';tag=biz1' : ''}`, `Call-ID: ${get('call-id')[0]}`, `CSeq: ${get('cseq')[0]}`, ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join(CRLF));
        if (method === 'INVITE' && get('proxy-authorization').length === 0) {
          reply(407, 'Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="sip.example.com", nonce="n1", algorithm=MD5, qop="auth"']);
        } else if (method === 'INVITE') {
          reply(180, 'Ringing');
          const sdp = ['v=0', 'o=- 2 2 IN IP4 127.0.0.3', 's=-', 'c=IN IP4 127.0.0.3', 't=0 0', 'm=audio 40002 RTP/SAVP 111', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:BIZSECRETBIZSECRETBIZSECRET', ''].join(CRLF);
          reply(200, 'OK', [`Contact: <sip:+15551441906@${opts.host}:${(server.address() as net.AddressInfo).port};transport=tls>`, 'Content-Type: application/sdp'], sdp);
        } else if (method === 'BYE') reply(200, 'OK');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    methods,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
