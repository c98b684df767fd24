/**
 * Capacity metrics against the sandbox's real limits: the active-call gauge at the concurrency limit
 * (sandbox answers 138002), the business-initiated daily quota per pair (sandbox answers 138012, and
 * Meta's own /call_permissions counters win over ours), initiations, and TTL expiry of calls that never
 * see a terminate.
 */
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { send } from './helpers/clients';
import { createHarness, eventually, sumOf } from './helpers/otel-harness';

const PHONE = '106540352242922';
const USER = '14085551234';
const harness = createHarness();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ concurrentCallLimit: 3, businessInitiatedCallLimit: 2 });
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.reset();
  harness.instrumentation.callPath.tracker.flush(true); // end calls left by earlier tests
  harness.reset();
  harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url], concurrentCallLimit: 3, businessInitiatedCallLimit: 2, callSettleMs: 0 });
});

const gauge = (m: MetricData | undefined, attrs: Record<string, string> = { 'whatsapp.phone_number_id': PHONE }) =>
  (m?.dataPoints as DataPoint<number>[] | undefined)?.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))?.value ?? 0;
const graph = async (body: object, phone = PHONE) => {
  const res = await send('axios', { method: 'POST', url: `${sb.url}/v23.0/${phone}/calls`, body: JSON.stringify({ messaging_product: 'whatsapp', ...body }) });
  return { status: res.status, json: JSON.parse(res.body.toString()) };
};
const connect = (to = USER) => graph({ action: 'connect', to, session: { sdp_type: 'offer', sdp: 'v=0\r\n' } });
const observe = (d: object) => harness.instrumentation.observeWebhook(d);
const active = { 'whatsapp.phone_number_id': PHONE, 'whatsapp.call.direction': 'business_initiated', 'whatsapp.signaling': 'graph_api' };

describe('concurrency', () => {
  it('shows active calls against the limit, matching the sandbox when it answers 138002', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await connect(`1408555000${i}`)).json.calls[0].id);
    expect(gauge(await harness.metric('whatsapp.calling.calls.active'), active)).toBe(3);
    expect(gauge(await harness.metric('whatsapp.calling.calls.active.limit'))).toBe(3);
    const refused = await connect('14085550009');
    expect(refused.json.error.code).toBe(138002);
    const span = await eventually(() => harness.whatsappSpans().find((s) => s.attributes['whatsapp.error.code'] === 138002));
    expect(span.attributes['whatsapp.error.category']).toBe('concurrency_limit');
    expect(gauge(await harness.metric('whatsapp.calling.calls.active'), active)).toBe(sb.activeCalls(PHONE));
    await graph({ action: 'terminate', call_id: ids[0] });
    expect(gauge(await harness.metric('whatsapp.calling.calls.active'), active)).toBe(2);
    expect(sb.activeCalls(PHONE)).toBe(2);
    for (const id of ids.slice(1)) expect((await graph({ action: 'terminate', call_id: id })).status).toBe(200);
    expect(gauge(await harness.metric('whatsapp.calling.calls.active'), active)).toBe(0);
  });
});

describe('active-call series for every known number', () => {
  const at = (phone: string) => ({ 'whatsapp.phone_number_id': phone, 'whatsapp.call.direction': 'business_initiated', 'whatsapp.signaling': 'graph_api' });
  const point = (m: MetricData | undefined, attrs: Record<string, string>) =>
    (m?.dataPoints as DataPoint<number>[] | undefined)?.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));

  it('reports 0 for a number whose only call started and ended between two collections', async () => {
    const phone = '106540350000001';
    const placed = await graph({ action: 'connect', to: USER, session: { sdp_type: 'offer', sdp: 'v=0\r\n' } }, phone);
    await graph({ action: 'terminate', call_id: placed.json.calls[0].id }, phone);
    const activePoint = point(await harness.metric('whatsapp.calling.calls.active'), at(phone));
    expect(activePoint?.value).toBe(0);
    expect(point(await harness.metric('whatsapp.calling.calls.active.limit'), { 'whatsapp.phone_number_id': phone })?.value).toBe(3);
  });

  it('knows a number from a call request that failed without a call id', async () => {
    const phone = '106540350000002';
    const refused = await graph({ action: 'connect', to: '15550138006', session: { sdp_type: 'offer', sdp: 'v=0\r\n' } }, phone);
    expect(refused.json.error.code).toBe(138006);
    expect(point(await harness.metric('whatsapp.calling.calls.active'), at(phone))?.value).toBe(0);
    expect(point(await harness.metric('whatsapp.calling.calls.active.limit'), { 'whatsapp.phone_number_id': phone })?.value).toBe(3);
  });
});

