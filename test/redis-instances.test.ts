/**
 * Three instances of a business app, each in its own process, sharing one Redis (standalone, then a
 * 3-node Redis Cluster) with nothing but `redis: { url }` / `redis: { cluster }` configured (no
 * `consumerNumberHashKey`: the pair-key secret comes from Redis). Requests and webhooks of each call
 * are spread over the instances like a load balancer would, some webhooks delivered twice to two
 * instances at once. The truth is the sandbox's own bookkeeping and the flows we drove: each call has
 * exactly one call span and is counted once in every counter summed over the instances, and every
 * instance reports the same shared gauges (active calls up to the sandbox's limit, pair usage,
 * exhausted pairs, initiations).
 */
import Redis, { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox, WebhookDelivery } from '../sandbox';
import { newCallId } from '../sandbox';
import { metricTotal, spansNamed, startInstances } from './helpers/instances';
import type { Instance, Instances, MetricPoint } from './helpers/instances';
import { pollUntil } from './helpers/child-processes';
import { startRedis, startRedisCluster } from './helpers/redis';
import type { RedisCluster, RedisServer } from './helpers/redis';

const PHONE = '106540352242922';
const USER1 = '14085551234';
const USER2 = '14085550002';
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 AA\r\n';
const LIMIT = 4;
const PAIR_LIMIT = 2;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const sec = () => Math.floor(Date.now() / 1000);

interface Backend {
  env: { redisUrl?: string; redisCluster?: { host: string; port: number }[] };
  reader: Redis | Cluster;
  close(): Promise<void>;
}

async function standalone(): Promise<Backend> {
  const redis: RedisServer = await startRedis();
  const reader = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  return { env: { redisUrl: redis.url }, reader, close: async () => (reader.disconnect(), redis.close()) };
}
async function cluster(): Promise<Backend> {
  const c: RedisCluster = await startRedisCluster(3);
  const reader = new Cluster(c.nodes);
  return { env: { redisCluster: c.nodes }, reader, close: async () => (reader.disconnect(), c.close()) };
}

/** What the flows did, to check the telemetry against. */
interface Truth {
  biPlaced: { wacid: string; durationS: number; endS: number }[];
  uiAccepted: { wacid: string; offeredS: number; preAcceptOn: Instance; acceptOn: Instance };
  calls: string[];
}

