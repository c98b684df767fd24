/**
 * The in-process quota pairs' own machinery: the heap their time-driven changes wait in, and that
 * superseded entries in it stay bounded while the figures stay exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuotaPairs, SETTLE_PER_WRITE } from '../src/tracker/quota-pairs';
import { MinHeap } from '../src/util/min-heap';

describe('MinHeap', () => {
  it('pops in ascending order whatever was pushed, also after a filter', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 300 }), fc.integer({ min: 2, max: 5 }), (keys, mod) => {
        const heap = new MinHeap<{ k: number }>((x) => x.k);
        for (const k of keys) heap.push({ k });
        heap.filter((x) => x.k % mod !== 0);
        const out: number[] = [];
        for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x.k);
        expect(out).toEqual(keys.filter((k) => k % mod !== 0).sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });
});

describe('QuotaPairs', () => {
  const WINDOW = 100_000;
  const counts = (pairs: QuotaPairs, now: number) => [...pairs.counts(now, WINDOW)].map((b) => [b.usage, b.maxAllowed ?? null, b.pairs]);

  it("keeps superseded deadlines bounded when a pair's reading is replaced again and again, and still counts right", () => {
    const pairs = new QuotaPairs(1000);
    let now = 0;
    pairs.addCall('k', 'wacid.1', now, now, WINDOW);
    // A reading before every call (some apps ask /call_permissions each time): a new expiry each time.
    for (let i = 0; i < 5000; i++) {
      now += 10;
      pairs.setReading('k', { currentUsage: 2, maxAllowed: 9, observedAt: now, limitExpiresAt: now + 50_000 }, now, WINDOW);
      expect(pairs.dueCount).toBeLessThanOrEqual(2 * pairs.size + 1025);
    }
    expect(counts(pairs, now)).toEqual([[2, 9, 1]]);
    // The last reading expires at now + 50 000: the one call (at 0) left the window long ago.
    expect(counts(pairs, now + 49_999)).toEqual([[2, 9, 1]]);
    expect(counts(pairs, now + 50_000)).toEqual([]);
    expect(pairs.size).toBe(0);
  });

  it('spreads a burst of pairs leaving the window over the following writes, and a read sees them all gone', () => {
    const pairs = new QuotaPairs(100_000);
    for (let i = 0; i < 2000; i++) pairs.addCall(`k${i}`, `wacid.${i}`, 0, 0, WINDOW);
    pairs.addCall('fresh', 'wacid.fresh', WINDOW, WINDOW, WINDOW);
    expect(pairs.size).toBe(2000 - SETTLE_PER_WRITE + 1);
    expect(counts(pairs, WINDOW)).toEqual([[1, null, 1]]);
    expect(pairs.size).toBe(1);
  });

  it('forgets a pair once its last call left the window, and a number of pairs no more than the cap', () => {
    const pairs = new QuotaPairs(3);
    for (let i = 0; i < 5; i++) pairs.addCall(`k${i}`, `wacid.${i}`, i, i, WINDOW);
    expect(pairs.size).toBe(3);
    expect(counts(pairs, 10)).toEqual([[1, null, 3]]);
    expect(counts(pairs, 4 + WINDOW)).toEqual([]);
    expect(pairs.size).toBe(0);
  });
});
