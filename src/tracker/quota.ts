/**
 * The rolling 24 h quota arithmetic, from a store's raw figures: per number, the busiest (number,
 * user) pair's connected business-initiated calls, the pairs at their limit, and initiations.
 *
 * Meta's own reading (`GET /call_permissions`) is the truth at the time it was taken: a pair's usage
 * is that reading plus the calls connected since. A reading expires with its `limit_expiration_time`
 * (the oldest counted call left the window) or once it is older than the window.
 */
import type { StoredFigures } from './call-store';

export interface PhoneQuota {
  phoneNumberId: string;
  /** Connected business-initiated calls of the busiest pair in the window. */
  maxPairUsage: number;
  /** Pairs whose usage reached their limit. */
  exhaustedPairs: number;
  /** Successful call initiations (connects) in the window. */
  initiations: number;
}

export function quotaOf(figures: StoredFigures, now: number, windowMs: number, pairLimit: number): PhoneQuota[] {
  const byPhone = new Map<string, PhoneQuota>();
  const phone = (phoneNumberId: string) => {
    let q = byPhone.get(phoneNumberId);
    if (!q) byPhone.set(phoneNumberId, (q = { phoneNumberId, maxPairUsage: 0, exhaustedPairs: 0, initiations: 0 }));
    return q;
  };
  for (const id of figures.phoneNumberIds) phone(id);
  const since = now - windowMs;
  for (const pair of figures.pairs) {
    const reading = pair.reading && (pair.reading.limitExpiresAt ?? Infinity) > now && pair.reading.observedAt > since ? pair.reading : undefined;
    const usage = reading ? reading.currentUsage + countAfter(pair.times, reading.observedAt) : countAfter(pair.times, since);
    const q = phone(pair.phoneNumberId);
    q.maxPairUsage = Math.max(q.maxPairUsage, usage);
    if (usage > 0 && usage >= (reading?.maxAllowed ?? pairLimit)) q.exhaustedPairs++;
  }
  for (const { phoneNumberId, count } of figures.initiations) phone(phoneNumberId).initiations = count;
  return [...byPhone.values()];
}

/** Times after `t`, counted without a filtered copy (this runs for every pair at every collection). */
function countAfter(times: readonly number[], t: number): number {
  let n = 0;
  for (const x of times) if (x > t) n++;
  return n;
}
