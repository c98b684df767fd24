// Observing webhook deliveries, against JSON.parse of the same bodies, in this process (no network:
// the cost of a delivery is ours once the app's body parser has run). Every delivery of a call, for
// calls of both directions — UIC: connect (WebRTC-size SDP offer), terminate; BIC: connect (SDP answer), RINGING,
// ACCEPTED, terminate — through the Express middleware after express.json() (a parsed body), with the
// call span and call metrics recorded when each call ends (settle delay 0, so that cost is inside the
// rounds). Interleaved rounds of CPU time (lib/cpu-rounds.mjs). Bounded: ROUNDS × OPS deliveries.
// Ours is measured as (JSON.parse + middleware) − JSON.parse of the same text: the middleware then
// reads a body parsed a moment before, as it does behind express.json() (a body parsed long before the
// loop reached it — tens of thousands of them kept alive — made reading it cost 3 µs of cache misses
// instead of 0.7). Warm-up and rounds are long enough for the optimising compiler to have finished
// (process CPU time includes its threads).
import { createRequire } from 'node:module';
import { cpuRounds } from './lib/cpu-rounds.mjs';
import { SDP_OFFER } from './lib/graph-fixtures.mjs';
import { row, us, verdict } from './lib/rows.mjs';
import { createSdk } from './lib/sdk.mjs';
import { createWebhookFloor } from './lib/webhook-floor.mjs';

const require = createRequire(import.meta.url);
const { createWebhooks } = require('../build/sandbox/webhooks.js');
const { WhatsAppCallingInstrumentation } = require('../build/src/index.js');

const ROUNDS = 20;
const OPS = 1000;
const WARMUP = 2000;
const sdk = createSdk();
const ours = sdk.attach(new WhatsAppCallingInstrumentation({ callSettleMs: 0 }));
ours.enable();
const middleware = ours.expressWebhookMiddleware();
const floor = createWebhookFloor(sdk);

const now = Date.now();
const hooks = createWebhooks(() => now, { started() {}, ended() {} });
const run = now.toString(36);
/** The deliveries of calls k = 0, 1, … in order, as the raw bodies Meta posts. */
function* deliveries() {
  for (let k = 0; ; k++) {
    const callId = `wacid.HBgLMTQwODU1NTEyMzQVAgASGCA${run}${String(k).padStart(8, '0')}`;
    const user = `1408555${String(k % 10_000).padStart(4, '0')}`;
    const t = Math.floor(now / 1000);
    if (k % 2 === 0) {
      yield hooks.connect({ callId, direction: 'USER_INITIATED', user, timestamp: t, sdp: SDP_OFFER });
      yield hooks.terminate({ callId, direction: 'USER_INITIATED', user, timestamp: t + 65, durationS: 60 });
    } else {
      yield hooks.connect({ callId, direction: 'BUSINESS_INITIATED', user, timestamp: t, sdp: SDP_OFFER });
      yield hooks.status({ callId, status: 'RINGING', user, timestamp: t + 1 });
      yield hooks.status({ callId, status: 'ACCEPTED', user, timestamp: t + 4 });
      yield hooks.terminate({ callId, direction: 'BUSINESS_INITIATED', user, timestamp: t + 65, durationS: 60 });
    }
  }
}
// Ours sees each delivery once (a repeat would be a redelivery, deduplicated); JSON.parse reuses them.
const total = WARMUP * 2 + ROUNDS * OPS;
const source = deliveries();
const raw = Array.from({ length: total }, () => JSON.stringify(source.next().value));
const bytes = raw.reduce((s, t) => s + t.length, 0) / raw.length;
const headers = { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=0' };
const res = {};
const next = () => {};
let seen = 0;
let floorSeen = 0;

const result = await cpuRounds({
  variants: [
    { name: 'loop', op: (i) => raw[i % total] },
    { name: 'JSON.parse', op: (i) => JSON.parse(raw[i % total]) },
    { name: 'JSON.parse + ours', op: () => middleware({ method: 'POST', headers, body: JSON.parse(raw[seen++]) }, res, next) },
    // The floor sees the same deliveries in the same order, once each (lib/webhook-floor.mjs).
    { name: 'JSON.parse + floor', op: () => floor(JSON.parse(raw[floorSeen++])) },
  ],
  rounds: ROUNDS,
  opsPerRound: OPS,
  warmupOps: WARMUP / 2,
});
const parse = result.diff('JSON.parse');
const observe = result.diff('JSON.parse + ours', 'JSON.parse');
const floorCost = result.diff('JSON.parse + floor', 'JSON.parse');
console.log(
  `webhooks: ${seen} deliveries observed (${(bytes / 1024).toFixed(1)} KiB on average); JSON.parse ${us(parse)}, observing ${us(observe)} per delivery, the floor ${us(floorCost)} (${(floorCost / parse).toFixed(2)}× JSON.parse); ` +
    `spans: ${sdk.spanCount('opentelemetry-instrumentation-whatsapp-calling')} call spans (floor ${sdk.spanCount('webhook-floor')}), calls still followed: ${ours.callPath.tracker.liveCount}`,
);
row({
  what: 'observing one webhook delivery',
  budget: '≤ 2× JSON.parse of the same body',
  measured: `${us(observe)} = ${(observe / parse).toFixed(2)}× JSON.parse`,
  baseline: `JSON.parse ${us(parse)} (${(bytes / 1024).toFixed(1)} KiB bodies, a call's deliveries); floor ${us(floorCost)} = ${(floorCost / parse).toFixed(2)}× JSON.parse`,
  verdict: verdict(observe <= 2 * parse),
});
ours.disable();
