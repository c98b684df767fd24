/**
 * One number's (number, user) pairs for the rolling quota, in this process: each pair's connected
 * business-initiated calls and Meta's latest reading, its usage kept current (quota.ts
 * `pairUsageAt`), and the pairs counted by (usage, limit). A pair's next time-driven change (a call
 * leaving the window, a reading expiring) waits in a heap, so a write or a read costs O(log pairs) per
 * change: the metric collection used to compute every pair's usage (~20 ms at 100k pairs).
 */
import type { MetaQuotaReading } from './call-store';
import { pairUsageAt } from './quota';
import { TimeWindow } from './time-window';
import { MinHeap } from '../util/min-heap';
import { OldestFirstMap } from '../util/oldest-first-map';

/** Pairs with the same usage and limit. */
export interface UsageBucket {
  readonly id: string;
  readonly usage: number;
  readonly maxAllowed?: number;
  pairs: number;
}

interface Pair {
  readonly key: string;
  readonly calls: TimeWindow;
  reading?: MetaQuotaReading;
  /** The bucket the pair is counted in; none while its usage is 0. */
  bucket?: UsageBucket;
  /** When its usage next changes with time alone; NaN once removed. */
  changesAt: number;
}

interface Due {
  at: number;
  pair: Pair;
}

/**
 * Due changes a write applies, at most: pairs that leave the window together (a day after a campaign)
 * cost ~1–2 µs each, so a burst is spread over the following writes; a read applies them all.
 */
export const SETTLE_PER_WRITE = 256;

export class QuotaPairs {
  /** In order of last write: over the cap, the least recently written pair goes. */
  private readonly pairs = new OldestFirstMap<string, Pair>();
  private readonly buckets = new Map<string, UsageBucket>();
  /** Entries whose time or pair changed since are skipped when they come up (see isCurrent). */
  private readonly due = new MinHeap<Due>((d) => d.at);

  constructor(private readonly maxPairs: number) {}

  get size(): number {
    return this.pairs.size;
  }

  /** Entries waiting in the heap, superseded ones included (tests: bounded). */
  get dueCount(): number {
    return this.due.size;
  }

  addCall(pairKey: string, member: string, at: number, now: number, windowMs: number): void {
    this.settle(now, windowMs, SETTLE_PER_WRITE);
    const pair = this.touch(pairKey);
    // A pair with a reading is refreshed when the reading expires: calls older than it may still be held.
    pair.calls.prune(now - windowMs);
    pair.calls.add(member, at);
    this.refresh(pair, now, windowMs);
  }

  setReading(pairKey: string, reading: MetaQuotaReading, now: number, windowMs: number): void {
    this.settle(now, windowMs, SETTLE_PER_WRITE);
    const pair = this.touch(pairKey);
    pair.reading = reading;
    this.refresh(pair, now, windowMs);
  }

  /** The pairs counted by usage at `now`; pairs at usage 0 are left out. */
  counts(now: number, windowMs: number): IterableIterator<UsageBucket> {
    this.settle(now, windowMs);
    return this.buckets.values();
  }

  /** Applies the time-driven changes due by `now`, at most `limit` (a write need not pay for a whole burst). */
  private settle(now: number, windowMs: number, limit = Infinity): void {
    let n = 0;
    for (let d = this.due.peek(); d !== undefined && d.at <= now && n++ < limit; d = this.due.peek()) {
      this.due.pop();
      if (isCurrent(d)) this.refresh(d.pair, now, windowMs);
    }
  }

  private touch(key: string): Pair {
    const pair = this.pairs.get(key) ?? { key, calls: new TimeWindow(), changesAt: Infinity };
    this.pairs.set(key, pair);
    // A pair goes when its content leaves the window (settle); this bounds a day's worth.
    if (this.pairs.size > this.maxPairs)
      this.pairs.pruneOldest(
        () => true,
        this.maxPairs,
        (_, oldest) => this.forget(oldest),
      );
    return pair;
  }

  private refresh(pair: Pair, now: number, windowMs: number): void {
    pair.calls.prune(now - windowMs);
    const u = pairUsageAt(pair.calls, pair.reading, now, windowMs);
    pair.reading = u.reading;
    this.count(pair, u.usage, u.maxAllowed);
    if (!pair.calls.size && !pair.reading) return this.remove(pair);
    if (u.changesAt === pair.changesAt) return;
    pair.changesAt = u.changesAt;
    if (u.changesAt === Infinity) return;
    this.due.push({ at: u.changesAt, pair });
    // Superseded entries wait for their time; a pair re-read often (a reading per call) could pile them up.
    if (this.due.size > 2 * this.pairs.size + 1024) this.due.filter(isCurrent);
  }

  private count(pair: Pair, usage: number, maxAllowed: number | undefined): void {
    const old = pair.bucket;
    if (old && old.usage === usage && old.maxAllowed === maxAllowed) return;
    if (old && --old.pairs === 0) this.buckets.delete(old.id);
    pair.bucket = undefined;
    if (usage <= 0) return;
    const id = `${usage}|${maxAllowed ?? ''}`;
    let bucket = this.buckets.get(id);
    if (!bucket) this.buckets.set(id, (bucket = { id, usage, maxAllowed, pairs: 0 }));
    bucket.pairs++;
    pair.bucket = bucket;
  }

  private remove(pair: Pair): void {
    this.pairs.delete(pair.key);
    this.forget(pair);
  }

  /** Uncounts a pair that left the map; its entries in the heap become stale. */
  private forget(pair: Pair): void {
    this.count(pair, 0, undefined);
    pair.changesAt = NaN;
  }
}

const isCurrent = (d: Due): boolean => d.pair.changesAt === d.at;
