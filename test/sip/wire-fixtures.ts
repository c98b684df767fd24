/** Realistic Meta SIP messages as bytes, shared by the wire tests. */
export const CRLF = '\r\n';
export const bytes = (s: string) => Buffer.from(s, 'utf8');
export const msg = (lines: string[], body = '') => bytes(lines.join(CRLF) + CRLF + CRLF + body);
/** Byte-exact text of a buffer (comparing strings is much faster than deep-equal on Buffers). */
export const latin1 = (b: Buffer) => b.toString('latin1');

export const WACID = 'wacid.HBgLMTQwODU1NTEyMzQVAgARGCA5RjE4QkQ3QUQ3';
export const SDP = [
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
export const metaInvite = (callIdValue = `outgoing:${WACID}`) =>
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

export const challenge407 = msg([
  'SIP/2.0 407 Proxy Authentication Required',
  'Via: SIP/2.0/TLS 10.0.0.5:40001;branch=z9hG4bKbiz1;rport=40001;received=203.0.113.9',
  'From: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1',
  'To: <sip:+14085551234@wa.meta.vc>;tag=meta407',
  'Call-ID: dc2c5b33-9f1e-4d3a-8f0e-2b9c6a1d7e44',
  'CSeq: 1 INVITE',
  'Proxy-Authenticate: Digest realm="wa.meta.vc",nonce="Y2FmZWJhYmU=",opaque="b3BhcXVl",algorithm=MD5,qop="auth"',
  'Content-Length: 0',
]);

export const PERMISSION_TEXT = 'No Approved Call Permission Found: the user has not approved calls from this business';
export const forbidden403 = msg([
  `SIP/2.0 403 ${PERMISSION_TEXT}`,
  'Via: SIP/2.0/TLS 10.0.0.5:40001;branch=z9hG4bKbiz2;rport=40001',
  'From: "Acme" <sip:+15551441906@sip.example.com>;tag=biz1',
  'To: <sip:+14085551234@wa.meta.vc>;tag=meta403',
  'Call-ID: dc2c5b33-9f1e-4d3a-8f0e-2b9c6a1d7e44',
  'CSeq: 2 INVITE',
  `Warning: 399 wa.meta.vc "${PERMISSION_TEXT}, see docs"`,
  'Content-Length: 0',
]);

export const metaBye = msg([
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
