/**
 * The state the capacity metrics are computed from: which calls are active, connected
 * business-initiated calls per (number, user) pair in a rolling 24 h, and call initiations per
 * number. An interface so that apps running several instances can back it with a shared store
 * (planned); writes may be async there, so callers never rely on their completion, and reads go
 * through one `snapshot()` taken at metric collection time.
 *
 * Pair keys are opaque (an HMAC of the consumer's number made by the tracker): no user identifier
 * reaches the store.
 */

export interface ActiveCallKey {
  phoneNumberId: string;
  direction: string;
  signaling: string;
}

/** Meta's own counters for a pair, from `GET /call_permissions` (`start_call` limits). */
export interface MetaQuotaReading {
  currentUsage: number;
  maxAllowed?: number;
  /** Epoch ms when the oldest counted call leaves the window (`limit_expiration_time`). */
  limitExpiresAt?: number;
  observedAt: number;
}

export interface PhoneQuotaSnapshot {
  phoneNumberId: string;
  /** Connected business-initiated calls of the busiest pair in the window. */
  maxPairUsage: number;
  /** Pairs whose usage reached their limit. */
  exhaustedPairs: number;
  /** Successful call initiations (connects) in the window. */
  initiations: number;
}

export interface StoreSnapshot {
  active: { key: ActiveCallKey; count: number }[];
  quota: PhoneQuotaSnapshot[];
  phoneNumberIds: string[];
}

export interface CallStore {
  /** Idempotent per call id. */
  addActive(callId: string, key: ActiveCallKey): void | Promise<void>;
  /** Idempotent; unknown ids are ignored. */
  removeActive(callId: string): void | Promise<void>;
  /** Idempotent per call id. */
  addConnectedBusinessInitiated(callId: string, phoneNumberId: string, pairKey: string, at: number): void | Promise<void>;
  setMetaQuotaReading(phoneNumberId: string, pairKey: string, reading: MetaQuotaReading): void | Promise<void>;
  addInitiation(phoneNumberId: string, at: number): void | Promise<void>;
  snapshot(now: number, pairLimit: number): StoreSnapshot | Promise<StoreSnapshot>;
}
