/**
 * In-process `CallStore` (the default, and the fallback while a shared store is unreachable). Bounded:
 * calls leave through `takeCall` (the tracker ends every call it saw, at the latest after its TTL) and
 * a hard cap; windows are pruned by time on write and read (quota pairs: see quota-pairs); tombstones
 * and claims expire and are capped.
 */
import type { StoredSignal } from '../events/call-signal';
import { OldestFirstMap } from '../util/oldest-first-map';
import { QuotaPairs } from './quota-pairs';
import { TimeWindow } from './time-window';
import type { ActiveCallKey, CallStore, MetaQuotaReading, QuotaWindowRef, RecordSignalEffect, RecordSignalResult, StoredFigures } from './call-store';

export const QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;
export const MAX_STORED_CALLS = 500_000;
export const MAX_TOMBSTONES = 100_000;
export const MAX_CLAIMS = 200_000;
const MAX_CLAIM_TTLS = 8;
/** (number, consumer) pairs kept per number: a day's worth at a very large contact centre. */
export const MAX_PAIRS_PER_NUMBER = 500_000;

/** A new call's signals until its first is added (never written: signals are replaced, not pushed). */
const NO_SIGNALS: readonly StoredSignal[] = Object.freeze([]);

interface StoredCall {
  /** Also the dedupe set: a call has few signals (capped), a scan is cheaper than a Set per call. */
  signals: readonly StoredSignal[];
  ended: boolean;
  /** The active-set key while the call is active (one shared object per key). */
  active?: ActiveCallKey;
}

export class InMemoryCallStore implements CallStore {
  private readonly calls = new Map<string, StoredCall>();
  /** One key object per (number, direction, signaling), shared by all its calls. */
  private readonly keys = new Map<string, ActiveCallKey>();
  /** Active calls per key, kept as calls come and go (a collection reads it instead of every call). */
  private readonly activeCounts = new Map<ActiveCallKey, number>();
  /** The last key handed out: most calls of an instance share one (number, direction, signaling). */
  private lastKey?: ActiveCallKey;
  private readonly tombstones = new OldestFirstMap<string, number>();
  /**
   * Claims by TTL (the tracker uses two), so that in each map insertion order is expiry order and
   * expired claims leave from the front: mixed TTLs in one map left short expired claims behind long
   * live ones until the cap.
   */
  private readonly claims = new Map<number, OldestFirstMap<string, number>>();
  private readonly pairs = new Map<string, QuotaPairs>();
  private readonly initiations = new Map<string, TimeWindow>();
  private readonly phones = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Calls held right now (tests and benchmarks). */
  get callCount(): number {
    return this.calls.size;
  }

  /** Claims, tombstones and quota pairs held right now (tests: all are bounded). */
  get heldCounts(): { claims: number; tombstones: number; pairs: number } {
    let pairs = 0;
    for (const byPhone of this.pairs.values()) pairs += byPhone.size;
    let claims = 0;
    for (const byTtl of this.claims.values()) claims += byTtl.size;
    return { claims, tombstones: this.tombstones.size, pairs };
  }

  /** Active calls right now (tests and benchmarks). */
  get activeCount(): number {
    let n = 0;
    for (const count of this.activeCounts.values()) n += count;
    return n;
  }

  recordSignal(callId: string, _signalKey: string, signal: StoredSignal, effect: RecordSignalEffect): RecordSignalResult {
    const tomb = this.tombstones.get(callId);
    if (tomb !== undefined && tomb > this.now()) return { outcome: 'finished', signals: [] };
    let call = this.calls.get(callId);
    // The key is `signalKeyOf(signal)`: compared field by field, without building a string per stored signal.
    if (call && hasSignal(call.signals, signal)) return { outcome: 'duplicate', signals: call.signals };
    if (!call) {
      if (this.calls.size >= MAX_STORED_CALLS) return { outcome: 'full', signals: [] };
      call = { signals: NO_SIGNALS, ended: false };
      this.calls.set(callId, call);
    }
    if (call.signals.length >= effect.maxSignals && !effect.terminal) return { outcome: 'full', signals: call.signals };
    // Copy instead of push: a pushed array reserves room for ~17 entries, most calls have a handful.
    call.signals = call.signals.length ? call.signals.concat(signal) : [signal];
    if (effect.terminal) {
      call.ended = true;
      this.setActive(call, undefined);
    } else if (effect.live && effect.activeKey && !call.ended && !call.active) {
      this.setActive(call, this.sharedKey(effect.activeKey));
      this.phones.add(effect.activeKey.phoneNumberId);
    }
    return { outcome: 'added', signals: call.signals };
  }

