/**
 * Every call-store operation goes through one guarded path: a store that rejects, throws or never
 * answers can't reach the app — no unhandled rejection, no exception, calls still followed from local
 * state — the failure is logged once per outage, `whatsapp.calling.store.degraded` says the figures are
 * partial, and the store is used again once it answers.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallSignal } from '../src/events/call-signal';
import type { CallStore } from '../src/tracker/call-store';
import { CallTracker } from '../src/tracker/call-tracker';
import { GuardedCallStore } from '../src/tracker/guarded-call-store';
import { InMemoryCallStore } from '../src/tracker/in-memory-call-store';
import { createHarness, eventually } from './helpers/otel-harness';

const PHONE = '106540352242922';
const errors: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  diag.setLogger(
    { error: (...args: unknown[]) => errors.push(args.map(String).join(' ')), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
    DiagLogLevel.ERROR,
  );
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  diag.disable();
});
afterEach(() => {
  errors.length = 0;
});

/** A store whose every operation fails the way the test asks; `healthy` makes it a working store again. */
function faultyStore(mode: 'reject' | 'throw' | 'hang') {
  const real = new InMemoryCallStore();
  const state = { healthy: false, calls: 0 };
  const fail = () => {
    state.calls++;
    if (mode === 'throw') throw new Error('store exploded');
    return mode === 'reject' ? Promise.reject(new Error('connection refused')) : new Promise<never>(() => {});
  };
  const store = new Proxy(real, {
    get(target, prop) {
      const value = (target as unknown as Record<string | symbol, unknown>)[prop];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (state.healthy ? Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)) : fail());
    },
  }) as CallStore;
  return { store, state };
}

const connect = (callId: string): CallSignal => ({
  callId,
  type: 'connect',
  source: 'webhook',
  signaling: 'graph_api',
  at: Date.now(),
  dedupeKey: `wh|connect|${callId}`,
  phoneNumberId: PHONE,
  direction: 'user_initiated',
});
const terminate = (callId: string): CallSignal => ({
  callId,
  type: 'terminate',
  status: 'completed',
  source: 'webhook',
  signaling: 'graph_api',
  at: Date.now() + 1000,
  dedupeKey: `wh|terminate|${callId}`,
  phoneNumberId: PHONE,
  direction: 'user_initiated',
  durationS: 1,
});

describe.each(['reject', 'throw', 'hang'] as const)('a call store that %ss on every operation', (mode) => {
  it('never reaches the app, follows calls from local state, logs once and reports degraded figures', async () => {
    const { store, state } = faultyStore(mode);
    const harness = createHarness({ callStore: store, callStoreTimeoutMs: 30, callSettleMs: 0 });
    const calls = harness.instrumentation.callPath;
    for (let i = 0; i < 20; i++) {
      expect(() => calls.ingest({ calls: [connect(`wacid.${mode}${i}`)] })).not.toThrow();
      expect(() => calls.ingest({ calls: [terminate(`wacid.${mode}${i}`)] })).not.toThrow();
    }
    const callSpans = await eventually(() => {
      const spans = harness.exporter.getFinishedSpans().filter((s) => s.name === 'whatsapp call');
      return spans.length === 20 && spans;
    }, 400);
    expect(callSpans.every((s) => s.attributes['whatsapp.call.status'] === 'completed')).toBe(true);
    const degraded = await harness.metric('whatsapp.calling.store.degraded');
    expect((degraded?.dataPoints as DataPoint<number>[])[0].value).toBe(1);
    expect(errors.filter((m) => m.includes('call store unavailable'))).toHaveLength(1);
    // The circuit is open: while the outage lasts, the broken store is not asked once per signal.
    const asked = state.calls;
    for (let i = 0; i < 20; i++) calls.ingest({ calls: [connect(`wacid.${mode}-more${i}`)] });
    expect(state.calls).toBe(asked);
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
    calls.stop();
  });
});

