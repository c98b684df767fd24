/**
 * In-process `CallStore`. Windows are pruned on write and on snapshot, so memory follows the calls of
 * the last 24 h, not the process lifetime.
 */
import type { ActiveCallKey, CallStore, MetaQuotaReading, PhoneQuotaSnapshot, StoreSnapshot } from './call-store';

export const QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;

interface PairWindow {
  /** Connected BI calls in the window, by connect time, ascending. */
  calls: { at: number; callId: string }[];
  meta?: MetaQuotaReading;
}

export class InMemoryCallStore implements CallStore {
  private readonly active = new Map<string, ActiveCallKey>();
  /** One key object per (number, direction, signaling), shared by all its calls. */
  private readonly keys = new Map<string, ActiveCallKey>();
  private readonly pairs = new Map<string, Map<string, PairWindow>>();
  private readonly initiations = new Map<string, number[]>();
  private readonly phones = new Set<string>();

  constructor(private readonly windowMs = QUOTA_WINDOW_MS) {}

  addActive(callId: string, key: ActiveCallKey): void {
    const id = `${key.phoneNumberId}|${key.direction}|${key.signaling}`;
    let shared = this.keys.get(id);
    if (!shared) this.keys.set(id, (shared = { ...key }));
    this.active.set(callId, shared);
    this.phones.add(key.phoneNumberId);
  }

  removeActive(callId: string): void {
    this.active.delete(callId);
  }

  addConnectedBusinessInitiated(callId: string, phoneNumberId: string, pairKey: string, at: number): void {
    const w = this.pair(phoneNumberId, pairKey);
    if (w.calls.some((c) => c.callId === callId)) return;
    w.calls.push({ at, callId });
    w.calls.sort((a, b) => a.at - b.at);
    this.prune(w, at);
  }

  setMetaQuotaReading(phoneNumberId: string, pairKey: string, reading: MetaQuotaReading): void {
    this.pair(phoneNumberId, pairKey).meta = reading;
  }

  addInitiation(phoneNumberId: string, at: number): void {
    this.phones.add(phoneNumberId);
    const times = this.initiations.get(phoneNumberId) ?? [];
    times.push(at);
    while (times.length && times[0] <= at - this.windowMs) times.shift();
    this.initiations.set(phoneNumberId, times);
  }

  /** Active calls right now (tests and benchmarks). */
  get activeCount(): number {
    return this.active.size;
  }

  snapshot(now: number, pairLimit: number): StoreSnapshot {
    const counts = new Map<string, { key: ActiveCallKey; count: number }>();
    for (const key of this.active.values()) {
      const id = `${key.phoneNumberId}|${key.direction}|${key.signaling}`;
      const entry = counts.get(id) ?? { key, count: 0 };
      entry.count++;
      counts.set(id, entry);
    }
    const quota: PhoneQuotaSnapshot[] = [];
    for (const phoneNumberId of this.phones) {
      let maxPairUsage = 0;
      let exhaustedPairs = 0;
      const pairs = this.pairs.get(phoneNumberId);
      for (const [pairKey, w] of pairs ?? []) {
        this.prune(w, now);
        const usage = usageOf(w);
        if (usage === 0 && !w.calls.length) {
          pairs!.delete(pairKey);
          continue;
        }
        maxPairUsage = Math.max(maxPairUsage, usage);
        if (usage >= (w.meta?.maxAllowed ?? pairLimit)) exhaustedPairs++;
      }
      const inits = this.initiations.get(phoneNumberId) ?? [];
      while (inits.length && inits[0] <= now - this.windowMs) inits.shift();
      quota.push({ phoneNumberId, maxPairUsage, exhaustedPairs, initiations: inits.length });
    }
    return { active: [...counts.values()], quota, phoneNumberIds: [...this.phones] };
  }

  private pair(phoneNumberId: string, pairKey: string): PairWindow {
    this.phones.add(phoneNumberId);
    let pairs = this.pairs.get(phoneNumberId);
    if (!pairs) this.pairs.set(phoneNumberId, (pairs = new Map()));
    let w = pairs.get(pairKey);
    if (!w) pairs.set(pairKey, (w = { calls: [] }));
    return w;
  }

  private prune(w: PairWindow, now: number): void {
    while (w.calls.length && w.calls[0].at <= now - this.windowMs) w.calls.shift();
    if (w.meta?.limitExpiresAt !== undefined && w.meta.limitExpiresAt <= now) w.meta = undefined;
    else if (w.meta && w.meta.observedAt <= now - this.windowMs) w.meta = undefined;
  }
}

/**
 * Meta's reading is the truth at the time it was taken; calls connected since then are added on top.
 */
function usageOf(w: PairWindow): number {
  if (!w.meta) return w.calls.length;
  const observedAt = w.meta.observedAt;
  return w.meta.currentUsage + w.calls.filter((c) => c.at > observedAt).length;
}
