// SIP parser throughput for a typical INVITE with SDP, against a bare reference parse of the same
// bytes in the same process (decode, split into lines, headers at ':', body as a view): CPU time in
// interleaved rounds (lib/cpu-rounds.mjs), reported as ours/reference throughput. Then, as details,
// the stream framer on TLS-record-sized reads and memory per open INVITE transaction in the tracker.
// Run with --expose-gc (bench/run.mjs does). Bounded in iterations.
import { createRequire } from 'node:module';
import { cpuRounds } from './lib/cpu-rounds.mjs';
import { row, verdict } from './lib/rows.mjs';

const require = createRequire(import.meta.url);
const { parseSipMessage, SipStreamFramer } = require('../build/src/sip/wire/index.js');
const { SipTransactionTracker } = require('../build/src/sip/tracking/sip-transaction-tracker.js');

const sdp = [
  'v=0',
  'o=- 7669997803033704573 2 IN IP4 10.0.0.1',
  's=-',
  'c=IN IP4 10.0.0.1',
  't=0 0',
  'm=audio 40000 UDP/TLS/RTP/SAVPF 111 126',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:0123456789abcdef01234567',
  'a=fingerprint:sha-256 ' + 'AB:'.repeat(31) + 'AB',
  'a=setup:actpass',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:126 telephone-event/8000',
  '',
].join('\r\n');
const invite = (i) =>
  Buffer.from(
    [
      'INVITE sip:+14085551234@wa.meta.vc;transport=tls SIP/2.0',
      `Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK-${i};rport`,
      'Max-Forwards: 70',
      'From: "Acme" <sip:+15551441906@sip.example.com>;tag=a1b2',
      'To: <sip:+14085551234@wa.meta.vc>',
      `Call-ID: bench-${i}@10.0.0.1`,
      'CSeq: 1 INVITE',
      'Contact: <sip:+15551441906@10.0.0.1:5061;transport=tls>',
      'User-Agent: bench',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n'),
  );
const messages = Array.from({ length: 64 }, (_, i) => invite(i));

/** The bare parse: what any SIP reader must do at least. */
function reference(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    const c = l.indexOf(':');
    headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
  }
  return { start: lines[0], headers, body: buf.subarray(end + 4) };
}

const result = await cpuRounds({
  variants: [
    { name: 'reference', op: (i) => reference(messages[i & 63]) },
    { name: 'ours', op: (i) => parseSipMessage(messages[i & 63]) },
  ],
  rounds: 20,
  opsPerRound: 20_000,
  warmupOps: 20_000,
});
const ratio = 1 / result.ratio('ours', 'reference');
const perMsg = (name) => result.median(name);
console.log(
  `sip-parser: ours ${perMsg('ours').toFixed(2)} µs, reference ${perMsg('reference').toFixed(2)} µs CPU per ${messages[0].length}-byte INVITE; throughput ratio ${ratio.toFixed(2)}`,
);
row({
  what: 'SIP parser, INVITE with SDP',
  budget: '≥ 0.8× a bare split-lines parse',
  measured: `${ratio.toFixed(2)}× (${(1 / perMsg('ours')).toFixed(2)} M msg/s CPU)`,
  baseline: `bare parse ${(1 / perMsg('reference')).toFixed(2)} M msg/s CPU (${messages[0].length}-byte INVITE)`,
  verdict: verdict(ratio >= 0.8),
});

const stream = Buffer.concat(Array.from({ length: 20 }, (_, i) => invite(i)));
const framed = await cpuRounds({
  variants: [
    {
      name: 'framer',
      op: () => {
        const f = new SipStreamFramer();
        for (let i = 0; i < stream.length; i += 1400) f.push(stream.subarray(i, i + 1400));
      },
    },
  ],
  rounds: 5,
  opsPerRound: 2000,
  warmupOps: 500,
});
console.log(`sip-framer: ${(20 / framed.median('framer')).toFixed(2)} M msg/s CPU framed from 1400-byte reads`);

// Memory per open INVITE transaction: messages are parsed and dropped one by one, as a source does.
const N = 50_000;
const tracker = new SipTransactionTracker({ operation: () => {}, signal: () => {} }, 3_600_000);
const gc = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};
gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < N; i++) tracker.observe({ message: parseSipMessage(invite(i)), fromBusiness: true, at: Date.now(), source: 'socket', transport: 'tls' });
gc();
console.log(`sip tracker: ${tracker.openCount} open INVITE transactions, ${((process.memoryUsage().heapUsed - before) / N).toFixed(0)} bytes each`);
tracker.flush();
