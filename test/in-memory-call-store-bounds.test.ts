/**
 * The in-memory store's once-only claims and finished-call tombstones are bounded in time and count,
 * and pruning them costs the same whatever their number: expired ones leave from the oldest on the next
 * insert, and over the cap the oldest leave first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryCallStore, MAX_CLAIMS, MAX_PAIRS_PER_NUMBER, MAX_TOMBSTONES, QUOTA_WINDOW_MS } from '../src/tracker/in-memory-call-store';

describe('in-memory call store bounds', () => {
  it('drops expired claims and tombstones on the next insert, long before the cap', () => {
    let now = 0;
    const store = new InMemoryCallStore(() => now);
    for (let i = 0; i < 1000; i++) {
      store.claimOnce(`c${i}`, 10);
      store.takeCall(`wacid.${i}`, 10);
    }
    expect(store.heldCounts).toMatchObject({ claims: 1000, tombstones: 1000 });
    now = 20;
    expect(store.claimOnce('fresh', 10)).toBe(true);
    store.takeCall('wacid.fresh', 10);
    expect(store.heldCounts).toMatchObject({ claims: 1, tombstones: 1 });
    expect(store.claimOnce('c0', 10)).toBe(true); // expired: claimable again
  });

  it('drops expired claims of a short TTL even when claims of a longer one were made between them', () => {
    let now = 0;
    const store = new InMemoryCallStore(() => now);
    for (let i = 0; i < 1000; i++) {
      store.claimOnce(`long${i}`, 1_000_000);
      store.claimOnce(`short${i}`, 10);
    }
    now = 20;
    store.claimOnce('short-fresh', 10);
    expect(store.heldCounts.claims).toBe(1000 + 1);
    expect(store.claimOnce('long0', 1_000_000)).toBe(false); // the long ones still held
  });

  it('keeps at most MAX_CLAIMS claims, forgetting the oldest first', () => {
    const store = new InMemoryCallStore(() => 0);
    let won = 0;
    for (let i = 0; i < MAX_CLAIMS + 10; i++) if (store.claimOnce(`c${i}`, 3_600_000)) won++;
    expect(won).toBe(MAX_CLAIMS + 10);
    expect(store.heldCounts.claims).toBe(MAX_CLAIMS);
    expect(store.claimOnce(`c${MAX_CLAIMS + 9}`, 3_600_000)).toBe(false); // the newest is held
    expect(store.claimOnce('c10', 3_600_000)).toBe(false); // the oldest still held
    expect(store.claimOnce('c0', 3_600_000)).toBe(true); // among the ten forgotten
  });

  it('keeps at most MAX_TOMBSTONES tombstones, forgetting the oldest first', () => {
    const store = new InMemoryCallStore(() => 0);
    for (let i = 0; i < MAX_TOMBSTONES + 10; i++) store.takeCall(`wacid.${i}`, 3_600_000);
    expect(store.heldCounts.tombstones).toBe(MAX_TOMBSTONES);
    // A tombstoned call's late signal is refused as finished; a forgotten one's is taken as a new call.
    const effect = { terminal: false, live: true, retainMs: 60_000, maxSignals: 64 };
    const signal = { type: 'status', source: 'webhook', signaling: 'graph_api', at: 0, dedupeKey: 'k' } as const;
    expect(store.recordSignal(`wacid.${MAX_TOMBSTONES + 9}`, 'k', { ...signal }, effect).outcome).toBe('finished');
    expect(store.recordSignal('wacid.0', 'k', { ...signal }, effect).outcome).toBe('added');
  });

  it('counts active calls per key exactly as a scan of every call would, whatever the order of live, terminal, take and discard', () => {
    const step = fc.record({ call: fc.nat(7), key: fc.nat(2), what: fc.constantFrom('live', 'other', 'terminal', 'take', 'discard') });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const store = new InMemoryCallStore(() => 0);
        const model = new Map<string, { key: number; active: boolean; ended: boolean }>();
        let seq = 0;
        for (const { call, key, what } of steps) {
          const id = `wacid.${call}`;
          if (what === 'take' || what === 'discard') {
            if (what === 'take') store.takeCall(id, 0);
            else store.discard(id);
            model.delete(id);
            continue;
          }
          const activeKey = { phoneNumberId: `p${key}`, direction: 'business_initiated', signaling: 'graph_api' };
          const effect = { terminal: what === 'terminal', live: what === 'live', activeKey, retainMs: 1000, maxSignals: 1000 };
          const signal = { type: 'status', source: 'webhook', signaling: 'graph_api', at: 0, dedupeKey: `k${++seq}` } as const;
          if (store.recordSignal(id, `k${seq}`, { ...signal }, effect).outcome !== 'added') continue;
          const m = model.get(id) ?? { key, active: false, ended: false };
          model.set(id, m);
          if (what === 'terminal') [m.ended, m.active] = [true, false];
          else if (what === 'live' && !m.ended && !m.active) [m.active, m.key] = [true, key];
        }
        const expected = new Map<string, number>();
        for (const m of model.values()) if (m.active) expected.set(`p${m.key}`, (expected.get(`p${m.key}`) ?? 0) + 1);
        const actual = new Map(store.readFigures(0, 1000).active.map((a) => [a.key.phoneNumberId, a.count]));
        expect(actual).toEqual(expected);
        expect(store.activeCount).toBe([...expected.values()].reduce((a, b) => a + b, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('counts a rolling window exactly as a plain list would, whatever the order, repeats and expiry of its members', () => {
    const op = fc.record({ member: fc.integer({ min: 0, max: 3000 }), at: fc.integer({ min: 0, max: 5000 }), jump: fc.integer({ min: 0, max: 60 }) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1500, maxLength: 4000 }), fc.integer({ min: 1, max: 2000 }), (ops, windowMs) => {
        let now = 0;
        const store = new InMemoryCallStore(() => now);
        const model = new Map<string, number>(); // member → time, while in the window
        const ref = { kind: 'pair' as const, phoneNumberId: 'p', pairKey: 'k' };
        // Read now and then on the way, and at the end.
        const check = () => {
          const since = now - windowMs;
          const expected = [...model.values()].filter((t) => t > since).length;
          const figures = store.readFigures(now, windowMs);
          expect([figures.initiations[0]?.count ?? 0, figures.pairUsage[0]?.usage ?? 0], `now ${now} window ${windowMs}`).toEqual([expected, expected]);
        };
        for (const [n, o] of ops.entries()) {
          now += o.jump;
          const at = Math.max(0, now - 2500) + o.at; // mostly in order, some late, some ahead
          const member = `m${o.member}`;
          store.addToWindow(ref, member, at, windowMs);
          store.addToWindow({ kind: 'initiations', phoneNumberId: 'p' }, member, at, windowMs);
          // A member counts once while in the window; one that left it may come again.
          for (const [m, t] of model) if (t <= now - windowMs) model.delete(m);
          if (!model.has(member) && at > now - windowMs) model.set(member, at);
          if (n % 97 === 0) check();
        }
        check();
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a long rolling window exact across the compactions of its expired entries', () => {
    let now = 0;
    const store = new InMemoryCallStore(() => now);
    const ref = { kind: 'initiations' as const, phoneNumberId: 'p' };
    const live = (t: number) => 3 * Math.min(t + 1, 1000); // three members a millisecond, a 1000 ms window
    for (let t = 0; t < 5000; t++) {
      now = t;
      for (const m of ['a', 'b', 'c']) store.addToWindow(ref, `${m}${t}`, t, 1000);
      expect(store.readFigures(now, 1000).initiations[0].count).toBe(live(t));
    }
  });

  it('keeps only the quota pairs of the last 24 h, even when no metrics are ever collected', () => {
    const HOUR = 3600_000;
    let now = 0;
    const store = new InMemoryCallStore(() => now);
    for (let h = 0; h < 72; h++) {
      now = h * HOUR;
      for (let i = 0; i < 100; i++) {
        const pairKey = `consumer-${h}-${i}`;
        store.addToWindow({ kind: 'pair', phoneNumberId: 'p', pairKey }, `wacid.${h}-${i}`, now, QUOTA_WINDOW_MS);
        if (i % 10 === 0) store.setQuotaReading('p', pairKey, { currentUsage: 1, maxAllowed: 5, observedAt: now }, QUOTA_WINDOW_MS);
      }
    }
    // The last 24 hours' pairs (and the hour that just turned 24 h old, left at the next write).
    expect(store.heldCounts.pairs).toBeLessThanOrEqual(25 * 100);
    expect(store.heldCounts.pairs).toBeGreaterThanOrEqual(24 * 100);
    // What is kept is what the figures report: every pair at usage 1 (its call, or Meta's reading of 1 since which nothing connected).
    const figures = store.readFigures(now, QUOTA_WINDOW_MS);
    expect(figures.pairUsage.map((u) => [u.usage, u.maxAllowed, u.pairs]).sort()).toEqual([
      [1, undefined, 24 * 90],
      [1, 5, 24 * 10],
    ]);
    expect(store.heldCounts.pairs).toBe(24 * 100);
  });

  it('keeps at most MAX_PAIRS_PER_NUMBER pairs per number, forgetting the least recently written', () => {
    const store = new InMemoryCallStore(() => 0);
    for (let i = 0; i < MAX_PAIRS_PER_NUMBER + 10; i++)
      store.addToWindow({ kind: 'pair', phoneNumberId: 'p', pairKey: `k${i}` }, `wacid.${i}`, 0, QUOTA_WINDOW_MS);
    expect(store.heldCounts.pairs).toBe(MAX_PAIRS_PER_NUMBER);
    expect(store.readFigures(0, QUOTA_WINDOW_MS).pairUsage).toEqual([{ phoneNumberId: 'p', usage: 1, maxAllowed: undefined, pairs: MAX_PAIRS_PER_NUMBER }]);
  });

  it("reports a pair's new call, new reading and the calls that left the window at the next read", () => {
    let now = 1000;
    const store = new InMemoryCallStore(() => now);
    const ref = { kind: 'pair' as const, phoneNumberId: 'p', pairKey: 'k' };
    const usage = () => store.readFigures(now, QUOTA_WINDOW_MS).pairUsage.map((u) => [u.usage, u.maxAllowed, u.pairs]);
    store.addToWindow(ref, 'a', 1000, QUOTA_WINDOW_MS);
    expect(usage()).toEqual([[1, undefined, 1]]);
    now = 2000;
    store.addToWindow(ref, 'b', 2000, QUOTA_WINDOW_MS);
    expect(usage()).toEqual([[2, undefined, 1]]);
    store.setQuotaReading('p', 'k', { currentUsage: 5, maxAllowed: 9, observedAt: 2000, limitExpiresAt: 50_000 });
    expect(usage()).toEqual([[5, 9, 1]]);
    now = 50_000; // the reading expired: the calls in the window count again
    expect(usage()).toEqual([[2, undefined, 1]]);
    now = 1000 + QUOTA_WINDOW_MS; // the first call leaves the window
    expect(usage()).toEqual([[1, undefined, 1]]);
    now = 2000 + QUOTA_WINDOW_MS;
    expect(usage()).toEqual([]);
    expect(store.heldCounts.pairs).toBe(0);
  });
});
