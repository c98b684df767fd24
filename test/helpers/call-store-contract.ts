/**
 * The contract every `CallStore` must keep, run against each implementation (in-memory here, Redis and
 * Redis Cluster in the Redis tests). Real time only: a remote store keeps time by its own clock (TTLs).
 * Concurrency cases race the same operation and require exactly one winner — what several app
 * instances sharing a store rely on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredSignal } from '../../src/events/call-signal';
import { signalKeyOf } from '../../src/events/call-signal';
import type { CallStore, RecordSignalEffect, StoredFigures } from '../../src/tracker/call-store';

export interface StoreUnderTest {
  store: CallStore;
  close(): Promise<void>;
}

const PHONE = '106540352242922';
const KEY = { phoneNumberId: PHONE, direction: 'business_initiated', signaling: 'graph_api' };
const WINDOW = 60_000;
let seq = 0;
/** A fresh call id per test: a shared store outlives a test. */
const newCall = () => `wacid.contract-${process.pid}-${Date.now()}-${++seq}`;
const signal = (type: StoredSignal['type'], extra: Partial<StoredSignal> = {}): StoredSignal => ({
  type,
  source: 'graph_api',
  signaling: 'graph_api',
  at: Date.now(),
  dedupeKey: `k${++seq}`,
  phoneNumberId: PHONE,
  direction: 'business_initiated',
  ...extra,
});
const effect = (over: Partial<RecordSignalEffect> = {}): RecordSignalEffect => ({
  terminal: false,
  live: false,
  activeKey: KEY,
  retainMs: 60_000,
  maxSignals: 64,
  ...over,
});
const activeOf = async (store: CallStore, phone = PHONE) =>
  (await store.readFigures(Date.now(), WINDOW)).active.filter((a) => a.key.phoneNumberId === phone).reduce((n, a) => n + a.count, 0);
const eventually = async (probe: () => Promise<boolean>) => {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};

