// Our own CPU per webhook delivery in a tight loop, under the CPU profiler: the deliveries of
// webhook.bench.mjs (UIC and BIC calls, every delivery of each, call spans and metrics at each call's
// end) through the Express middleware, after the app's JSON parse. For finding where the time goes.
//   node bench/tools/replay-webhooks.mjs [--n 60000] [--profile webhooks.cpuprofile]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { SDP_OFFER } from '../lib/graph-fixtures.mjs';
import { startCpuProfile } from '../lib/profiling.mjs';
import { createSdk } from '../lib/sdk.mjs';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '60000' }, profile: { type: 'string' } } });
const require = createRequire(import.meta.url);
const { createWebhooks } = require('../../build/sandbox/webhooks.js');
const { WhatsAppCallingInstrumentation } = require('../../build/src/index.js');

const sdk = createSdk();
const ours = sdk.attach(new WhatsAppCallingInstrumentation({ callSettleMs: 0 }));
ours.enable();
const middleware = ours.expressWebhookMiddleware();
const now = Date.now();
const hooks = createWebhooks(() => now, { started() {}, ended() {} });
const run = now.toString(36);
const n = Number(args.n);
const bodies = [];
for (let k = 0; bodies.length < n + 2000; k++) {
  const callId = `wacid.HBgLMTQwODU1NTEyMzQVAgASGCA${run}${String(k).padStart(8, '0')}`;
  const user = `1408555${String(k % 10_000).padStart(4, '0')}`;
  const t = Math.floor(now / 1000);
  const direction = k % 2 === 0 ? 'USER_INITIATED' : 'BUSINESS_INITIATED';
  bodies.push(hooks.connect({ callId, direction, user, timestamp: t, sdp: SDP_OFFER }));
  if (direction === 'BUSINESS_INITIATED') {
    bodies.push(hooks.status({ callId, status: 'RINGING', user, timestamp: t + 1 }));
    bodies.push(hooks.status({ callId, status: 'ACCEPTED', user, timestamp: t + 4 }));
  }
  bodies.push(hooks.terminate({ callId, direction, user, timestamp: t + 65, durationS: 60 }));
}
const parsed = bodies.map((b) => JSON.parse(JSON.stringify(b)));
const headers = { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=0' };
const res = {};
const next = () => {};
let seen = 0;
const deliver = () => middleware({ method: 'POST', headers, body: parsed[seen++] }, res, next);
for (let i = 0; i < 2000; i++) deliver();
const profiler = await startCpuProfile(args.profile);
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) deliver();
const cpu = process.cpuUsage(t0);
console.log(
  `${((cpu.user + cpu.system) / n).toFixed(2)} µs CPU per delivery (${n} deliveries, loop included); call spans: ${sdk.spanCount('opentelemetry-instrumentation-whatsapp-calling')}`,
);
await profiler.stop();
if (args.profile) console.log(`profile: ${args.profile}`);
ours.disable();