  takeCall(callId: string, tombstoneMs: number): readonly StoredSignal[] | undefined {
    const call = this.remove(callId);
    const now = this.now();
    this.tombstones.set(callId, now + tombstoneMs);
    this.tombstones.pruneOldest((until) => until > now, MAX_TOMBSTONES);
    return call?.signals;
  }

  /** Forgets a call without a tombstone (another store decided it is finished). */
  discard(callId: string): void {
    this.remove(callId);
  }

  claimOnce(key: string, ttlMs: number): boolean {
    const now = this.now();
    let byTtl = this.claims.get(ttlMs);
    if (!byTtl) {
      // A TTL follows the configuration: a handful at most; a stale one goes.
      if (this.claims.size >= MAX_CLAIM_TTLS) this.claims.delete(this.claims.keys().next().value!);
      this.claims.set(ttlMs, (byTtl = new OldestFirstMap<string, number>()));
    }
    const until = byTtl.get(key);
    if (until !== undefined && until > now) return false;
    byTtl.set(key, now + ttlMs);
    byTtl.pruneOldest((until) => until > now, MAX_CLAIMS);
    return true;
  }

  addToWindow(window: QuotaWindowRef, member: string, at: number, windowMs: number): void {
    this.phones.add(window.phoneNumberId);
    if (window.kind === 'pair') return this.pairsOf(window.phoneNumberId).addCall(window.pairKey, member, at, this.now(), windowMs);
    const list = this.initiationsOf(window.phoneNumberId);
    const since = this.now() - windowMs;
    // Pruned first, so that a member that left the window counts again; and after, should it be that old.
    list.prune(since);
    list.add(member, at);
    list.prune(since);
  }

  setQuotaReading(phoneNumberId: string, pairKey: string, reading: MetaQuotaReading, windowMs = QUOTA_WINDOW_MS): void {
    this.phones.add(phoneNumberId);
    this.pairsOf(phoneNumberId).setReading(pairKey, reading, this.now(), windowMs);
  }

  readFigures(now: number, windowMs: number): StoredFigures {
    const since = now - windowMs;
    const pairUsage: StoredFigures['pairUsage'] = [];
    for (const [phoneNumberId, byPhone] of this.pairs) {
      for (const { usage, maxAllowed, pairs } of byPhone.counts(now, windowMs)) pairUsage.push({ phoneNumberId, usage, maxAllowed, pairs });
      if (!byPhone.size) this.pairs.delete(phoneNumberId);
    }
    const initiations: StoredFigures['initiations'] = [];
    for (const [phoneNumberId, list] of this.initiations) {
      list.prune(since);
      initiations.push({ phoneNumberId, count: list.size });
    }
    return { active: [...this.activeCounts].map(([key, count]) => ({ key, count })), phoneNumberIds: [...this.phones], pairUsage, initiations };
  }

  /** A call leaves the store (and the active counts). */
  private remove(callId: string): StoredCall | undefined {
    const call = this.calls.get(callId);
    if (!call) return undefined;
    this.setActive(call, undefined);
    this.calls.delete(callId);
    return call;
  }

  private setActive(call: StoredCall, key: ActiveCallKey | undefined): void {
    const old = call.active;
    if (old === key) return;
    if (old) {
      const n = (this.activeCounts.get(old) ?? 1) - 1;
      if (n > 0) this.activeCounts.set(old, n);
      else this.activeCounts.delete(old);
    }
    if (key) this.activeCounts.set(key, (this.activeCounts.get(key) ?? 0) + 1);
    call.active = key;
  }

  private sharedKey(key: ActiveCallKey): ActiveCallKey {
    const last = this.lastKey;
    if (last && last.phoneNumberId === key.phoneNumberId && last.direction === key.direction && last.signaling === key.signaling) return last;
    const id = `${key.phoneNumberId}|${key.direction}|${key.signaling}`;
    let shared = this.keys.get(id);
    if (!shared) this.keys.set(id, (shared = { phoneNumberId: key.phoneNumberId, direction: key.direction, signaling: key.signaling }));
    return (this.lastKey = shared);
  }

  private pairsOf(phoneNumberId: string): QuotaPairs {
    let byPhone = this.pairs.get(phoneNumberId);
    if (!byPhone) this.pairs.set(phoneNumberId, (byPhone = new QuotaPairs(MAX_PAIRS_PER_NUMBER)));
    return byPhone;
  }

  private initiationsOf(phoneNumberId: string): TimeWindow {
    let list = this.initiations.get(phoneNumberId);
    if (!list) this.initiations.set(phoneNumberId, (list = new TimeWindow()));
    return list;
  }
}

function hasSignal(signals: readonly StoredSignal[], signal: StoredSignal): boolean {
  for (const s of signals) if (s.type === signal.type && s.dedupeKey === signal.dedupeKey) return true;
  return false;
}