describe('business-initiated daily quota', () => {
  it('tracks connected calls per pair up to the limit the sandbox enforces with 138012', async () => {
    const connectedBefore = sumOf(await harness.metric('whatsapp.calling.business_initiated.connected'), { 'whatsapp.phone_number_id': PHONE });
    const initiationsBefore = gauge(await harness.metric('whatsapp.calling.quota.initiations'));
    for (let i = 0; i < 2; i++) {
      const id = (await connect()).json.calls[0].id;
      observe(sb.webhooks.status({ callId: id, status: 'ACCEPTED', user: USER }));
      await graph({ action: 'terminate', call_id: id });
    }
    expect(gauge(await harness.metric('whatsapp.calling.quota.pair_usage.max'))).toBe(2);
    expect(gauge(await harness.metric('whatsapp.calling.quota.pair_limit'))).toBe(2);
    expect(gauge(await harness.metric('whatsapp.calling.quota.exhausted_pairs'))).toBe(1);
    expect(gauge(await harness.metric('whatsapp.calling.quota.initiations')) - initiationsBefore).toBe(2);
    expect(gauge(await harness.metric('whatsapp.calling.quota.initiations.limit'))).toBe(10_000);
    expect(sumOf(await harness.metric('whatsapp.calling.business_initiated.connected'), { 'whatsapp.phone_number_id': PHONE }) - connectedBefore).toBe(2);
    const refused = await connect();
    expect(refused.json.error.code).toBe(138012);
    const span = await eventually(() => harness.whatsappSpans().find((s) => s.attributes['whatsapp.error.code'] === 138012));
    expect(span.attributes['whatsapp.error.category']).toBe('daily_quota');
  });

  it("takes Meta's /call_permissions counters as the truth for the pair", async () => {
    const id = (await connect()).json.calls[0].id;
    observe(sb.webhooks.status({ callId: id, status: 'ACCEPTED', user: USER }));
    sb.reset(); // Meta forgets the call: its window now says 0 for this pair
    const read = await send('fetch', { method: 'GET', url: `${sb.url}/v23.0/${PHONE}/call_permissions?user_wa_id=${USER}` });
    expect(JSON.parse(read.body.toString()).actions[1].limits[0].current_usage).toBe(0);
    await eventually(() => harness.whatsappSpans().some((s) => s.name === 'whatsapp call_permissions.get'));
    expect(gauge(await harness.metric('whatsapp.calling.quota.pair_usage.max'))).toBe(0);
    expect(gauge(await harness.metric('whatsapp.calling.quota.exhausted_pairs'))).toBe(0);
  });
});

describe('bounded memory', () => {
  it('ends a call that never sees a terminate after the TTL, with status unknown', async () => {
    harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url], concurrentCallLimit: 3, callTtlMs: 50 });
    const id = (await connect('14085559999')).json.calls[0].id;
    const tracker = harness.instrumentation.callPath.tracker;
    expect(tracker.follows(id)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    tracker.sweep();
    expect(tracker.follows(id)).toBe(false);
    const call = await eventually(() => harness.exporter.getFinishedSpans().find((s) => s.name === 'whatsapp call' && s.attributes['whatsapp.call.id'] === id));
    expect(call.attributes['whatsapp.call.status']).toBe('unknown');
    expect(gauge(await harness.metric('whatsapp.calling.calls.active'), active)).toBe(0);
  });
});