describe('recovery', () => {
  it('uses the store again once it answers, and reports the figures whole again', async () => {
    const { store, state } = faultyStore('reject');
    const recovered: string[] = [];
    let clock = 1_000_000;
    const guarded = new GuardedCallStore(store, { onDegraded: () => {}, onRecovered: () => recovered.push('ok'), now: () => clock });
    await guarded.claimOnce('a', 1000);
    expect(guarded.degraded).toBe(true);
    state.healthy = true;
    await guarded.claimOnce('b', 1000); // still within the pause: local state, store not asked
    expect(guarded.degraded).toBe(true);
    clock += 1000;
    expect(await guarded.claimOnce('c', 1000)).toBe(true);
    expect(guarded.degraded).toBe(false);
    expect(recovered).toEqual(['ok']);
  });

  it('stays degraded while the store can be read but not written, and logs the outage once', async () => {
    const real = new InMemoryCallStore();
    const writesFail = new Proxy(real, {
      get(target, prop) {
        const value = (target as unknown as Record<string | symbol, unknown>)[prop];
        if (typeof value !== 'function') return value;
        if (prop === 'readFigures') return (...args: unknown[]) => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
        return () => Promise.reject(new Error('READONLY'));
      },
    }) as CallStore;
    let clock = 1_000_000;
    const degradedLog: string[] = [];
    const guarded = new GuardedCallStore(writesFail, {
      onDegraded: (r) => degradedLog.push(r),
      onRecovered: () => degradedLog.push('recovered'),
      now: () => clock,
    });
    for (let i = 0; i < 20; i++) {
      await guarded.claimOnce(`k${i}`, 1000);
      await guarded.readFigures(clock, 60_000);
      clock += 600;
    }
    expect(guarded.degraded).toBe(true);
    expect(degradedLog).toEqual(['the call store failed']);
  });

  it('merges the signals a call kept locally during an outage when the shared store ends it', async () => {
    const { store, state } = faultyStore('reject');
    let clock = 1_000_000;
    const guarded = new GuardedCallStore(store, { onDegraded: () => {}, onRecovered: () => {}, now: () => clock });
    const effect = {
      terminal: false,
      live: true,
      activeKey: { phoneNumberId: PHONE, direction: 'user_initiated', signaling: 'graph_api' },
      retainMs: 60_000,
      maxSignals: 64,
    };
    state.healthy = true;
    await guarded.recordSignal('wacid.split', 'connect|a', { type: 'connect', source: 'webhook', signaling: 'graph_api', at: 1, dedupeKey: 'a' }, effect);
    state.healthy = false;
    await guarded.recordSignal('wacid.split', 'accept|b', { type: 'accept', source: 'graph_api', signaling: 'graph_api', at: 2, dedupeKey: 'b' }, effect);
    expect(guarded.degraded).toBe(true);
    state.healthy = true;
    clock += 1000;
    const taken = await guarded.takeCall('wacid.split', 60_000);
    expect(taken?.map((s) => s.type)).toEqual(['connect', 'accept']);
    expect(guarded.fallback.callCount).toBe(0);
  });

  it('bounds the operations waiting on a store that never answers', async () => {
    const { store } = faultyStore('hang');
    const guarded = new GuardedCallStore(store, { onDegraded: () => {}, onRecovered: () => {}, timeoutMs: 60_000, maxInFlight: 5 });
    const pending = Array.from({ length: 5 }, (_, i) => guarded.claimOnce(`k${i}`, 1000));
    expect(guarded.pending).toBe(5);
    // The sixth goes to local state at once instead of queueing.
    expect(guarded.claimOnce('k6', 1000)).toBe(true);
    expect(guarded.pending).toBe(5);
    void pending;
  });
});

describe('the local copy of a call kept during an outage', () => {
  it('is dropped when the shared store says another instance already finished the call', () => {
    let now = 1e12;
    let down = true;
    const primary: CallStore = {
      recordSignal: () => {
        if (down) throw new Error('down');
        return { outcome: 'finished', signals: [] }; // taken by another instance meanwhile
      },
      takeCall: () => {
        if (down) throw new Error('down');
        return undefined;
      },
      claimOnce: () => true,
      addToWindow() {},
      setQuotaReading() {},
      readFigures: () => ({ active: [], phoneNumberIds: [], pairUsage: [], initiations: [] }),
    };
    const store = new GuardedCallStore(primary, { onDegraded() {}, onRecovered() {}, now: () => now });
    const tracker = new CallTracker({
      store,
      listener: { ended() {} },
      pairKey: (a, b) => a + b,
      now: () => now,
      ttlMs: () => 4 * 3600e3,
      settleMs: () => 5000,
      tombstoneMs: 900e3,
      onError: (where, err) => errors.push(`${where}: ${String(err)}`),
    });
    const signal = (callId: string, dedupeKey: string): CallSignal => ({
      callId,
      type: 'connect',
      source: 'webhook',
      signaling: 'graph_api',
      at: now,
      dedupeKey,
      phoneNumberId: PHONE,
      direction: 'user_initiated',
    });
    for (let i = 0; i < 100; i++) tracker.ingest(signal(`wacid.outage-${i}`, 'offer'));
    expect(store.fallback.callCount).toBe(100); // recorded locally while the shared store was down
    now += 60_000; // past the circuit breaker's pause
    down = false;
    for (let i = 0; i < 100; i++) tracker.ingest(signal(`wacid.outage-${i}`, 'late')); // a late delivery each
    expect(tracker.liveCount).toBe(0);
    expect(store.fallback.callCount).toBe(0);
    expect(store.fallback.activeCount).toBe(0);
    tracker.stop();
  });
});
