// One variant of the HTTP benchmark, in its own process (see lockstep.mjs):
//   bare | instrumentation-undici | instrumentation-http | ours | ours-other-host | floor (paired: off and on in this process)
// argv: sandboxUrl client(fetch|axios) variant [buildDir]
import { createRequire } from 'node:module';
import { connectBody, createFloor, PHONE_NUMBER_ID, requestHeaders } from './graph-fixtures.mjs';
import { serveLockstep } from './lockstep.mjs';
import { createSdk } from './sdk.mjs';

const [sandboxUrl, client, variant, build = '../..'] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const sdk = createSdk();
// An HTTP instrumentation is created before the client is loaded (instrumentation-http hooks `http`).
const httpInst =
  variant === 'instrumentation-undici'
    ? new (require('@opentelemetry/instrumentation-undici').UndiciInstrumentation)()
    : variant === 'instrumentation-http'
      ? new (require('@opentelemetry/instrumentation-http').HttpInstrumentation)()
      : undefined;
if (httpInst) sdk.attach(httpInst).enable();
const axios = client === 'axios' ? require('axios') : undefined;
const OURS_SCOPE = 'opentelemetry-instrumentation-whatsapp-calling';
if (variant === 'ours' || variant === 'ours-other-host') {
  const { WhatsAppCallingInstrumentation } = require(`${build}/build/src/index.js`);
  const graphApiBaseUrls = variant === 'ours' ? [sandboxUrl] : ['https://graph.facebook.com'];
  sdk.attach(new WhatsAppCallingInstrumentation({ graphApiBaseUrls })).enable();
}
const url = `${sandboxUrl}/v23.0/${PHONE_NUMBER_ID}/calls`;
const urlObject = new URL(url);
const bodies = Array.from({ length: 1000 }, (_, i) => connectBody(i));
// The floor: its extra work switched on and off inside this process (lockstep.mjs, `paired`).
const floorWork = variant === 'floor' ? createFloor(sdk) : undefined;
let floor;

// The app's side of one request: send the connect, read the text, parse it (the same in every variant).
const send =
  client === 'fetch'
    ? async (body) => {
        const res = await fetch(url, { method: 'POST', headers: requestHeaders, body });
        return { status: res.status, text: await res.text() };
      }
    : async (body) => {
        const res = await axios.post(url, body, { headers: requestHeaders, responseType: 'text', transformResponse: [(d) => d] });
        return { status: res.status, text: res.data };
      };

serveLockstep(
  async (i) => {
    const start = performance.timeOrigin + performance.now();
    const body = bodies[i % bodies.length];
    const { status, text } = await send(body);
    if (status !== 200) throw new Error(`sandbox answered ${status}: ${text}`);
    JSON.parse(text);
    floor?.(body, text, start, status, urlObject);
  },
  () => ({ spans: { ours: sdk.spanCount(OURS_SCOPE), floor: sdk.spanCount('floor'), http: sdk.spanCount(httpInst?.instrumentationName) } }),
  floorWork && { on: () => (floor = floorWork), off: () => (floor = undefined) },
);
