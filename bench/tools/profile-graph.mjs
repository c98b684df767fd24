// A steady loop of Graph connects under the CPU profiler (what `node --cpu-prof` records, started
// after a warm-up so module loading and JIT stay out): the same requests, SDK and sandbox as the
// benchmark, with one variant switched on for the whole run. Compare an `ours` profile with a `bare`
// one using summarize-cpuprofile.mjs.
//   node bench/tools/profile-graph.mjs --client fetch|axios --variant ours|bare|http [--ops 4000] [--out ours.cpuprofile]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { connectBody, PHONE_NUMBER_ID, requestHeaders } from '../lib/graph-fixtures.mjs';
import { startCpuProfile } from '../lib/profiling.mjs';
import { startSandboxChild } from '../lib/sandbox-child.mjs';
import { createSdk } from '../lib/sdk.mjs';

const { values: args } = parseArgs({
  options: {
    client: { type: 'string', default: 'fetch' },
    variant: { type: 'string', default: 'ours' },
    ops: { type: 'string', default: '3000' },
    host: { type: 'string', default: 'graph' },
    out: { type: 'string' },
    interval: { type: 'string', default: '100' },
  },
});
const require = createRequire(import.meta.url);
const sdk = createSdk();
const isFetch = args.client === 'fetch';
const httpInst =
  args.variant === 'http'
    ? sdk.attach(
        isFetch
          ? new (require('@opentelemetry/instrumentation-undici').UndiciInstrumentation)()
          : new (require('@opentelemetry/instrumentation-http').HttpInstrumentation)(),
      )
    : undefined;
const axios = isFetch ? undefined : require('axios');
const { WhatsAppCallingInstrumentation } = require('../../build/src/index.js');
const sandbox = await startSandboxChild();
const ours = sdk.attach(new WhatsAppCallingInstrumentation({ graphApiBaseUrls: [args.host === 'graph' ? sandbox.url : 'https://graph.facebook.com'] }));
if (args.variant === 'ours') ours.enable();
httpInst?.enable();
const url = `${sandbox.url}/v23.0/${PHONE_NUMBER_ID}/calls`;
const bodies = Array.from({ length: 1000 }, (_, i) => connectBody(i));
const send = isFetch
  ? async (body) => (await fetch(url, { method: 'POST', headers: requestHeaders, body })).text()
  : async (body) => (await axios.post(url, body, { headers: requestHeaders, responseType: 'text', transformResponse: [(d) => d] })).data;
for (let i = 0; i < 1000; i++) JSON.parse(await send(bodies[i % bodies.length])); // warm-up
const out = args.out ?? `${args.client}-${args.variant}.cpuprofile`;
const profiler = await startCpuProfile(out, Number(args.interval));
const c0 = process.cpuUsage();
const ops = Number(args.ops);
for (let i = 0; i < ops; i++) JSON.parse(await send(bodies[i % bodies.length]));
const c = process.cpuUsage(c0);
await profiler.stop();
console.log(
  `${args.client} ${args.variant}: ${((c.user + c.system) / ops).toFixed(0)} µs CPU per request over ${ops}; spans: ours ${sdk.spanCount('opentelemetry-instrumentation-whatsapp-calling')}; profile: ${out}`,
);
await sandbox.close();
