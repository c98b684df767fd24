/**
 * The quota pairs a store keeps counted by usage must always equal what a plain model computes from
 * every call and reading it was given: random calls (late, early, repeated), Meta readings (expiring by
 * `limitExpiresAt` or by age), time moving on, reads in between. Run against the in-memory store and
 * Redis (whose Lua repeats the usage rule).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallStore, MetaQuotaReading, PairUsageCount } from '../../src/tracker/call-store';

export interface ClockedStore {
  store: CallStore;
  close(): Promise<void>;
}

const WINDOW = 100_000;
const PAIRS = ['pa', 'pb', 'pc'];

type Op =
  | { kind: 'call'; pair: number; member: number; offset: number }
  | { kind: 'reading'; pair: number; currentUsage: number; maxAllowed?: number; observedOffset: number; expiresIn?: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'read' };

/** Times on a coarse grid, so that calls, readings, expiries and reads often fall on the same millisecond. */
const ms = (min: number, max: number) => fc.integer({ min: min / STEP, max: max / STEP }).map((n) => n * STEP);
const STEP = 2_500;

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('call' as const), pair: fc.nat(2), member: fc.nat(40), offset: ms(-WINDOW - 20_000, 5_000) }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('reading' as const),
        pair: fc.nat(2),
        currentUsage: fc.nat(6),
        maxAllowed: fc.integer({ min: 1, max: 6 }),
        observedOffset: ms(-WINDOW - 10_000, 2_500),
        expiresIn: ms(-10_000, WINDOW),
      },
      { requiredKeys: ['kind', 'pair', 'currentUsage', 'observedOffset'] },
    ),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: ms(0, 40_000) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const) }) },
);

/** What the pairs of one number should read as at `now`, from the plain model. */
function expected(calls: Map<string, number>[], readings: (MetaQuotaReading | undefined)[], now: number): string[] {
  const since = now - WINDOW;
  const buckets = new Map<string, number>();
  calls.forEach((byMember, i) => {
    const times = [...byMember.values()].filter((t) => t > since);
    const r = readings[i];
    const valid = r && (r.limitExpiresAt ?? Infinity) > now && r.observedAt > since;
    const usage = valid ? r.currentUsage + times.filter((t) => t > r.observedAt).length : times.length;
    if (usage > 0) {
      const id = `${usage}|${valid ? (r.maxAllowed ?? '') : ''}`;
      buckets.set(id, (buckets.get(id) ?? 0) + 1);
    }
  });
  return [...buckets].map(([id, n]) => `${id}×${n}`).sort();
}

const actual = (counts: PairUsageCount[], phone: string): string[] =>
  counts
    .filter((c) => c.phoneNumberId === phone)
    .map((c) => `${c.usage}|${c.maxAllowed ?? ''}×${c.pairs}`)
    .sort();

export function describeQuotaPairsModel(name: string, open: (now: () => number) => Promise<ClockedStore>, numRuns: number): void {
  describe(`quota pairs: ${name}`, () => {
    it('counts pairs by usage exactly as a plain model of every call and reading does, as time moves on', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 80 }), async (ops) => {
          let now = 1_800_000_000_000;
          const t = await open(() => now);
          const phone = `1099${process.pid}${++run}`;
          const calls = PAIRS.map(() => new Map<string, number>());
          const readings: (MetaQuotaReading | undefined)[] = PAIRS.map(() => undefined);
          const check = async () => expect(actual((await t.store.readFigures(now, WINDOW)).pairUsage, phone)).toEqual(expected(calls, readings, now));
          try {
            for (const o of ops) {
              if (o.kind === 'call') {
                const member = `wacid.${o.member}`;
                const at = now + o.offset;
                await t.store.addToWindow({ kind: 'pair', phoneNumberId: phone, pairKey: PAIRS[o.pair] }, member, at, WINDOW);
                // A call id counts once while it is in the window (a redelivery); one that left it may come again.
                const byMember = calls[o.pair];
                for (const [m, at0] of byMember) if (at0 <= now - WINDOW) byMember.delete(m);
                if (!byMember.has(member) && at > now - WINDOW) byMember.set(member, at);
              } else if (o.kind === 'reading') {
                const reading: MetaQuotaReading = { currentUsage: o.currentUsage, observedAt: now + o.observedOffset };
                if (o.maxAllowed !== undefined) reading.maxAllowed = o.maxAllowed;
                if (o.expiresIn !== undefined) reading.limitExpiresAt = now + o.expiresIn;
                await t.store.setQuotaReading(phone, PAIRS[o.pair], reading, WINDOW);
                readings[o.pair] = reading;
              } else if (o.kind === 'wait') now += o.ms;
              else await check();
            }
            await check();
          } finally {
            await t.close();
          }
        }),
        { numRuns },
      );
    });
  });
}
