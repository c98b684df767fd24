// SIP parser throughput for a typical INVITE with SDP, as a ratio against a simple reference parse of
// the same bytes in the same process (split into lines, headers at ':'), plus the framer on a stream,
// and memory per open SIP transaction/dialog in the tracker. Bounded in iterations and time.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseSipMessage, SipStreamFramer } = require('../build/src/sip/wire/index.js');
const { SipTransactionTracker } = require('../build/src/sip/tracking/sip-transaction-tracker.js');

const sdp = ['v=0', 'o=- 7669997803033704573 2 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 40000 UDP/TLS/RTP/SAVPF 111 126',
  'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789abcdef01234567', 'a=fingerprint:sha-256 ' + 'AB:'.repeat(31) + 'AB', 'a=setup:actpass', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:126 telephone-event/8000', ''].join('\r\n');
const invite = (i) => Buffer.from([
  'INVITE sip:+14085551234@wa.meta.vc;transport=tls SIP/2.0', `Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK-${i};rport`, 'Max-Forwards: 70',
  'From: "Acme" <sip:+15551441906@sip.example.com>;tag=a1b2', 'To: <sip:+14085551234@wa.meta.vc>', `Call-ID: bench-${i}@10.0.0.1`, 'CSeq: 1 INVITE',
  'Contact: <sip:+15551441906@10.0.0.1:5061;transport=tls>', 'User-Agent: bench', 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp].join('\r\n'));
const msg = invite(0);

function reference(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { start: lines[0], headers, body: buf.subarray(end + 4) };
}

function rate(fn, maxIterations = 200_000, maxMs = 3000) {
  for (let i = 0; i < 2000; i++) fn(); // warm up
  const t0 = performance.now();
  let n = 0;
  while (n < maxIterations && performance.now() - t0 < maxMs) {
    fn();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

const ours = rate(() => parseSipMessage(msg));
const ref = rate(() => reference(msg));
console.log(`sip-parser: ${ours.toFixed(0)} msg/s, reference: ${ref.toFixed(0)} msg/s, ratio ${(ours / ref).toFixed(2)}`);
const stream = Buffer.concat(Array.from({ length: 20 }, (_, i) => invite(i)));
const framed = rate(() => {
  const f = new SipStreamFramer();
  for (let i = 0; i < stream.length; i += 1400) f.push(stream.subarray(i, i + 1400)); // TLS-record-sized reads
}, 20_000) * 20;
console.log(`sip-framer: ${framed.toFixed(0)} msg/s framed from 1400-byte reads`);

// Memory per open INVITE transaction: messages are parsed and dropped one by one, as a source does.
const N = 50_000;
const tracker = new SipTransactionTracker({ operation: () => {}, signal: () => {} }, 3_600_000);
const gc = () => { globalThis.gc?.(); globalThis.gc?.(); };
gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < N; i++) tracker.observe({ message: parseSipMessage(invite(i)), fromBusiness: true, at: Date.now(), source: 'socket', transport: 'tls' });
gc();
const used = process.memoryUsage().heapUsed - before;
console.log(`sip tracker: ${tracker.openCount} open INVITE transactions, ${(used / N).toFixed(0)} bytes each`);
tracker.flush();
