// Our own CPU per call signal on the call path alone (CallPath.ingest → tracker → in-memory store →
// call span and metrics at the end), in a tight loop: whole calls as a Graph-placed business-initiated
// call sees them — connect (with its operation span and parent context), then, for a share of calls,
// the terminate request that ends it — so the live set stays bounded as in real traffic.
//   node bench/tools/replay-call-path.mjs [--n 200000] [--live 2000] [--profile calls.cpuprofile] [--build DIR]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { context, trace } from '@opentelemetry/api';
import { printAllocations, startCpuProfile } from '../lib/profiling.mjs';
import { createSdk } from '../lib/sdk.mjs';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    live: { type: 'string', default: '2000' },
    profile: { type: 'string' },
    build: { type: 'string', default: '../..' },
    'alloc-top': { type: 'string' },
  },
});
const require = createRequire(import.meta.url);
const sdk = createSdk();
const { WhatsAppCallingInstrumentation } = require(`${args.build}/build/src/index.js`);
const ours = sdk.attach(new WhatsAppCallingInstrumentation({ callSettleMs: 0 }));
ours.enable();
const calls = ours.callPath;
const tracer = sdk.tracerProvider.getTracer('app');
const appSpan = tracer.startSpan('app');
const parentContext = trace.setSpan(context.active(), appSpan);
const opSpan = tracer.startSpan('op').spanContext();
const run = Date.now().toString(36);
const live = Number(args.live);
let seq = 0;
/** One signal: the connect of call k, or (for calls `live` behind) its terminate request. */
function next() {
  const i = seq++;
  const k = i >> 1;
  const terminate = i & 1;
  const callKey = terminate ? k - live : k;
  if (callKey < 0) return undefined;
  const callId = `wacid.HBgLMTIxODU1NTI4MjgV${run}${String(callKey).padStart(8, '0')}`;
  const at = Date.now();
  return {
    callId,
    type: terminate ? 'terminate_request' : 'connect',
    source: 'graph_api',
    signaling: 'graph_api',
    at,
    dedupeKey: `graph|AV0GLCT7Ncn-pOkJg${String(i).padStart(8, '0')}`,
    phoneNumberId: '106540352242922',
    direction: 'business_initiated',
    consumer: terminate ? undefined : `1408555${String(callKey % 10_000).padStart(4, '0')}`,
    succeeded: true,
    requestId: `AV0GLCT7Ncn-pOkJg${String(i).padStart(8, '0')}`,
    bizOpaqueCallbackData: undefined,
    mediaSecurity: terminate ? undefined : 'dtls_srtp',
    errors: undefined,
    parentContext,
    operationSpan: opSpan,
  };
}
const ingest = () => {
  const s = next();
  if (s) calls.ingest({ calls: [s] });
};
const n = Number(args.n);
for (let i = 0; i < 20_000; i++) ingest();
const profiler = await startCpuProfile(args.profile);
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) ingest();
const cpu = process.cpuUsage(t0);
console.log(
  `call path: ours adds ${((cpu.user + cpu.system) / n).toFixed(2)} µs CPU per signal (floor 0 µs: loop included; ${n} signals, connect + terminate request per call); ` +
    `call spans: ${sdk.spanCount('opentelemetry-instrumentation-whatsapp-calling')}, live calls: ${calls.tracker.liveCount}`,
);
// --alloc-top N: which functions allocate the most bytes per signal (V8 sampling heap profiler,
// garbage included: what the GC's share of the CPU time comes from).
if (args['alloc-top']) {
  await printAllocations(
    () => {
      for (let i = 0; i < n; i++) ingest();
    },
    n,
    Number(args['alloc-top']),
    'signal',
  );
}
await profiler.stop();
if (args.profile) console.log(`profile: ${args.profile}`);
ours.disable();
