// Our own CPU per Graph exchange, without the network: replays what undici does for one fetch connect
// (request create with a streamed body, response headers, gzip body chunk, completion: lib/undici-request.mjs)
// into the real instrumentation, in a tight loop. No sockets, so the
// figure is steady to a fraction of a µs: the tool for finding and checking optimisations. The
// benchmark rows themselves are measured on real requests (http-overhead.bench.mjs).
//   node bench/tools/replay-graph.mjs [--n 20000] [--profile out.cpuprofile]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import { connectBody, createFloor, PHONE_NUMBER_ID } from '../lib/graph-fixtures.mjs';
import { cpuRounds } from '../lib/cpu-rounds.mjs';
import { printAllocations, startCpuProfile } from '../lib/profiling.mjs';
import { createSdk } from '../lib/sdk.mjs';
import { replayUndiciExchange } from '../lib/undici-request.mjs';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    profile: { type: 'string' },
    compare: { type: 'string' },
    build: { type: 'string', default: '../..' },
    rounds: { type: 'string', default: '20' },
    'alloc-top': { type: 'string' },
  },
});
const require = createRequire(import.meta.url);
const sdk = createSdk();
// --build DIR: measure another build of the package (e.g. the last commit's, compiled elsewhere).
const { WhatsAppCallingInstrumentation } = require(`${args.build}/build/src/index.js`);
const origin = 'http://127.0.0.1:40999';
const ours = sdk.attach(new WhatsAppCallingInstrumentation({ graphApiBaseUrls: [origin] }));
// --compare DIR: another build of the package (e.g. the last commit's) measured in the same rounds.
const other = args.compare
  ? sdk.attach(new (require(`${args.compare}/build/src/index.js`).WhatsAppCallingInstrumentation)({ graphApiBaseUrls: [origin] }))
  : undefined;

const bodies = Array.from({ length: 1000 }, (_, i) => new TextEncoder().encode(connectBody(i)));
const requestHeaders = [
  'content-type',
  'application/json',
  'authorization',
  'Bearer EAAGm0PX4ZCpsBAKZCbenchtoken',
  'accept',
  '*/*',
  'accept-language',
  '*',
  'sec-fetch-mode',
  'cors',
  'user-agent',
  'node',
  'accept-encoding',
  'gzip, deflate',
];
const rawResponseHeaders = (i) =>
  [
    'content-type',
    'application/json; charset=UTF-8',
    'vary',
    'Accept-Encoding',
    'x-fb-trace-id',
    `DPsOqE2Ub${String(i % 100).padStart(2, '0')}`,
    'x-fb-request-id',
    `AV0GLCT7Ncn-pOkJg0p${String(i).padStart(4, '0')}`,
    'x-fb-rev',
    '1002345678',
    'facebook-api-version',
    'v23.0',
    'strict-transport-security',
    'max-age=15552000; preload',
    'cache-control',
    'private, no-cache, no-store, must-revalidate',
    'pragma',
    'no-cache',
    'expires',
    'Sat, 01 Jan 2000 00:00:00 GMT',
    'access-control-allow-origin',
    '*',
    'x-fb-debug',
    'x'.repeat(88),
    'content-encoding',
    'gzip',
    'content-length',
    '110',
    'date',
    'Wed, 02 Dec 2026 03:00:00 GMT',
    'connection',
    'keep-alive',
    'keep-alive',
    'timeout=5',
  ].map((s) => Buffer.from(s));
// Every exchange a new call, as in real traffic (ids made unique by a per-run prefix and the index).
const run = Date.now().toString(36);
const responseTextOf = (i) => `{"messaging_product":"whatsapp","calls":[{"id":"wacid.HBgLMTIxODU1NTI4MjgV${run}${String(i).padStart(7, '0')}"}]}`;
const responseOf = (i) => zlib.gzipSync(responseTextOf(i));

async function* streamOf(bytes) {
  yield bytes;
}

let seq = 0;
/** One exchange, as undici 6 (Node 20's fetch) drives it. */
async function exchange(i) {
  const responseBody = responseOf(seq);
  const responseHeaders = rawResponseHeaders(seq++);
  await replayUndiciExchange(
    { origin, method: 'POST', path: `/v23.0/${PHONE_NUMBER_ID}/calls`, headers: requestHeaders, body: streamOf(bodies[i % 1000]) },
    { rawHeaders: responseHeaders, body: responseBody },
  );
  if (floorOn) floor(decoder.decode(bodies[i % 1000]), responseTextOf(seq - 1), performance.timeOrigin + performance.now(), 200, originUrl);
}

// The floor, on the same bytes: both bodies decoded and parsed, one span, one histogram point.
const floor = createFloor(sdk);
const originUrl = new URL(origin);
const decoder = new TextDecoder();
let floorOn = false;
const n = Number(args.n);
const result = await cpuRounds({
  variants: [
    { name: 'bare', op: exchange },
    { name: 'ours', enable: () => ours.enable(), disable: () => ours.disable(), op: exchange },
    { name: 'floor', enable: () => (floorOn = true), disable: () => (floorOn = false), op: exchange },
    ...(other ? [{ name: 'compared', enable: () => other.enable(), disable: () => other.disable(), op: exchange }] : []),
  ],
  rounds: Number(args.rounds),
  opsPerRound: Math.ceil(n / Number(args.rounds)),
  warmupOps: 2000,
});
const o = result.diff('ours');
const f = result.diff('floor');
console.log(
  `replayed fetch connect: ours adds ${o.toFixed(2)} µs CPU per exchange, the floor ${f.toFixed(2)} µs (app-decoded bodies), ratio ${(o / f).toFixed(2)}; ` +
    (other ? `compared build adds ${result.diff('compared').toFixed(2)} µs (ratio ${(result.diff('compared') / f).toFixed(2)}); ` : '') +
    `spans: ${sdk.spanCount('opentelemetry-instrumentation-whatsapp-calling')}, tracked calls: ${ours.callPath.tracker.liveCount}`,
);
// --alloc-top N: which functions allocate the most bytes per exchange (V8 sampling heap profiler;
// garbage included, which is what the GC's share of our CPU time comes from).
if (args['alloc-top']) {
  // Sampled sizes are scaled estimates of everything allocated while ours was on (the replay's own
  // allocations too: compare with a run where ours is off to separate them).
  ours.enable();
  await printAllocations(
    async () => {
      for (let i = 0; i < n; i++) await exchange(i);
    },
    n,
    Number(args['alloc-top']),
    'exchange (ours on)',
  );
  ours.disable();
}
if (args.profile) {
  ours.enable();
  const profiler = await startCpuProfile(args.profile);
  for (let i = 0; i < n; i++) await exchange(i);
  await profiler.stop();
  console.log(`profile of ${n} exchanges: ${args.profile}`);
}
