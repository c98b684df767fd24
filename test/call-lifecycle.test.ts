/**
 * Full call flows: the app calls the Graph API (sandbox) and receives Meta's webhooks (sent by the
 * sandbox over HTTP to real Express and Fastify apps). One `whatsapp call` span per call, its timeline,
 * its final status, and the call metrics.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox, WebhookDelivery } from '../sandbox';
import { send } from './helpers/clients';
import { countOf, createHarness, eventually, sumOf } from './helpers/otel-harness';
import { APP_SECRET, startWebhookApps } from './helpers/webhook-apps';
import type { WebhookApps } from './helpers/webhook-apps';

const PHONE = '106540352242922';
const USER = '14085551234';
const SDP = 'v=0\r\n';
const SRTP_KEY = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';
const DTLS_SDP = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:actpass\r\na=fingerprint:sha-256 AB:CD:EF\r\n';
const SDES_SDP = `v=0\r\nm=audio 9 RTP/SAVPF 111\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${SRTP_KEY}\r\n`;
const harness = createHarness({ callSettleMs: 60_000 });
let sb: Sandbox;
let apps: WebhookApps;

beforeAll(async () => {
  sb = await startSandbox();
  harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url], callSettleMs: 60_000 });
  apps = await startWebhookApps(harness.instrumentation);
});
afterAll(async () => {
  await apps.close();
  await sb.close();
});
beforeEach(() => harness.reset());

const graph = (body: object) =>
  send('fetch', { method: 'POST', url: `${sb.url}/v23.0/${PHONE}/calls`, body: JSON.stringify({ messaging_product: 'whatsapp', ...body }) });
const deliver = async (d: WebhookDelivery, url = apps.expressJsonUrl) => {
  const res = await sb.webhooks.send(url, d, { appSecret: APP_SECRET });
  expect(res.status).toBe(200);
};
const callSpans = () => harness.exporter.getFinishedSpans().filter((s) => s.name === 'whatsapp call');
const endCalls = () => harness.instrumentation.flushCalls();
const callSpanOf = async (wacid: string): Promise<ReadableSpan> => {
  endCalls();
  return eventually(() => callSpans().find((s) => s.attributes['whatsapp.call.id'] === wacid));
};
const now = () => Math.floor(Date.now() / 1000);

describe('business-initiated call', () => {
  it('is one call span from the connect request to the terminate webhook, linking its operation spans, in the trace that placed it', async () => {
    const placed = JSON.parse((await graph({ action: 'connect', to: USER, session: { sdp_type: 'offer', sdp: SDP } })).body.toString());
    const wacid: string = placed.calls[0].id;
    const requestId = sb.requests.at(-1)!.responseHeaders['x-fb-request-id'];
    const t = now();
    await deliver(sb.webhooks.connect({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER, timestamp: t }));
    await deliver(sb.webhooks.status({ callId: wacid, status: 'RINGING', user: USER, timestamp: t }), apps.fastifyUrl);
    await deliver(sb.webhooks.status({ callId: wacid, status: 'ACCEPTED', user: USER, timestamp: t + 5 }), apps.expressRawUrl);
    await deliver(sb.webhooks.terminate({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER, durationS: 95, timestamp: t + 100 }));
    const call = await callSpanOf(wacid);
    expect(call.kind).toBe(SpanKind.INTERNAL);
    expect(call.attributes).toMatchObject({
      'whatsapp.call.id': wacid,
      'whatsapp.call.direction': 'business_initiated',
      'whatsapp.call.status': 'completed',
      'whatsapp.call.duration': 95,
      'whatsapp.signaling': 'graph_api',
      'whatsapp.phone_number_id': PHONE,
      'whatsapp.request.id': requestId,
    });
    expect(call.events.map((e) => e.name)).toEqual([
      'whatsapp.graph_api.connect',
      'whatsapp.webhook.connect_answer',
      'whatsapp.webhook.status',
      'whatsapp.webhook.status',
      'whatsapp.webhook.terminate',
    ]);
    const op = harness.whatsappSpans().find((s) => s.name === 'whatsapp calls.connect')!;
    expect(call.links.map((l) => [l.context.spanId, l.attributes?.['whatsapp.link.type']])).toEqual([[op.spanContext().spanId, 'operation']]);
    expect(op.links).toEqual([]);
    // The call span hangs where the connect was made: here outside any app span, so under nothing but
    // in a trace of its own; its start is the connect's.
    expect(call.startTime).toEqual(op.startTime);
    expect(apps.handled.slice(-4).map((h) => h.route)).toEqual(['express-json', 'fastify', 'express-raw', 'express-json']);
    expect(apps.handled.find((h) => h.route === 'express-raw')?.signatureOk).toBe(true);
    expect(JSON.stringify(call.attributes) + JSON.stringify(call.events)).not.toContain(USER);
    expect(countOf(await harness.metric('whatsapp.calling.call.duration'), { 'whatsapp.call.direction': 'business_initiated' })).toBeGreaterThanOrEqual(1);
  });

  it('ends as unanswered when the user never picks up', async () => {
    const placed = JSON.parse((await graph({ action: 'connect', to: '15550000480', session: { sdp_type: 'offer', sdp: SDP } })).body.toString());
    await deliver(sb.webhooks.status({ callId: placed.calls[0].id, status: 'RINGING' }));
    await deliver(sb.webhooks.terminate({ callId: placed.calls[0].id, direction: 'BUSINESS_INITIATED', status: 'FAILED' }));
    const call = await callSpanOf(placed.calls[0].id);
    expect(call.attributes).toMatchObject({ 'whatsapp.call.status': 'unanswered', 'whatsapp.call.answered': false });
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('user-initiated call', () => {
  it('records pre_accept before accept and the delays between them', async () => {
    const wacid = 'wacid.UIC-pre';
    await deliver(sb.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER, timestamp: now() - 2 }), apps.fastifyUrl);
    await graph({ action: 'pre_accept', call_id: wacid, session: { sdp_type: 'answer', sdp: SDP } });
    await graph({ action: 'accept', call_id: wacid, session: { sdp_type: 'answer', sdp: SDP } });
    await deliver(sb.webhooks.terminate({ callId: wacid, direction: 'USER_INITIATED', user: USER, durationS: 30 }), apps.fastifyUrl);
    const call = await callSpanOf(wacid);
    expect(call.kind).toBe(SpanKind.SERVER);
    expect(call.attributes).toMatchObject({
      'whatsapp.call.status': 'completed',
      'whatsapp.call.pre_accepted': true,
      'whatsapp.call.direction': 'user_initiated',
    });
    expect(call.attributes['whatsapp.call.pre_accept.delay']).toBeGreaterThanOrEqual(1);
    expect(call.attributes['whatsapp.call.accept.delay']).toBeGreaterThanOrEqual(0);
    expect(call.events.map((e) => e.name)).toEqual([
      'whatsapp.webhook.connect',
      'whatsapp.graph_api.pre_accept',
      'whatsapp.graph_api.accept',
      'whatsapp.webhook.terminate',
    ]);
  });

  it('counts an accept without pre_accept at the accept, while the call is live, labelled with its media security', async () => {
    const clipRisk = async () =>
      sumOf(await harness.metric('whatsapp.calling.accepts_without_pre_accept'), { 'whatsapp.phone_number_id': PHONE, 'whatsapp.media.security': 'dtls' });
    const before = await clipRisk();
    const wacid = 'wacid.UIC-nopre';
    await deliver(sb.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER }));
    await graph({ action: 'accept', call_id: wacid, session: { sdp_type: 'answer', sdp: DTLS_SDP } });
    expect((await clipRisk()) - before).toBe(1); // no terminate yet: the call is still going
    await deliver(sb.webhooks.terminate({ callId: wacid, direction: 'USER_INITIATED', user: USER, durationS: 12 }));
    const call = await callSpanOf(wacid);
    expect(call.attributes['whatsapp.call.pre_accepted']).toBe(false);
    expect(call.attributes['whatsapp.media.security']).toBe('dtls');
    expect((await clipRisk()) - before).toBe(1); // and not again when it ends
  });

  it('does not count an accept that followed a pre_accept', async () => {
    const total = async () => sumOf(await harness.metric('whatsapp.calling.accepts_without_pre_accept'));
    const before = await total();
    const wacid = 'wacid.UIC-pre2';
    await deliver(sb.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER }));
    await graph({ action: 'pre_accept', call_id: wacid, session: { sdp_type: 'answer', sdp: DTLS_SDP } });
    await graph({ action: 'accept', call_id: wacid, session: { sdp_type: 'answer', sdp: DTLS_SDP } });
    expect((await total()) - before).toBe(0);
  });

  it('records the media security the business SDP declares on the operation and call spans, never the SDP or its key', async () => {
    const wacid = 'wacid.UIC-sdes';
    await deliver(sb.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER }));
    await graph({ action: 'pre_accept', call_id: wacid, session: { sdp_type: 'answer', sdp: SDES_SDP } });
    await graph({ action: 'accept', call_id: wacid, session: { sdp_type: 'answer', sdp: SDES_SDP } });
    await deliver(sb.webhooks.terminate({ callId: wacid, direction: 'USER_INITIATED', user: USER, durationS: 40 }));
    const call = await callSpanOf(wacid);
    expect(call.attributes['whatsapp.media.security']).toBe('sdes');
    const ops = harness.whatsappSpans().filter((s) => s.attributes['whatsapp.call.id'] === wacid && s.name !== 'whatsapp call');
    expect(ops.map((s) => [s.name, s.attributes['whatsapp.media.security']])).toEqual([
      ['whatsapp calls.pre_accept', 'sdes'],
      ['whatsapp calls.accept', 'sdes'],
    ]);
    const exported = JSON.stringify(harness.exporter.getFinishedSpans().map((s) => [s.attributes, s.events, s.links]));
    expect(exported).not.toContain(SRTP_KEY);
    expect(exported).not.toContain('a=crypto');
  });

  it('ends as rejected when the business rejects it', async () => {
    const wacid = 'wacid.UIC-rej';
    await deliver(sb.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER }));
    await graph({ action: 'reject', call_id: wacid });
    await deliver(sb.webhooks.terminate({ callId: wacid, direction: 'USER_INITIATED', user: USER, status: 'FAILED' }));
    const call = await callSpanOf(wacid);
    expect(call.attributes['whatsapp.call.status']).toBe('rejected');
    expect(
      sumOf(await harness.metric('whatsapp.calling.calls'), { 'whatsapp.call.status': 'rejected', 'whatsapp.call.direction': 'user_initiated' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('media timeouts', () => {
  it.each([
    [138021, 'receive', 20, 'call_start'],
    [138022, 'transmit', 300, 'mid_call'],
    [138023, 'no_media_signals', 21, 'call_start'],
  ])('terminate with %i (%s) after %i s counts a media timeout in phase %s, as an error and on the call span', async (code, kind, duration, phase) => {
    const match = { 'whatsapp.media_timeout.kind': kind, 'whatsapp.media_timeout.phase': phase };
    const before = sumOf(await harness.metric('whatsapp.calling.media_timeouts'), match);
    const errorsBefore = sumOf(await harness.metric('whatsapp.calling.errors'), { 'error.type': String(code), 'whatsapp.operation': 'webhook.terminate' });
    const wacid = `wacid.MT${code}`;
    await deliver(sb.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER }));
    await graph({ action: 'accept', call_id: wacid, session: { sdp_type: 'answer', sdp: SDP } });
    await deliver(
      sb.webhooks.terminate({ callId: wacid, direction: 'USER_INITIATED', user: USER, durationS: duration, errorCode: code, errorTitle: 'media timeout' }),
    );
    const call = await callSpanOf(wacid);
    expect(call.attributes).toMatchObject({
      'whatsapp.call.status': 'failed',
      'whatsapp.error.code': code,
      'whatsapp.error.category': 'media_timeout',
      'whatsapp.media_timeout.kind': kind,
      'whatsapp.media_timeout.phase': phase,
    });
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    expect(call.events.some((e) => e.name === 'whatsapp.error.remedy')).toBe(true);
    expect(sumOf(await harness.metric('whatsapp.calling.media_timeouts'), match) - before).toBe(1);
    expect(
      sumOf(await harness.metric('whatsapp.calling.errors'), {
        'error.type': String(code),
        'whatsapp.operation': 'webhook.terminate',
        'whatsapp.error.category': 'media_timeout',
      }) - errorsBefore,
    ).toBe(1);
  });
});

describe('duplicated and reordered deliveries', () => {
  it('yields one correct call when the terminate arrives first and every delivery comes twice', async () => {
    const wacid = 'wacid.REORDER';
    const t = now();
    const connect = sb.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER, timestamp: t - 40 });
    const terminate = sb.webhooks.terminate({ callId: wacid, direction: 'USER_INITIATED', user: USER, durationS: 30, timestamp: t });
    for (const d of [terminate, terminate, connect, connect]) await deliver(d, apps.fastifyUrl);
    const call = await callSpanOf(wacid);
    expect(callSpans().filter((s) => s.attributes['whatsapp.call.id'] === wacid)).toHaveLength(1);
    expect(call.attributes).toMatchObject({ 'whatsapp.call.status': 'completed', 'whatsapp.call.duration': 30 });
    expect(call.events.map((e) => e.name)).toEqual(['whatsapp.webhook.connect', 'whatsapp.webhook.terminate']);
    // A stale status after the call was finalised does not resurrect it.
    await deliver(sb.webhooks.status({ callId: wacid, status: 'RINGING', timestamp: t + 1 }));
    endCalls();
    expect(harness.instrumentation.callPath.tracker.follows(wacid)).toBe(false);
    expect(callSpans().filter((s) => s.attributes['whatsapp.call.id'] === wacid)).toHaveLength(1);
  });
});
