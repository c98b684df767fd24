// Overhead of the instrumentation on Graph API requests, as a ratio against the same requests in the
// same process with the instrumentation disabled (alternating rounds, so machine noise hits both).
// Bounded: ROUNDS × REQUESTS requests per client. Run: npm run bench
import * as http from 'node:http';
import axios from 'axios';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WhatsAppCallingInstrumentation } = require('../build/src/index.js');

const ROUNDS = 6;
const REQUESTS = 300;
const body = JSON.stringify({ messaging_product: 'whatsapp', action: 'accept', call_id: 'wacid.HBgLMTIxODU1NTI4MjgVAgARGCAy', session: { sdp_type: 'answer', sdp: 'v=0\r\n'.repeat(40) } });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'x-fb-request-id': 'AV0GLCT7Ncn-pOkJg0pkQMR', 'x-fb-trace-id': 'DPsOqE2Ubys' }).end('{"messaging_product":"whatsapp","success":true}'));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const url = `${base}/v23.0/106540352242922/calls`;

const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ export: (_s, cb) => cb({ code: 0 }), shutdown: async () => {} })] });
const inst = new WhatsAppCallingInstrumentation({ graphApiBaseUrls: [base] });
inst.setTracerProvider(tracerProvider);
inst.setMeterProvider(new MeterProvider());

const headers = { 'content-type': 'application/json', authorization: 'Bearer x' };
// Same server under another name: traffic the instrumentation must pass through untouched.
const otherUrl = url.replace('127.0.0.1', 'localhost');
const clients = {
  'fetch (Graph)': async () => (await fetch(url, { method: 'POST', headers, body })).text(),
  'axios (Graph)': async () => (await axios.post(url, body, { headers })).data,
  'fetch (other host)': async () => (await fetch(otherUrl, { method: 'POST', headers, body })).text(),
  'axios (other host)': async () => (await axios.post(otherUrl, body, { headers })).data,
};

for (const [name, call] of Object.entries(clients)) {
  const time = { off: 0, on: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? ['on', 'off'] : ['off', 'on']) {
      mode === 'on' ? inst.enable() : inst.disable();
      const t0 = performance.now();
      for (let i = 0; i < REQUESTS; i++) await call();
      time[mode] += performance.now() - t0;
    }
  }
  const n = (ROUNDS * REQUESTS);
  const perRequestMs = (time.on - time.off) / n;
  console.log(`${name}: ${perRequestMs.toFixed(3)} ms added per request; bare ${(n / time.off * 1000).toFixed(0)} req/s, instrumented ${(n / time.on * 1000).toFixed(0)} req/s, time ratio instrumented/bare ${(time.on / time.off).toFixed(3)}`);
}
server.close();
