// HEP ingest over loopback UDP: CPU of this process per HEP packet received, our HEP receiver (with
// the instrumentation doing everything it does with them: decode, SIP parse, Meta-leg decision,
// SIP transaction tracking, sip.invite spans, call tracking) against a bare socket receive loop of
// the same packets. A child process sends them (lib/hep-sender-child.mjs), paced; rounds alternate
// the two receivers; CPU per packet actually received (UDP may drop under load: both are counted).
// Reported as throughput: bare CPU per packet / ours. Bounded: ROUNDS × N packets per receiver.
import * as dgram from 'node:dgram';
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cpuMicros, median } from './lib/cpu-rounds.mjs';
import { row, us, verdict } from './lib/rows.mjs';
import { createHepFloor } from './lib/hep-floor.mjs';
import { createSdk } from './lib/sdk.mjs';

const ROUNDS = 18; // a multiple of the 3 orders below, and even (ratios pair rounds)
const N = 1400; // 200 calls of 7 messages
const require = createRequire(import.meta.url);
const { WhatsAppCallingInstrumentation } = require('../build/src/index.js');
const sdk = createSdk();
const ours = sdk.attach(
  new WhatsAppCallingInstrumentation({
    sipPeers: [],
    hep: { port: 0, metaAddresses: ['157.240.1.2:5061'], maxPacketsPerSecond: Infinity },
    callSettleMs: 0,
  }),
);
ours.enable();
const hep = ours.sipSources.hepSource;
await hep.ready();
const oursPort = hep.addresses().udp;

let bareCount = 0;
const bare = dgram.createSocket('udp4');
bare.on('message', () => bareCount++);
await new Promise((resolve) => bare.bind(0, '127.0.0.1', resolve));
const barePort = bare.address().port;

// The floor (lib/hep-floor.mjs): a socket of its own doing the least work of this kind per packet.
let floorCount = 0;
const floorWork = createHepFloor(sdk);
const floor = dgram.createSocket('udp4');
floor.on('message', (packet) => {
  floorCount++;
  floorWork(packet);
});
await new Promise((resolve) => floor.bind(0, '127.0.0.1', resolve));

const sender = fork(fileURLToPath(new URL('./lib/hep-sender-child.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
process.once('exit', () => {
  try {
    process.kill(sender.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
});
const reply = () => new Promise((resolve) => sender.once('message', resolve));
await reply();

const variants = {
  bare: { port: barePort, count: () => bareCount },
  ours: { port: oursPort, count: () => hep.stats.received },
  floor: { port: floor.address().port, count: () => floorCount },
};
/** Sends n packets to a receiver; CPU µs per packet it received, and how many. */
async function segment(v, n) {
  const before = v.count();
  const c0 = cpuMicros();
  sender.send({ port: v.port, n });
  await reply();
  // Let the last datagrams in: wait until the count stops moving (bounded).
  for (let last = -1, i = 0; i < 50 && v.count() !== last; i++) {
    last = v.count();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const got = v.count() - before;
  return { cpu: (cpuMicros() - c0) / Math.max(1, got), got };
}

await segment(variants.bare, N); // warm-up
await segment(variants.ours, N);
await segment(variants.floor, N);
const per = { bare: [], ours: [], floor: [] };
let sent = 0;
let received = { bare: 0, ours: 0, floor: 0 };
const ORDERS = [
  ['bare', 'ours', 'floor'],
  ['ours', 'floor', 'bare'],
  ['floor', 'bare', 'ours'],
];
for (let r = 0; r < ROUNDS; r++) {
  for (const name of ORDERS[r % 3]) {
    const s = await segment(variants[name], N);
    per[name].push(s.cpu);
    received[name] += s.got;
  }
  sent += N;
}
const ratios = [];
for (let i = 0; i + 1 < ROUNDS; i += 2) ratios.push((per.bare[i] + per.bare[i + 1]) / (per.ours[i] + per.ours[i + 1]));
const ratio = median(ratios);
const floorRatios = [];
for (let i = 0; i + 1 < ROUNDS; i += 2) floorRatios.push((per.bare[i] + per.bare[i + 1]) / (per.floor[i] + per.floor[i + 1]));
const floorRatio = median(floorRatios);
console.log(
  `hep ingest: ${sent} packets sent to each; received bare ${received.bare}, ours ${received.ours}, floor ${received.floor}; ` +
    `CPU per packet bare ${us(median(per.bare))}, ours ${us(median(per.ours))}, floor ${us(median(per.floor))} (${floorRatio.toFixed(2)}× bare); ` +
    `accepted ${hep.stats.accepted}, dropped ${JSON.stringify(Object.fromEntries(Object.entries(hep.stats.dropped).filter(([, v]) => v)))}, spans ${sdk.spanCount('opentelemetry-instrumentation-whatsapp-calling')} (floor ${sdk.spanCount('hep-floor')})`,
);
row({
  what: 'HEP ingest over loopback UDP',
  budget: '≥ 0.5× a bare socket receive loop',
  measured: `${ratio.toFixed(2)}× (${us(median(per.ours))} CPU per packet)`,
  baseline: `bare receive ${us(median(per.bare))} CPU per packet (INVITE/100/180/200/ACK/BYE/200 calls); floor ${floorRatio.toFixed(2)}× (${us(median(per.floor))})`,
  verdict: verdict(ratio >= 0.5),
});
sender.disconnect();
bare.close();
floor.close();
ours.disable();