describe.each([
  ['standalone Redis', standalone],
  ['a 3-node Redis Cluster', cluster],
] as const)('three app instances sharing %s', (_name, startBackend) => {
  let backend: Backend;
  let sandbox: Sandbox;
  let fleet: Instances;
  let all: Instance[];
  let i1: Instance, i2: Instance, i3: Instance;
  const truth: Truth = { biPlaced: [], uiAccepted: undefined as never, calls: [] };
  let atLimit: MetricPoint[][];
  let limitRefusal: { status: number; code?: number };

  /** The same delivery to several instances at once (a redelivery that lands elsewhere). */
  const deliver = async (d: WebhookDelivery, ...to: Instance[]) => {
    for (const r of await Promise.all(to.map((i) => i.deliver(d)))) expect(r.status).toBe(200);
  };
  const connectBI = async (from: Instance, user: string) => {
    const placed = await from.graph(
      PHONE,
      { action: 'connect', to: user, session: { sdp_type: 'offer', sdp: SDP } },
      { headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` } },
    );
    return placed;
  };
  const graphOn = async (i: Instance, body: object) => expect((await i.graph(PHONE, { session: { sdp_type: 'answer', sdp: SDP }, ...body })).status).toBe(200);
  /** Waits until the shared store holds a signal of the call (the next step's fold must see it). */
  const stored = (wacid: string, type: string) =>
    pollUntil(
      `${type} of ${wacid} in Redis`,
      async () => (await backend.reader.hkeys(`whatsapp-calling:{c:${wacid}}:sig`)).some((k) => k.startsWith(`${type}|`)),
      5000,
    );
  /** Polls every instance's metrics until `ok` holds on all of them (figures are read at collection). */
  const metricsWhen = (what: string, ok: (m: MetricPoint[]) => boolean) =>
    pollUntil(
      what,
      async () => {
        const ms = await Promise.all(all.map((i) => i.metrics()));
        return ms.every(ok) ? ms : undefined;
      },
      8000,
    );
  const active = (m: MetricPoint[]) => metricTotal(m, 'whatsapp.calling.calls.active', { 'whatsapp.phone_number_id': PHONE });
  const gauge = (m: MetricPoint[], name: string) => metricTotal(m, name, { 'whatsapp.phone_number_id': PHONE });
  const allSpans = async () => (await Promise.all(all.map((i) => i.spans()))).flat();
  const sum = async (name: string, match: Record<string, unknown> = {}) =>
    (await Promise.all(all.map((i) => i.metrics()))).reduce((n, m) => n + metricTotal(m, name, match), 0);

  beforeAll(async () => {
    backend = await startBackend();
    sandbox = await startSandbox({ concurrentCallLimit: LIMIT, businessInitiatedCallLimit: PAIR_LIMIT });
    fleet = await startInstances(3, {
      sandboxUrl: sandbox.url,
      ...backend.env,
      consumerNumberHashKey: '',
      concurrentCallLimit: LIMIT,
      businessInitiatedCallLimit: PAIR_LIMIT,
      callSettleMs: 300,
    });
    all = fleet.instances;
    [i1, i2, i3] = all;

    // 1. Business-initiated calls to USER1, placed from instance 1; Meta's webhooks land on 2 and 3,
    //    the connect and terminate on both at once. The pair reaches its limit: a third call is refused.
    for (const k of [0, 1]) {
      const placed = await connectBI(i1, USER1);
      expect(placed.status).toBe(200);
      const wacid: string = placed.body.calls[0].id;
      const t = sec() + 1;
      await deliver(sandbox.webhooks.connect({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER1, timestamp: t }), i2, i3);
      await deliver(sandbox.webhooks.status({ callId: wacid, status: 'ACCEPTED', user: USER1, timestamp: t + 1 }), k ? i2 : i3);
      await deliver(sandbox.webhooks.terminate({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER1, durationS: 30 + k, timestamp: t + 40 }), i2, i3);
      truth.biPlaced.push({ wacid, durationS: 30 + k, endS: t + 40 });
      truth.calls.push(wacid);
    }
    expect((await connectBI(i1, USER1)).body.error?.code).toBe(138012);

    // 2. User-initiated calls: offered on one instance, pre_accept/accept from others, ended on a third.
    const offered = sec() - 5;
    const [c1, c2, c3] = [newCallId(), newCallId(), newCallId()];
    await deliver(sandbox.webhooks.connect({ callId: c1, direction: 'USER_INITIATED', user: USER2, timestamp: offered }), i1);
    await stored(c1, 'connect');
    await graphOn(i2, { action: 'pre_accept', call_id: c1 });
    await stored(c1, 'pre_accept');
    await graphOn(i3, { action: 'accept', call_id: c1 });
    await stored(c1, 'accept');
    await deliver(sandbox.webhooks.terminate({ callId: c1, direction: 'USER_INITIATED', user: USER2, durationS: 20, timestamp: sec() + 20 }), i1, i2);
    truth.uiAccepted = { wacid: c1, offeredS: offered, preAcceptOn: i2, acceptOn: i3 };
    // Accepted without pre_accept, then the client drops it for lack of media (138021), reported twice.
    await deliver(sandbox.webhooks.connect({ callId: c2, direction: 'USER_INITIATED', user: USER2, timestamp: offered }), i2);
    await stored(c2, 'connect');
    await graphOn(i3, { action: 'accept', call_id: c2 });
    await stored(c2, 'accept');
    await deliver(
      sandbox.webhooks.terminate({ callId: c2, direction: 'USER_INITIATED', user: USER2, durationS: 5, errorCode: 138021, timestamp: sec() + 5 }),
      i1,
      i3,
    );
    // Rejected from another instance than the one that pre-accepted it.
    await deliver(sandbox.webhooks.connect({ callId: c3, direction: 'USER_INITIATED', user: USER2, timestamp: offered }), i3);
    await stored(c3, 'connect');
    await graphOn(i1, { action: 'pre_accept', call_id: c3 });
    await stored(c3, 'pre_accept');
    expect((await i2.graph(PHONE, { action: 'reject', call_id: c3 })).status).toBe(200);
    truth.calls.push(c1, c2, c3);

    // 3. Concurrency up to the sandbox's limit: two BI calls (placed on 1, answered via 2 and 3) and two
    //    offered UI calls (on 2 and 3); a fifth call from instance 2 is refused with 138002.
    const live: { wacid: string; direction: 'BUSINESS_INITIATED' | 'USER_INITIATED'; endOn: Instance }[] = [];
    for (const endOn of [i3, i1]) {
      const placed = await connectBI(i1, USER2);
      const wacid: string = placed.body.calls[0].id;
      await deliver(sandbox.webhooks.connect({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER2, timestamp: sec() + 1 }), i2);
      await deliver(sandbox.webhooks.status({ callId: wacid, status: 'ACCEPTED', user: USER2, timestamp: sec() + 2 }), i3);
      live.push({ wacid, direction: 'BUSINESS_INITIATED', endOn });
    }
    for (const [on, endOn] of [
      [i2, i2],
      [i3, i1],
    ] as const) {
      const wacid = newCallId();
      await deliver(sandbox.webhooks.connect({ callId: wacid, direction: 'USER_INITIATED', user: USER1, timestamp: sec() }), on);
      live.push({ wacid, direction: 'USER_INITIATED', endOn });
    }
    expect(sandbox.activeCalls(PHONE)).toBe(LIMIT);
    const refused = await connectBI(i2, USER2);
    limitRefusal = { status: refused.status, code: refused.body.error?.code };
    atLimit = await metricsWhen('every instance reporting the calls at the limit', (m) => active(m) === LIMIT);
    for (const c of live) {
      await deliver(
        sandbox.webhooks.terminate({
          callId: c.wacid,
          direction: c.direction,
          user: c.direction === 'BUSINESS_INITIATED' ? USER2 : USER1,
          ...(c.direction === 'BUSINESS_INITIATED' ? { durationS: 10 } : {}),
          timestamp: sec() + 10,
        }),
        c.endOn,
      );
      truth.calls.push(c.wacid);
    }
    expect(sandbox.activeCalls(PHONE)).toBe(0);

    // A permission reply delivered to two instances.
    await deliver(sandbox.webhooks.permissionReply({ user: USER1, response: 'accept' }), i1, i3);

    await Promise.all(all.map((i) => i.flush()));
    await pollUntil(
      'one call span per call',
      async () => {
        const spans = spansNamed(await allSpans(), 'whatsapp call');
        return truth.calls.every((id) => spans.some((s) => s.attributes['whatsapp.call.id'] === id));
      },
      8000,
    );
  }, 90_000);

  afterAll(async () => {
    await fleet?.close();
    await sandbox?.close();
    await backend?.close();
  });

  it('records exactly one call span per call across the three instances', async () => {
    await new Promise((r) => setTimeout(r, 400)); // past callSettleMs: a second span would have ended by now
    const spans = spansNamed(await allSpans(), 'whatsapp call');
    expect(spans.map((s) => s.attributes['whatsapp.call.id']).sort()).toEqual([...truth.calls].sort());
  });

  it('gives a business-initiated call span the parent and start of its connect on instance 1, Meta duration and end, and a link to the connect span', async () => {
    const spans = await allSpans();
    for (const placed of truth.biPlaced) {
      const [call] = spansNamed(spans, 'whatsapp call', placed.wacid);
      const [connect] = spansNamed(await i1.spans(), 'whatsapp calls.connect', placed.wacid);
      expect(connect.parentSpanId).toBe(PARENT_SPAN);
      expect(call.traceId).toBe(TRACE_ID);
      expect(call.parentSpanId).toBe(PARENT_SPAN);
      expect(call.startTime).toBeGreaterThanOrEqual(Math.floor(connect.startTime));
      expect(call.startTime).toBeLessThanOrEqual(Math.ceil(connect.endTime));
      expect(call.endTime).toBe(placed.endS * 1000);
      expect(call.attributes).toMatchObject({
        'whatsapp.call.duration': placed.durationS,
        'whatsapp.call.status': 'completed',
        'whatsapp.call.direction': 'business_initiated',
      });
      expect(call.links.filter((l) => l.spanId === connect.spanId)).toHaveLength(1);
      expect(call.events.filter((e) => e.name === 'whatsapp.webhook.terminate')).toHaveLength(1);
    }
  });

  it('gives a user-initiated call span the offer time and links to the pre_accept and accept spans of two other instances', async () => {
    const { wacid, offeredS, preAcceptOn, acceptOn } = truth.uiAccepted;
    const [call] = spansNamed(await allSpans(), 'whatsapp call', wacid);
    expect(call.startTime).toBe(offeredS * 1000);
    const [pre] = spansNamed(await preAcceptOn.spans(), 'whatsapp calls.pre_accept', wacid);
    const [accept] = spansNamed(await acceptOn.spans(), 'whatsapp calls.accept', wacid);
    expect(call.links.map((l) => l.spanId)).toEqual(expect.arrayContaining([pre.spanId, accept.spanId]));
    expect(call.attributes).toMatchObject({ 'whatsapp.call.status': 'completed', 'whatsapp.call.duration': 20, 'whatsapp.call.pre_accepted': true });
  });

  it('counts each call once in every counter summed over the instances', async () => {
    expect(await sum('whatsapp.calling.calls')).toBe(truth.calls.length);
    expect(await sum('whatsapp.calling.calls', { 'whatsapp.call.status': 'rejected' })).toBe(1);
    expect(await sum('whatsapp.calling.calls', { 'whatsapp.call.status': 'failed' })).toBe(1);
    expect(await sum('whatsapp.calling.call.duration')).toBe(6); // answered: 2 + 2 BI, the accepted UI call and the media timeout
    expect(await sum('whatsapp.calling.business_initiated.connected')).toBe(4);
    expect(await sum('whatsapp.calling.accepts_without_pre_accept')).toBe(1);
    expect(await sum('whatsapp.calling.media_timeouts')).toBe(1);
    expect(await sum('whatsapp.calling.permission_replies')).toBe(1);
    expect(await sum('whatsapp.calling.errors', { 'error.type': '138021', 'whatsapp.operation': 'webhook.terminate' })).toBe(1);
    expect(await sum('whatsapp.calling.errors', { 'error.type': '138012' })).toBe(1);
    expect(await sum('whatsapp.calling.errors', { 'error.type': '138002' })).toBe(1);
  });

  it('reports the same active calls on every instance, up to the sandbox limit that refused the next call', () => {
    expect(limitRefusal).toEqual({ status: 429, code: 138002 });
    for (const m of atLimit) {
      expect(active(m)).toBe(LIMIT);
      expect(active(m)).toBe(gauge(m, 'whatsapp.calling.calls.active.limit'));
      expect(metricTotal(m, 'whatsapp.calling.calls.active', { 'whatsapp.phone_number_id': PHONE, 'whatsapp.call.direction': 'business_initiated' })).toBe(2);
    }
  });

  it('reports the true quota figures on every instance: pair usage, exhausted pairs, initiations; no call left active', async () => {
    const figures = await metricsWhen('every instance reporting no active call', (m) => active(m) === 0);
    for (const m of figures) {
      expect(gauge(m, 'whatsapp.calling.quota.pair_usage.max')).toBe(PAIR_LIMIT);
      expect(gauge(m, 'whatsapp.calling.quota.exhausted_pairs')).toBe(2);
      expect(gauge(m, 'whatsapp.calling.quota.initiations')).toBe(4);
      expect(metricTotal(m, 'whatsapp.calling.store.degraded')).toBe(0);
    }
  });

  it('never surfaced an error in the instances', async () => {
    for (const i of all) expect(await i.stats()).toMatchObject({ rejectedWebhooks: 0, unhandledRejections: 0, uncaughtExceptions: 0 });
  });
});
