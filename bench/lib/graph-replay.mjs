// A Graph connect without the network: what the client library does around it, fed through the
// instrumentation's real entry points — for fetch/undici a request as undici's (undici-request.mjs:
// request create, the streamed body through onBodySent, response headers, one gzip body chunk
// through onData, completion); for node:http a real ClientRequest on an in-memory socket (our
// write/end taps) and a real IncomingMessage announced on `http.client.response.finish` whose
// 'data'/'end' we see. No sockets, so CPU per exchange is steady to a fraction of a µs on machines
// where whole requests vary by tens of µs. Every exchange is a new call (a new call id).
import * as diagch from 'node:diagnostics_channel';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { cpuRounds, median } from './cpu-rounds.mjs';
import { connectBody, createFloor, PHONE_NUMBER_ID, requestHeaders } from './graph-fixtures.mjs';
import { replayUndiciExchange } from './undici-request.mjs';

const require = createRequire(import.meta.url);
export const REPLAY_ORIGIN = 'http://127.0.0.1:40999';
const PATH = `/v23.0/${PHONE_NUMBER_ID}/calls`;
const run = Date.now().toString(36);
const responseText = (i) => `{"messaging_product":"whatsapp","calls":[{"id":"wacid.HBgLMTIxODU1NTI4MjgV${run}${String(i).padStart(8, '0')}"}]}`;
const responseHeaders = (i) => ({
  'content-type': 'application/json; charset=UTF-8',
  vary: 'Accept-Encoding',
  'x-fb-trace-id': `DPsOqE2Ub${String(i % 100).padStart(2, '0')}`,
  'x-fb-request-id': `AV0GLCT7Ncn-pOkJg${String(i).padStart(6, '0')}`,
  'x-fb-rev': '1002345678',
  'facebook-api-version': 'v23.0',
  'strict-transport-security': 'max-age=15552000; preload',
  'cache-control': 'private, no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: 'Sat, 01 Jan 2000 00:00:00 GMT',
  'access-control-allow-origin': '*',
  'x-fb-debug': 'x'.repeat(88),
  'content-encoding': 'gzip',
  'content-length': '110',
  date: 'Wed, 02 Dec 2026 03:00:00 GMT',
  connection: 'keep-alive',
  'keep-alive': 'timeout=5',
});

/** n exchanges' inputs, prepared ahead (the compression is not part of any variant). */
export function prepareExchanges(n) {
  return Array.from({ length: n }, (_, i) => {
    const text = responseText(i);
    const headers = responseHeaders(i);
    return {
      body: connectBody(i),
      gzip: zlib.gzipSync(text),
      text,
      headers,
      rawHeaders: Object.entries(headers)
        .flat()
        .map((s) => Buffer.from(s)),
    };
  });
}

async function* bodyStream(bytes) {
  yield bytes;
}

/** One exchange as fetch (undici 6, Node 20) drives it. */
export function undiciExchange() {
  const encoder = new TextEncoder();
  const rawRequestHeaders = [...Object.entries(requestHeaders).flat(), 'accept', '*/*', 'accept-encoding', 'gzip, deflate', 'user-agent', 'node'];
  return (x) =>
    replayUndiciExchange(
      { origin: REPLAY_ORIGIN, method: 'POST', path: PATH, headers: rawRequestHeaders, body: bodyStream(encoder.encode(x.body)) },
      { rawHeaders: x.rawHeaders, body: x.gzip },
    );
}

/** One exchange as node:http clients (axios, got…) drive it. */
export function nodeHttpExchange() {
  const finish = diagch.channel('http.client.response.finish');
  const socket = () =>
    new Duplex({
      read() {},
      write(_c, _e, cb) {
        cb();
      },
    });
  const { hostname, port } = new URL(REPLAY_ORIGIN);
  return async (x) => {
    const request = http.request({ host: hostname, port, method: 'POST', path: PATH, headers: requestHeaders, createConnection: socket });
    request.on('error', () => {});
    request.end(x.body);
    await new Promise((resolve) => process.nextTick(resolve)); // node attaches the socket: long before any response
    const response = new http.IncomingMessage(socket());
    response.statusCode = 200;
    response.headers = x.headers;
    if (finish.hasSubscribers) finish.publish({ request, response });
    response.emit('data', x.gzip);
    response.emit('end');
    // As node leaves a request whose response completed (otherwise destroy() emits a "socket hang up"
    // error: an error object per exchange, which a completed exchange doesn't make).
    request.res = response;
    response.complete = true;
    request.destroy();
    await new Promise((resolve) => process.nextTick(resolve)); // the request's own ticks (queued first) run inside the round
  };
}

/**
 * µs of CPU per exchange: { ours, floor, floorAlone, aa, bare } — ours' HTTP sources switched off
 * and on between interleaved rounds (the second measurement of two: see other-host-cost.mjs), the
 * floor's work done after each exchange (on the app's decoded bodies, as in requests) likewise, a
 * second "off" as the A/A. Like against like: in a tight loop of its own the floor's work costs far
 * less (`floorAlone`) than amid exchanges, as would ours.
 */
export async function measureReplay(client, sdk, build = '../..') {
  const { WhatsAppCallingInstrumentation } = require(`${build}/build/src/index.js`);
  const ours = sdk.attach(new WhatsAppCallingInstrumentation({ graphApiBaseUrls: [REPLAY_ORIGIN] }));
  ours.enable();
  await new Promise((resolve) => setTimeout(resolve, 500)); // the SIP side's start-up work settles
  const httpSources = ours._sources.slice(0, 2);
  const setHttp = (on) => httpSources.forEach((source) => (on ? source.enable() : source.disable()));
  setHttp(false);
  const floorWork = createFloor(sdk);
  const url = new URL(REPLAY_ORIGIN + PATH);
  let floorOn = false;
  const exchange = client === 'fetch' ? undiciExchange() : nodeHttpExchange();
  const opsPerRound = 60;
  const rounds = 60;
  const inputs = prepareExchanges(2 * (rounds + 4) * opsPerRound * 4);
  let next = 0;
  const op = async () => {
    const x = inputs[next++ % inputs.length];
    const start = performance.timeOrigin + performance.now();
    await exchange(x);
    if (floorOn) floorWork(x.body, x.text, start, 200, url);
  };
  const measure = () =>
    cpuRounds({
      variants: [
        { name: 'off', op },
        { name: 'ours', op, enable: () => setHttp(true), disable: () => setHttp(false) },
        { name: 'floor', op, enable: () => (floorOn = true), disable: () => (floorOn = false) },
        { name: 'off-2', op },
      ],
      rounds,
      opsPerRound,
      warmupOps: opsPerRound,
    });
  await measure();
  const result = await measure();
  ours.disable();
  const start = performance.timeOrigin + performance.now();
  const alone = await cpuRounds({
    variants: [
      { name: 'none', op: (i) => inputs[i % inputs.length] },
      {
        name: 'floor',
        op: (i) => {
          const x = inputs[i % inputs.length];
          floorWork(x.body, x.text, start, 200, url);
        },
      },
    ],
    rounds: 30,
    opsPerRound: 500,
    warmupOps: 2000,
  });
  return { ours: result.diff('ours'), floor: result.diff('floor'), floorAlone: alone.diff('floor'), aa: result.diff('off-2'), bare: median(result.perOp.off) };
}
