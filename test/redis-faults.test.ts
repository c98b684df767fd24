/**
 * The shared call store failing, while the app keeps working: Redis killed mid-run and restarted,
 * Redis stalled (SIGSTOP) past the store timeout and resumed — both under three app processes — and,
 * in process, a custom store that rejects every operation and a paused Redis under a stream of
 * signals. The app never sees an error (every request and webhook answered, no unhandled rejection
 * or uncaught exception), figures come from local state and are marked degraded, memory stays
 * bounded, and once the store answers again the shared figures are back.
 */
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { WhatsAppCallingInstrumentation } from '../src';
import type { CallStore } from '../src';
import { createCallStoreFromConfig } from '../src/store/create-from-config';
import type { RedisCallStore } from '../src/store/redis-call-store';
import { GuardedCallStore } from '../src/tracker/guarded-call-store';
import { startSandbox } from '../sandbox';
import type { Sandbox, WebhookDelivery } from '../sandbox';
import { newCallId } from '../sandbox';
import { createWebhooks } from '../sandbox/webhooks';
import { pollUntil, sleep } from './helpers/child-processes';
import { watchProcess } from './helpers/faults/process-watch';
import { metricTotal, startInstances } from './helpers/instances';
import type { Instance, Instances, MetricPoint } from './helpers/instances';
import { createHarness, eventually, sumOf } from './helpers/otel-harness';
import { startRedis } from './helpers/redis';
import type { RedisServer } from './helpers/redis';

const PHONE = '106540352242922';
/** The number of the calls made during the outage: its local figures hold those calls only. */
const OUTAGE_PHONE = '106540352242923';
const USER = '14085551234';
const SDP = 'v=0\r\n';
const sec = () => Math.floor(Date.now() / 1000);

