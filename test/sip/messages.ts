/** Realistic SIP messages between a business and Meta (reference §5), for tests. */
export const CRLF = '\r\n';
export const SDP = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/SAVP 111',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:SECRETKEYSECRETKEYSECRETKEY',
  'a=rtpmap:111 opus/48000/2',
  '',
].join(CRLF);

export interface MsgOpts {
  callId?: string;
  branch?: string;
  cseq?: number;
  auth?: boolean;
  to?: string;
  extra?: string[];
  body?: string;
}

export function invite(o: MsgOpts = {}): string {
  const body = o.body ?? SDP;
  return [
    `INVITE sip:+${o.to ?? '14085551234'}@wa.meta.vc;transport=tls SIP/2.0`,
    `Via: SIP/2.0/TLS 127.0.0.1:40001;branch=${o.branch ?? 'z9hG4bK-1'};rport`,
    'Max-Forwards: 70',
    `From: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1`,
    `To: <sip:+${o.to ?? '14085551234'}@wa.meta.vc>`,
    `Call-ID: ${o.callId ?? 'dc2c5b33-1'}`,
    `CSeq: ${o.cseq ?? 1} INVITE`,
    'Contact: <sip:+15551441906@127.0.0.1:40001;transport=tls>',
    ...(o.auth
      ? [
          'Proxy-Authorization: Digest username="15551441906", realm="wa.meta.vc", nonce="abc", uri="sip:+14085551234@wa.meta.vc", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="x"',
        ]
      : []),
    ...(o.extra ?? []),
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join(CRLF);
}

export function response(status: number, reason: string, o: MsgOpts & { method?: string; toTag?: string } = {}): string {
  const body = o.body ?? '';
  return [
    `SIP/2.0 ${status} ${reason}`,
    `Via: SIP/2.0/TLS 127.0.0.1:40001;branch=${o.branch ?? 'z9hG4bK-1'};rport=40001`,
    `From: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1`,
    `To: <sip:+${o.to ?? '14085551234'}@wa.meta.vc>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'dc2c5b33-1'}`,
    `CSeq: ${o.cseq ?? 1} ${o.method ?? 'INVITE'}`,
    ...(status === 407 ? ['Proxy-Authenticate: Digest realm="wa.meta.vc", nonce="abc", opaque="o", algorithm=MD5, qop="auth"'] : []),
    ...(o.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join(CRLF);
}

export function request(method: string, o: MsgOpts & { fromMeta?: boolean } = {}): string {
  return [
    `${method} sip:+15551441906@127.0.0.1:40001;transport=tls SIP/2.0`,
    `Via: SIP/2.0/TLS ${o.fromMeta ? '157.240.0.1:5061' : '127.0.0.1:40001'};branch=${o.branch ?? 'z9hG4bK-bye'}`,
    `From: <sip:+${o.to ?? '14085551234'}@wa.meta.vc>;tag=meta1`,
    `To: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1`,
    `Call-ID: ${o.callId ?? 'dc2c5b33-1'}`,
    `CSeq: ${o.cseq ?? 2} ${method}`,
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join(CRLF);
}

/** Meta calling the business (user-initiated): Call-ID `outgoing:wacid.…` and x-wa-meta headers. */
export function metaInvite(o: MsgOpts = {}): string {
  const body = SDP;
  return [
    'INVITE sip:+15551441906@sip.example.com;transport=tls SIP/2.0',
    `Via: SIP/2.0/TLS 157.240.0.1:5061;branch=${o.branch ?? 'z9hG4bK-meta'}`,
    'From: "14085551234" <sip:+14085551234@wa.meta.vc>;tag=meta1',
    'To: <sip:+15551441906@sip.example.com>',
    `Call-ID: ${o.callId ?? 'outgoing:wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA'}`,
    `CSeq: ${o.cseq ?? 1} INVITE`,
    'User-Agent: Facebook SipGateway',
    'X-FB-External-Domain: wa.meta.vc',
    'x-wa-meta-wacid: wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA',
    'x-wa-meta-cta-payload: spring-sale',
    ...(o.auth
      ? [
          'Authorization: Digest username="15551441906", realm="sip.example.com", nonce="n", uri="sip:+15551441906@sip.example.com", response="0123456789abcdef0123456789abcdef"',
        ]
      : []),
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join(CRLF);
}
