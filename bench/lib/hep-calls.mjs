// HEPv3 copies of SIP calls, as an SBC exports them: INVITE with SDP, 100, 180, 200 with SDP, ACK,
// BYE, 200 (business 10.1.2.3 ↔ Meta 157.240.1.2:5061; a new Call-ID per call).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { encodeHep3 } = require('../../build/src/sip/hep/index.js');
const sdp = [
  'v=0',
  'o=- 7669997803033704573 2 IN IP4 10.1.2.3',
  's=-',
  'c=IN IP4 10.1.2.3',
  't=0 0',
  'm=audio 40000 RTP/SAVP 111 126',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:126 telephone-event/8000',
  '',
].join('\r\n');
const BIZ = { ip: '10.1.2.3', port: 40000 };
const META = { ip: '157.240.1.2', port: 5061 };
const run = Date.now().toString(36);

/** The 7 packets of call k. */
export function hepCall(k) {
  const callId = `hep-${run}-${k}@10.1.2.3`;
  const base = (cseq, method) => [
    `Via: SIP/2.0/TLS 10.1.2.3:40000;branch=z9hG4bK-${run}-${k}-${cseq}`,
    'From: "Acme" <sip:+15551441906@sip.example.com>;tag=b1',
    `To: <sip:+14085551234@wa.meta.vc>${cseq > 1 || method !== 'INVITE' ? ';tag=m1' : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
  ];
  const msg = (start, headers, body = '') =>
    Buffer.from([start, ...headers, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  const invite = base(1, 'INVITE');
  const inviteNoTag = invite.map((h) => h.replace(';tag=m1', ''));
  return [
    [
      BIZ,
      META,
      msg(
        'INVITE sip:+14085551234@wa.meta.vc;transport=tls SIP/2.0',
        [...inviteNoTag, 'Max-Forwards: 70', 'Contact: <sip:+15551441906@10.1.2.3:40000;transport=tls>'],
        sdp,
      ),
    ],
    [META, BIZ, msg('SIP/2.0 100 Trying', inviteNoTag)],
    [META, BIZ, msg('SIP/2.0 180 Ringing', invite)],
    [META, BIZ, msg('SIP/2.0 200 OK', [...invite, 'Contact: <sip:+14085551234@157.240.1.2:5061;transport=tls>'], sdp.replace(/10\.1\.2\.3/g, '157.240.1.2'))],
    [BIZ, META, msg('ACK sip:+14085551234@157.240.1.2:5061;transport=tls SIP/2.0', base(1, 'ACK'))],
    [BIZ, META, msg('BYE sip:+14085551234@157.240.1.2:5061;transport=tls SIP/2.0', base(2, 'BYE'))],
    [META, BIZ, msg('SIP/2.0 200 OK', base(2, 'BYE'))],
  ].map(([from, to, payload]) =>
    encodeHep3({ srcIp: from.ip, srcPort: from.port, dstIp: to.ip, dstPort: to.port, protocol: 6, timestampMs: Date.now(), captureId: 2001, payload }),
  );
}

/** Packets of calls 0, 1, … one after the other. */
export function hepPackets() {
  let k = 0;
  let queue = [];
  return () => {
    if (!queue.length) queue = hepCall(k++);
    return queue.shift();
  };
}