describe.each([
  ['killed mid-run, then restarted empty', (r: RedisServer) => r.kill(), (r: RedisServer) => r.restart()],
  ['stalled (SIGSTOP) past the store timeout, then resumed', async (r: RedisServer) => r.pause(), async (r: RedisServer) => r.resume()],
] as const)('Redis %s, under three app instances', (_name, breakRedis, repairRedis) => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let fleet: Instances;
  let all: Instance[];
  const statuses: number[] = [];

  const metricsWhen = (what: string, ok: (m: MetricPoint[]) => boolean, ms = 20_000) =>
    pollUntil(
      what,
      async () => {
        const each = await Promise.all(all.map((i) => i.metrics()));
        return each.every(ok) ? each : undefined;
      },
      ms,
      100,
    );
  const degraded = (m: MetricPoint[]) => metricTotal(m, 'whatsapp.calling.store.degraded');
  const active = (m: MetricPoint[], phone = PHONE) => metricTotal(m, 'whatsapp.calling.calls.active', { 'whatsapp.phone_number_id': phone });
  const deliver = async (i: Instance, d: WebhookDelivery) => statuses.push((await i.deliver(d)).status);
  /** A user-initiated call offered on one instance, accepted from the next, optionally ended on the third. */
  const uiCall = async ([a, b, c]: Instance[], { end = true, phone = PHONE } = {}) => {
    const wacid = newCallId();
    const where = { callId: wacid, direction: 'USER_INITIATED' as const, user: USER, phoneNumberId: phone };
    await deliver(a, sandbox.webhooks.connect({ ...where, timestamp: sec() }));
    statuses.push((await b.graph(phone, { action: 'accept', call_id: wacid, session: { sdp_type: 'answer', sdp: SDP } })).status);
    if (end) await deliver(c, sandbox.webhooks.terminate({ ...where, durationS: 3, timestamp: sec() + 3 }));
    return wacid;
  };
  /** A business-initiated call placed from one instance, answered and ended through the others. */
  const biCall = async ([a, b, c]: Instance[], phone = PHONE) => {
    const placed = await a.graph(phone, { action: 'connect', to: USER, session: { sdp_type: 'offer', sdp: SDP } });
    statuses.push(placed.status);
    const wacid: string = placed.body.calls[0].id;
    await deliver(b, sandbox.webhooks.status({ callId: wacid, status: 'ACCEPTED', user: USER, timestamp: sec(), phoneNumberId: phone }));
    await deliver(
      c,
      sandbox.webhooks.terminate({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER, durationS: 2, timestamp: sec() + 2, phoneNumberId: phone }),
    );
  };

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox();
    fleet = await startInstances(3, { sandboxUrl: sandbox.url, redisUrl: redis.url, callSettleMs: 100, config: { callStoreTimeoutMs: 200 } });
    all = fleet.instances;
  }, 60_000);
  afterAll(async () => {
    redis?.resume();
    await fleet?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('keeps answering every request and webhook, marks the figures degraded, and shares them again once Redis is back', async () => {
    const [i1, i2, i3] = all;
    await uiCall([i1, i2, i3]);
    await biCall([i2, i3, i1]);
    await metricsWhen('the store healthy on every instance', (m) => degraded(m) === 0 && active(m) === 0);

    await breakRedis(redis);
    const outage = { phone: OUTAGE_PHONE };
    await uiCall([i1, i1, i2], outage); // ended on instance 2: instance 1 never learns it ended
    await uiCall([i1, i2, i3], { ...outage, end: false }); // live on instances 1 and 2
    await biCall([i3, i3, i2], OUTAGE_PHONE); // ended on instance 2: instance 3 never learns it ended
    // Figures from each instance's local state: partial, different per instance, and marked so. A write
    // lands locally once the stalled store's timeout (200 ms) has passed, after the request was answered:
    // read until every instance has its own calls (bounded), then assert what was read.
    const expected = [2, 1, 1];
    let during = await Promise.all(all.map((i) => i.metrics()));
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; during = await Promise.all(all.map((i) => i.metrics()))) {
      if (during.every((m, k) => degraded(m) === 1 && active(m, OUTAGE_PHONE) === expected[k])) break;
      await sleep(100);
    }
    expect(during.map(degraded)).toEqual([1, 1, 1]);
    expect(during.map((m) => active(m, OUTAGE_PHONE))).toEqual(expected);

    await repairRedis(redis);
    await metricsWhen('every instance healthy again', (m) => degraded(m) === 0, 30_000);
    // Shared again: every instance reports the same figures, and a call offered on one of them counts on all.
    const before = active((await metricsWhen('the same figures on every instance', (m) => degraded(m) === 0))[0]);
    await metricsWhen('the same figures on every instance', (m) => active(m) === before);
    const later = newCallId();
    await deliver(i2, sandbox.webhooks.connect({ callId: later, direction: 'USER_INITIATED', user: USER, timestamp: sec() }));
    await metricsWhen('the new live call on every instance', (m) => active(m) === before + 1);
    await deliver(i3, sandbox.webhooks.terminate({ callId: later, direction: 'USER_INITIATED', user: USER, timestamp: sec() + 1 }));
    await metricsWhen('its end on every instance', (m) => active(m) === before);

    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (const i of all) expect(await i.stats()).toMatchObject({ unhandledRejections: 0, uncaughtExceptions: 0 });
  }, 90_000);
});

