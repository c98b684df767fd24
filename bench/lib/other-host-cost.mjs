// The work ours adds to a request that is not for the Graph API. Whole requests vary by far more
// than the ≤ 1 µs being checked, so the request is made without the network, everything else as in
// a real one:
//  - fetch/undici: a request as undici's (lib/undici-request.mjs) to another origin: its create
//    message, and the response messages it publishes when anyone subscribes to them;
//  - node:http (axios, got…): a real ClientRequest to another host on an in-memory socket, through our
//    write/end/destroy taps, and the response-finish message node publishes because we subscribe.
// In one process (between processes the same loop differs by several µs): ours enabled once, its two
// HTTP sources then switched off and on between interleaved rounds, with a second "off" variant as
// the A/A. The first measurement in a process runs while V8 re-optimises the taps at each switch —
// something no application does — so it is repeated and the second one reported.
import * as diagch from 'node:diagnostics_channel';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import { cpuRounds, median } from './cpu-rounds.mjs';
import { connectBody, requestHeaders } from './graph-fixtures.mjs';
import { ReplayUndiciRequest } from './undici-request.mjs';

const require = createRequire(import.meta.url);
const body = connectBody(0);
const rawResponseHeaders = [
  'content-type',
  'application/json',
  'content-length',
  '50',
  'date',
  'Wed, 02 Dec 2026 03:00:00 GMT',
  'connection',
  'keep-alive',
].map((s) => Buffer.from(s));
const rawRequestHeaders = Object.entries(requestHeaders).flat();

/** One request to another host, as the client library drives it. */
export function otherHostRequest(client) {
  if (client === 'fetch') {
    const data = Buffer.from('{}');
    return () => {
      const request = new ReplayUndiciRequest({ origin: 'https://api.example.com', method: 'POST', path: '/v1/orders', headers: rawRequestHeaders, body });
      request.onHeaders(200, rawResponseHeaders, () => {}, 'OK');
      request.onData(data);
      request.onComplete([]);
    };
  }
  const finish = diagch.channel('http.client.response.finish');
  const socket = () =>
    new Duplex({
      read() {},
      write(_c, _e, cb) {
        cb();
      },
    });
  const response = { statusCode: 200, headers: { 'content-type': 'application/json' }, emit() {} };
  return async () => {
    const request = http.request({ host: 'api.example.com', port: 443, method: 'POST', path: '/v1/orders', headers: requestHeaders, createConnection: socket });
    request.on('error', () => {});
    request.write(body);
    request.end();
    if (finish.hasSubscribers) finish.publish({ request, response });
    request.destroy();
    await new Promise((resolve) => setImmediate(resolve)); // the request's own ticks run inside the batch
  };
}

/** µs of CPU ours adds per request to another host: { cost, aa (off vs off), bare }. */
export async function measureOtherHostCost(client, build = '../..') {
  const { WhatsAppCallingInstrumentation } = require(`${build}/build/src/index.js`);
  const ours = new WhatsAppCallingInstrumentation({ graphApiBaseUrls: ['https://graph.facebook.com'] });
  ours.enable();
  await new Promise((resolve) => setTimeout(resolve, 500)); // the SIP side's start-up work (a DNS lookup) settles
  // The undici and node:http sources: the instrumentation's first two (see instrumentation.ts).
  const httpSources = ours._sources.slice(0, 2);
  const setHttp = (on) => httpSources.forEach((source) => (on ? source.enable() : source.disable()));
  setHttp(false);
  const op = otherHostRequest(client);
  const n = client === 'fetch' ? 2_000 : 200;
  const measure = () =>
    cpuRounds({
      variants: [
        { name: 'off', op },
        { name: 'on', op, enable: () => setHttp(true), disable: () => setHttp(false) },
        { name: 'off-2', op },
      ],
      rounds: 150,
      opsPerRound: n,
      warmupOps: 5 * n,
    });
  await measure(); // V8 settling (see above)
  const result = await measure();
  ours.disable();
  return { cost: result.diff('on'), aa: result.diff('off-2'), bare: median(result.perOp.off) };
}
