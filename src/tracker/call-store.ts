/**
 * Where call state lives: each live call's signals, the active-call set, the rolling 24 h windows
 * (connected business-initiated calls per (number, user) pair, initiations per number), Meta's quota
 * readings and once-only claims. In this process by default; in Redis when several app instances
 * must share it (one call's requests, webhooks and SIP may reach different instances).
 *
 * A store only stores: which signal ends a call, what proves it live, how usage is computed from the
 * windows and Meta's readings — all of that is the tracker's domain code (call-tracker, quota). Each
 * operation is atomic on its own, so instances sharing a store agree without locks. Methods may return
 * promises; callers never let a rejection reach the app (see guarded-call-store).
 *
 * Pair keys are opaque (a keyed hash of the consumer's number made by the tracker): no user
 * identifier reaches a store.
 */
import type { StoredSignal } from '../events/call-signal';
import type { MaybePromise } from '../util/maybe-promise';

export type { MaybePromise };

export interface ActiveCallKey {
  phoneNumberId: string;
  direction: string;
  signaling: string;
}

/** What recording a signal does to the active set, decided by the tracker. */
export interface RecordSignalEffect {
  /** The signal ends the call: it leaves the active set and never re-enters it. */
  terminal: boolean;
  /** The signal proves the call live: it enters the active set under `activeKey`, unless it ended. */
  live: boolean;
  activeKey?: ActiveCallKey;
  /** Keep the call's data at least this long after its last signal (its end may never be seen). */
  retainMs: number;
  /** At most this many signals per call; a terminal signal is always taken. */
  maxSignals: number;
}

export interface RecordSignalResult {
  /**
   * `added`: new for this call. `duplicate`: a signal with the same key was there (a redelivery, or
   * the same event seen by another instance). `finished`: the call was already ended and reported.
   * `full`: the call holds `maxSignals` already.
   */
  outcome: 'added' | 'duplicate' | 'finished' | 'full';
  /**
   * `added`: the call's signals after this one, from every instance sharing the store. Other outcomes:
   * may be empty (the tracker doesn't use them).
   */
  signals: readonly StoredSignal[];
}

/** Meta's own counters for a pair, from `GET /call_permissions` (`start_call` limits). */
export interface MetaQuotaReading {
  currentUsage: number;
  maxAllowed?: number;
  /** Epoch ms when the oldest counted call leaves the window (`limit_expiration_time`). */
  limitExpiresAt?: number;
  observedAt: number;
}

export type QuotaWindowRef = { kind: 'pair'; phoneNumberId: string; pairKey: string } | { kind: 'initiations'; phoneNumberId: string };

export interface PairUsageCount {
  phoneNumberId: string;
  usage: number;
  maxAllowed?: number;
  pairs: number;
}

/** The raw figures the capacity metrics are computed from (see quota.ts). */
export interface StoredFigures {
  active: { key: ActiveCallKey; count: number }[];
  phoneNumberIds: string[];
  /**
   * Per number, its pairs counted by usage (see quota.ts `pairUsageAt`): `pairs` pairs have `usage`
   * connected business-initiated calls in the window and Meta's limit `maxAllowed` (when a valid reading
   * gave one). Pairs at usage 0 may be left out.
   */
  pairUsage: PairUsageCount[];
  /** Initiations per number in the window. */
  initiations: { phoneNumberId: string; count: number }[];
}

export interface CallStore {
  /** Adds a call's signal unless one with the same key is there or the call finished; updates the active set with it, atomically. */
  recordSignal(callId: string, signalKey: string, signal: StoredSignal, effect: RecordSignalEffect): MaybePromise<RecordSignalResult>;
  /**
   * Ends a call for every instance, once: the one caller that ended it gets its signals, every other
   * caller (or an unknown call) gets undefined. The call leaves the active set, and its id is refused
   * for `tombstoneMs` so a late delivery can't start it again.
   */
  takeCall(callId: string, tombstoneMs: number): MaybePromise<readonly StoredSignal[] | undefined>;
  /** True for the first caller with this key within `ttlMs`, whichever instance it runs in. */
  claimOnce(key: string, ttlMs: number): MaybePromise<boolean>;
  /** Idempotent per member; entries older than `windowMs` may be dropped. */
  addToWindow(window: QuotaWindowRef, member: string, at: number, windowMs: number): MaybePromise<void>;
  setQuotaReading(phoneNumberId: string, pairKey: string, reading: MetaQuotaReading, windowMs: number): MaybePromise<void>;
  readFigures(now: number, windowMs: number): MaybePromise<StoredFigures>;
  /** A secret every instance sharing the store agrees on (keys the pair hashes); undefined if none. */
  sharedSecret?(): MaybePromise<string | undefined>;
  /** Releases connections the store opened itself. */
  close?(): MaybePromise<void>;
}
