/**
 * The rolling 24 h quota arithmetic: a (number, user) pair's usage of connected business-initiated
 * calls, and per number the busiest pair's usage, the pairs at their limit and the initiations.
 *
 * Meta's own reading (`GET /call_permissions`) is the truth at the time it was taken: a pair's usage
 * is that reading plus the calls connected since. A reading expires with its `limit_expiration_time`
 * (the oldest counted call left the window) or once it is older than the window.
 *
 * Stores keep each pair's usage up to date as calls and readings come and as time passes (they ask
 * `pairUsageAt` when it next changes), and report pairs counted by usage: a collection costs the same
 * at 100 pairs or 100k. The Redis store's scripts repeat `pairUsageAt` in Lua (see redis-scripts).
 */
import type { MetaQuotaReading, StoredFigures } from './call-store';

export interface PhoneQuota {
  phoneNumberId: string;
  /** Connected business-initiated calls of the busiest pair in the window. */
  maxPairUsage: number;
  /** Pairs whose usage reached their limit. */
  exhaustedPairs: number;
  /** Successful call initiations (connects) in the window. */
  initiations: number;
}

/** A pair's connected calls in time order: what `pairUsageAt` needs of them. */
export interface PairCallTimes {
  /** Calls connected after `t`. */
  countAfter(t: number): number;
  /** The earliest call after `t`, if any. */
  firstAfter(t: number): number | undefined;
}

export interface PairUsage {
  usage: number;
  /** Meta's limit for the pair, from a reading still valid. */
  maxAllowed?: number;
  /** When the usage next changes with time alone (a call leaves the window, the reading expires); Infinity if never. */
  changesAt: number;
  /** The reading, if still valid (an expired one never counts again: time only moves on). */
  reading?: MetaQuotaReading;
}

/** Whether Meta's reading still tells the pair's usage at `now`. */
function readingValid(reading: MetaQuotaReading | undefined, now: number, windowMs: number): reading is MetaQuotaReading {
  return reading !== undefined && (reading.limitExpiresAt ?? Infinity) > now && reading.observedAt > now - windowMs;
}

export function pairUsageAt(calls: PairCallTimes, reading: MetaQuotaReading | undefined, now: number, windowMs: number): PairUsage {
  if (readingValid(reading, now, windowMs)) {
    // Calls after the reading leave the window after the reading expires: only its expiry changes the usage.
    return {
      usage: reading.currentUsage + calls.countAfter(reading.observedAt),
      maxAllowed: reading.maxAllowed,
      changesAt: Math.min(reading.limitExpiresAt ?? Infinity, reading.observedAt + windowMs),
      reading,
    };
  }
  const since = now - windowMs;
  const first = calls.firstAfter(since);
  return { usage: calls.countAfter(since), changesAt: first === undefined ? Infinity : first + windowMs };
}

export function quotaOf(figures: StoredFigures, pairLimit: number): PhoneQuota[] {
  const byPhone = new Map<string, PhoneQuota>();
  const phone = (phoneNumberId: string) => {
    let q = byPhone.get(phoneNumberId);
    if (!q) byPhone.set(phoneNumberId, (q = { phoneNumberId, maxPairUsage: 0, exhaustedPairs: 0, initiations: 0 }));
    return q;
  };
  for (const id of figures.phoneNumberIds) phone(id);
  for (const { phoneNumberId, usage, maxAllowed, pairs } of figures.pairUsage) {
    const q = phone(phoneNumberId);
    if (usage > q.maxPairUsage) q.maxPairUsage = usage;
    if (usage > 0 && usage >= (maxAllowed ?? pairLimit)) q.exhaustedPairs += pairs;
  }
  for (const { phoneNumberId, count } of figures.initiations) phone(phoneNumberId).initiations = count;
  return [...byPhone.values()];
}