export function describeCallStoreContract(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`CallStore contract: ${name}`, () => {
    let t: StoreUnderTest;
    beforeAll(async () => {
      t = await factory();
    });
    afterAll(() => t?.close());
    const record = (callId: string, s: StoredSignal, e = effect()) => Promise.resolve(t.store.recordSignal(callId, signalKeyOf(s), s, e));

    it('adds a signal once: the same key again is a duplicate, and added returns every signal of the call', async () => {
      const id = newCall();
      const a = signal('connect', { parent: '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
      const b = signal('status', { status: 'ringing' });
      expect((await record(id, a)).outcome).toBe('added');
      expect((await record(id, a)).outcome).toBe('duplicate');
      const added = await record(id, b);
      expect(added.outcome).toBe('added');
      expect(added.signals.map((s) => [s.type, s.dedupeKey]).sort()).toEqual(
        [
          ['connect', a.dedupeKey],
          ['status', b.dedupeKey],
        ].sort(),
      );
      expect(added.signals.find((s) => s.type === 'connect')).toEqual(a);
    });

    it('keeps at most maxSignals per call, but always takes a terminal signal', async () => {
      const id = newCall();
      for (let i = 0; i < 3; i++) expect((await record(id, signal('status'), effect({ maxSignals: 3 }))).outcome).toBe('added');
      expect((await record(id, signal('status'), effect({ maxSignals: 3 }))).outcome).toBe('full');
      expect((await record(id, signal('terminate'), effect({ maxSignals: 3, terminal: true }))).outcome).toBe('added');
    });

    it('makes a call active on a live signal and inactive on a terminal one, for good', async () => {
      const phone = `1065${Date.now() % 1e9}`;
      const key = { ...KEY, phoneNumberId: phone };
      const id = newCall();
      await record(id, signal('connect', { phoneNumberId: phone }), effect({ live: true, activeKey: key }));
      expect(await eventually(async () => (await activeOf(t.store, phone)) === 1)).toBe(true);
      const figures = await t.store.readFigures(Date.now(), WINDOW);
      expect(figures.active.find((a) => a.key.phoneNumberId === phone)?.key).toEqual(key);
      expect(figures.phoneNumberIds).toContain(phone);
      await record(id, signal('terminate', { phoneNumberId: phone }), effect({ terminal: true, activeKey: key }));
      expect(await eventually(async () => (await activeOf(t.store, phone)) === 0)).toBe(true);
      await record(id, signal('status', { phoneNumberId: phone, status: 'accepted' }), effect({ live: true, activeKey: key }));
      await new Promise((r) => setTimeout(r, 50));
      expect(await activeOf(t.store, phone)).toBe(0);
    });

    it('hands a call to exactly one taker, which then refuses its signals until the tombstone expires', async () => {
      const id = newCall();
      await record(id, signal('connect'), effect({ live: true }));
      const takes = await Promise.all([1, 2, 3].map(() => Promise.resolve(t.store.takeCall(id, 300))));
      const winners = takes.filter((s) => s !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0].map((s) => s.type)).toEqual(['connect']);
      expect((await record(id, signal('status'))).outcome).toBe('finished');
      expect(await eventually(async () => (await record(id, signal('status'))).outcome === 'added')).toBe(true);
      expect(await t.store.takeCall(newCall(), 300)).toBeUndefined();
    });

    it('takes an active call out of the active set', async () => {
      const phone = `1066${Date.now() % 1e9}`;
      const id = newCall();
      await record(id, signal('connect', { phoneNumberId: phone }), effect({ live: true, activeKey: { ...KEY, phoneNumberId: phone } }));
      expect(await eventually(async () => (await activeOf(t.store, phone)) === 1)).toBe(true);
      await t.store.takeCall(id, 1000);
      expect(await eventually(async () => (await activeOf(t.store, phone)) === 0)).toBe(true);
    });

    it('gives a claim to exactly one of many concurrent claimers, and again once it expired', async () => {
      const key = `claim-${newCall()}`;
      const results = await Promise.all(Array.from({ length: 8 }, () => Promise.resolve(t.store.claimOnce(key, 200))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await eventually(async () => t.store.claimOnce(key, 200))).toBe(true);
    });

    it('records the same signal from concurrent writers once', async () => {
      const id = newCall();
      const s = signal('connect');
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => record(id, s)));
      expect(outcomes.filter((o) => o.outcome === 'added')).toHaveLength(1);
    });

    it('keeps window members once and drops those older than the window; counts pairs by usage, with Meta readings', async () => {
      const phone = `1067${Date.now() % 1e9}`;
      const now = Date.now();
      const pair = { kind: 'pair' as const, phoneNumberId: phone, pairKey: 'pairA' };
      await t.store.addToWindow(pair, 'call-1', now - 1000, WINDOW);
      await t.store.addToWindow(pair, 'call-1', now - 1000, WINDOW);
      await t.store.addToWindow(pair, 'call-2', now - 500, WINDOW);
      await t.store.addToWindow(pair, 'call-old', now - WINDOW - 1000, WINDOW);
      await t.store.addToWindow({ kind: 'initiations', phoneNumberId: phone }, 'call-1', now - 1000, WINDOW);
      await t.store.addToWindow({ kind: 'initiations', phoneNumberId: phone }, 'call-2', now - 500, WINDOW);
      const reading = { currentUsage: 4, maxAllowed: 5, observedAt: now - 800 };
      await t.store.setQuotaReading(phone, 'pairB', reading, WINDOW);
      const figures = await t.store.readFigures(now, WINDOW);
      const usage = (f: StoredFigures) => f.pairUsage.filter((p) => p.phoneNumberId === phone).sort((a, b) => a.usage - b.usage);
      // pairA: its two calls in the window, counted once each; pairB: Meta's reading, with its limit.
      expect(usage(figures)).toEqual([
        { phoneNumberId: phone, usage: 2, maxAllowed: undefined, pairs: 1 },
        { phoneNumberId: phone, usage: 4, maxAllowed: 5, pairs: 1 },
      ]);
      expect(figures.initiations.find((i) => i.phoneNumberId === phone)?.count).toBe(2);
      expect(figures.phoneNumberIds).toContain(phone);
      // Read later: pairA's first call left the window; pairB's reading is too old to count, and its pair has no calls.
      expect(usage(await t.store.readFigures(now - 700 + WINDOW, WINDOW))).toEqual([{ phoneNumberId: phone, usage: 1, maxAllowed: undefined, pairs: 1 }]);
    });
  });
}
