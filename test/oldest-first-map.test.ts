/**
 * OldestFirstMap behaves like a Map ordered by last write (the reference: a plain Map with delete then
 * set), whatever the mix of writes, deletes, prunes and compactions; and finding the oldest entry does
 * not get slower as deleted entries pile up (counted in steps, not timed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OldestFirstMap } from '../src/util/oldest-first-map';

type Op = { kind: 'set'; key: number; value: number } | { kind: 'delete'; key: number } | { kind: 'prune'; below: number; max: number } | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(60), value: fc.nat(1000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(60) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('prune' as const), below: fc.nat(1000), max: fc.nat(70) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('OldestFirstMap', () => {
  it('keeps the same entries, values and oldest-first order as a Map re-inserted on every write', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const map = new OldestFirstMap<number, number>();
        const ref = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            map.set(o.key, o.value);
            ref.delete(o.key);
            ref.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            expect(map.delete(o.key)).toBe(ref.delete(o.key));
          } else if (o.kind === 'clear') {
            map.clear();
            ref.clear();
          } else {
            const deleted: number[] = [];
            map.pruneOldest(
              (v) => v >= o.below,
              o.max,
              (k) => deleted.push(k),
            );
            const expected: number[] = [];
            for (const [k, v] of ref) {
              if (ref.size <= o.max && v >= o.below) break;
              ref.delete(k);
              expected.push(k);
            }
            expect(deleted).toEqual(expected);
          }
          expect(map.size).toBe(ref.size);
          expect(map.oldestKey()).toBe(ref.keys().next().value);
        }
        expect([...map.liveKeys()]).toEqual([...ref.keys()]);
        for (const [k, v] of ref) expect(map.get(k)).toBe(v);
        for (let k = 0; k <= 60; k++) expect(map.has(k)).toBe(ref.has(k));
      }),
      { numRuns: 200 },
    );
  });

  it('holds a bounded number of records however often entries are written again or expire from the front', () => {
    const map = new OldestFirstMap<string, number>();
    for (let i = 0; i < 200_000; i++) {
      map.set(`k${i % 5000}`, i); // written again and again
      map.set(`fifo${i}`, i);
      map.pruneOldest((v) => v > i - 1000, Infinity); // expire from the front
    }
    expect(map.heldRecords).toBeLessThanOrEqual(2 * map.size + 1025);
    expect(map.size).toBeLessThanOrEqual(5000 + 1000);
  });
});
