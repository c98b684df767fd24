/**
 * The span contract and both metrics, for every HTTP client our users call the Graph API with,
 * against the loopback Cloud API sandbox over plain HTTP and over TLS.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { CLIENT_NAMES, send } from './helpers/clients';
import { countOf, createHarness, eventually, sumOf } from './helpers/otel-harness';

const PHONE = '106540352242922';
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-pwd:SECRETPWD\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

let plain: Sandbox;
let tls: Sandbox;
const harness = createHarness();

beforeAll(async () => {
  plain = await startSandbox();
  tls = await startSandbox({ tls: true });
  harness.instrumentation.setConfig({ graphApiBaseUrls: [plain.url, tls.url] });
});
afterAll(async () => {
  await plain.close();
  await tls.close();
});
beforeEach(() => harness.reset());

const connectBody = (to = '14085551234') => JSON.stringify({ messaging_product: 'whatsapp', to, action: 'connect', session: { sdp_type: 'offer', sdp: SDP } });

describe.each(CLIENT_NAMES)('%s', (client) => {
  for (const secure of [false, true]) {
    const sb = () => (secure ? tls : plain);
    const ca = () => (secure ? tls.ca : undefined);

    it(`records a connect as one CLIENT span with the call id, request id and trace ids (${secure ? 'https' : 'http'})`, async () => {
      const res = await send(client, { method: 'POST', url: `${sb().url}/v23.0/${PHONE}/calls`, body: connectBody(), ca: ca() });
      expect(res.status).toBe(200);
      const recorded = sb().requests.at(-1)!;
      const [span] = await eventually(() => harness.whatsappSpans().length === 1 && harness.whatsappSpans());
      expect(span.name).toBe('whatsapp calls.connect');
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes).toMatchObject({
        'whatsapp.operation': 'calls.connect',
        'whatsapp.signaling': 'graph_api',
        'whatsapp.phone_number_id': PHONE,
        'whatsapp.call.action': 'connect',
        'whatsapp.call.direction': 'business_initiated',
        'whatsapp.call.id': JSON.parse(recorded.responseBody).calls[0].id,
        'whatsapp.request.id': recorded.responseHeaders['x-fb-request-id'],
        'whatsapp.fbtrace_id': recorded.responseHeaders['x-fb-trace-id'],
        'whatsapp.api.version': 'v23.0',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
      });
      expect(span.attributes['error.type']).toBeUndefined();
    });
  }

  it('records a Graph error with code, category, error.type, Meta message and a remedy event', async () => {
    const res = await send(client, { method: 'POST', url: `${plain.url}/v23.0/${PHONE}/calls`, body: connectBody('15550138006') });
    expect(res.status).toBe(401);
    const [span] = await eventually(() => harness.whatsappSpans().length === 1 && harness.whatsappSpans());
    const recorded = plain.requests.at(-1)!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: JSON.parse(recorded.responseBody).error.message });
    expect(span.attributes).toMatchObject({
      'whatsapp.error.code': 138006,
      'whatsapp.error.type': 'OAuthException',
      'whatsapp.error.category': 'permission',
      'error.type': '138006',
      'whatsapp.fbtrace_id': JSON.parse(recorded.responseBody).error.fbtrace_id,
    });
    const remedy = span.events.find((e) => e.name === 'whatsapp.error.remedy');
    expect(String(remedy?.attributes?.['whatsapp.error.remedy']).length).toBeGreaterThan(10);
  });

  it('never records the access token, the SDP or the consumer number', async () => {
    await send(client, { method: 'POST', url: `${plain.url}/v23.0/${PHONE}/calls`, body: connectBody('14085559876') });
    const [span] = await eventually(() => harness.whatsappSpans().length === 1 && harness.whatsappSpans());
    const exported = JSON.stringify({ a: span.attributes, e: span.events, s: span.status });
    expect(exported).not.toContain('test-token');
    expect(exported).not.toContain('SECRETPWD');
    expect(exported).not.toContain('14085559876');
  });
});

describe('metrics', () => {
  it('records operation duration per operation and number, and errors by category', async () => {
    const before = await harness.metric('whatsapp.calling.errors');
    const errorsBefore = sumOf(before, { 'whatsapp.error.category': 'concurrency_limit' });
    const durationBefore = countOf(await harness.metric('whatsapp.calling.operation.duration'), { 'whatsapp.operation': 'calls.accept' });
    await send('fetch', {
      method: 'POST',
      url: `${plain.url}/v23.0/${PHONE}/calls`,
      body: JSON.stringify({ messaging_product: 'whatsapp', call_id: 'wacid.ABC', action: 'accept', session: { sdp_type: 'answer', sdp: SDP } }),
    });
    plain.failNext(138002);
    await send('axios', { method: 'POST', url: `${plain.url}/v23.0/${PHONE}/calls`, body: connectBody() });
    await eventually(() => harness.whatsappSpans().length === 2);
    const duration = await harness.metric('whatsapp.calling.operation.duration');
    expect(duration?.descriptor.unit).toBe('s');
    expect(
      countOf(duration, { 'whatsapp.operation': 'calls.accept', 'whatsapp.signaling': 'graph_api', 'whatsapp.phone_number_id': PHONE }) - durationBefore,
    ).toBe(1);
    expect(countOf(duration, { 'whatsapp.operation': 'calls.connect', 'error.type': '138002' })).toBeGreaterThanOrEqual(1);
    const errors = await harness.metric('whatsapp.calling.errors');
    expect(
      sumOf(errors, { 'whatsapp.error.category': 'concurrency_limit', 'error.type': '138002', 'whatsapp.operation': 'calls.connect' }) - errorsBefore,
    ).toBe(1);
    for (const point of [...(duration?.dataPoints ?? []), ...(errors?.dataPoints ?? [])]) {
      expect(Object.keys(point.attributes)).not.toContain('whatsapp.call.id');
      expect(Object.keys(point.attributes)).not.toContain('whatsapp.user.id');
    }
  });
});