describe('in process: a custom store that rejects every operation', () => {
  const errors: string[] = [];
  diag.setLogger(
    { error: (...args: unknown[]) => errors.push(args.map(String).join(' ')), warn() {}, info() {}, debug() {}, verbose() {} },
    DiagLogLevel.ERROR,
  );
  const rejecting: CallStore = {
    recordSignal: () => Promise.reject(new Error('write refused')),
    takeCall: () => Promise.reject(new Error('write refused')),
    claimOnce: () => Promise.reject(new Error('write refused')),
    addToWindow: () => Promise.reject(new Error('write refused')),
    setQuotaReading: () => Promise.reject(new Error('write refused')),
    readFigures: () => Promise.reject(new Error('read refused')),
    sharedSecret: () => Promise.reject(new Error('read refused')),
  };
  const harness = createHarness({ callStore: rejecting, callStoreTimeoutMs: 200, callSettleMs: 0 });
  const webhooks = createWebhooks(Date.now, { started() {}, ended() {} });
  const watch = watchProcess();
  afterAll(() => watch.stop());

  it('never rejects into the app, logs the outage once, and reports calls and figures from local state', async () => {
    const { instrumentation: inst } = harness;
    const ids = [newCallId(), newCallId(), newCallId()];
    for (const id of ids) inst.observeWebhook(webhooks.connect({ callId: id, direction: 'USER_INITIATED', user: USER }));
    await sleep(50);
    expect(await harness.metric('whatsapp.calling.calls.active').then((m) => sumOf(m))).toBe(3);
    inst.observeWebhook(webhooks.terminate({ callId: ids[0], direction: 'USER_INITIATED', user: USER, durationS: 4 }));
    inst.observeWebhook(webhooks.terminate({ callId: ids[0], direction: 'USER_INITIATED', user: USER, durationS: 4 }));
    await eventually(() => harness.whatsappSpans().find((s) => s.name === 'whatsapp call'));
    expect(
      harness
        .whatsappSpans()
        .filter((s) => s.name === 'whatsapp call')
        .map((s) => s.attributes['whatsapp.call.id']),
    ).toEqual([ids[0]]);
    expect(sumOf(await harness.metric('whatsapp.calling.calls'))).toBe(1);
    expect(sumOf(await harness.metric('whatsapp.calling.calls.active'))).toBe(2);
    expect(sumOf(await harness.metric('whatsapp.calling.store.degraded'))).toBe(1);
    expect(errors.filter((e) => /call store unavailable/.test(e))).toHaveLength(1);
    expect(watch.problems).toEqual([]);
  });
});

describe('in process: Redis paused under a stream of signals', () => {
  let redis: RedisServer;
  let inst: WhatsAppCallingInstrumentation;
  let shared: RedisCallStore;
  beforeAll(async () => {
    redis = await startRedis();
    shared = createCallStoreFromConfig({ url: redis.url }, diag) as RedisCallStore;
    inst = new WhatsAppCallingInstrumentation({ enabled: false, callStore: shared, callStoreTimeoutMs: 100 });
    inst.setTracerProvider(new BasicTracerProvider());
    inst.setMeterProvider(new MeterProvider());
  });
  afterAll(async () => {
    redis?.resume();
    await inst?.callPath.shutdown();
    await redis?.close();
  });

  it('sends few operations to it: the rest go to local state at once, and nothing is left waiting once it answers', async () => {
    const path = inst.callPath;
    const store = path.store as GuardedCallStore;
    const signal = (i: number) => ({
      callId: `wacid.PAUSED${i}`,
      type: 'connect' as const,
      source: 'webhook' as const,
      signaling: 'graph_api' as const,
      at: Date.now(),
      dedupeKey: `wh|connect|${i}`,
      phoneNumberId: PHONE,
      direction: 'user_initiated' as const,
    });
    let n = 0;
    await pollUntil(
      'the store answering',
      async () => {
        path.ingest({ calls: [signal(-1 - n++)] });
        await sleep(20);
        return store.pending === 0 && !store.degraded;
      },
      5000,
    );
    redis.pause();
    const waiting: number[] = [];
    const sent: number[] = [];
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 100; i++) path.ingest({ calls: [signal(batch * 100 + i)] });
      waiting.push(store.pending);
      sent.push(shared.inFlight);
      await sleep(20);
    }
    console.info(`[faults] after each batch of 100 signals on a paused Redis: operations waiting ${waiting.join(' ')}; commands unanswered ${sent.join(' ')}`);
    expect(store.degraded).toBe(true);
    expect(store.fallback.callCount).toBeGreaterThan(1000);
    // What was sent before the first timeout opened the circuit waits; after that, only its rare retries.
    expect(waiting[19] - waiting[9]).toBeLessThanOrEqual(5);
    expect(Math.max(...waiting)).toBeLessThan(1000);
    expect(sent[19] - sent[9]).toBeLessThanOrEqual(5);
    redis.resume();
    await pollUntil('no operation left waiting on Redis', async () => store.pending === 0 && shared.inFlight === 0, 10_000);
  });
});
