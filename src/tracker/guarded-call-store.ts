/**
 * The one path every call-store operation takes. A store may be remote and slow (Redis): nothing it
 * does may reach the app. Each operation is bounded in time (`timeoutMs`) and in number (`maxInFlight`);
 * a rejection, a throw or a timeout falls back to a local in-memory store, and the store is then marked
 * degraded (the figures are partial) until a write to it succeeds again (a store that can be read but
 * not written stays degraded). While degraded, the remote store is retried after a growing pause (a
 * circuit breaker), so an outage costs no timeouts per signal; the pause keeps growing across quick
 * relapses. Errors go to `diag` once per outage, and at most once a minute. Never throws, never rejects.
 *
 * After an outage, a call that was partly recorded in the local fallback is merged back when it ends:
 * its local signals join the shared store's (deduplicated by key).
 *
 * With a synchronous store (the in-memory one) results stay synchronous: tests and the default
 * single-process set-up see every effect at once.
 */
import { signalKeyOf } from '../events/call-signal';
import type { StoredSignal } from '../events/call-signal';
import { isPromise } from '../util/maybe-promise';
import type { MaybePromise } from '../util/maybe-promise';
import type { CallStore, MetaQuotaReading, QuotaWindowRef, RecordSignalEffect, RecordSignalResult, StoredFigures } from './call-store';
import { InMemoryCallStore } from './in-memory-call-store';

export interface StoreGuardOptions {
  timeoutMs?: number;
  maxInFlight?: number;
  /** Called once when the store becomes degraded and once when it recovers. */
  onDegraded(reason: string, err?: unknown): void;
  onRecovered(): void;
  now?: () => number;
}

export const STORE_GUARD_DEFAULTS = { timeoutMs: 1000, maxInFlight: 10_000, minPauseMs: 500, maxPauseMs: 30_000, logEveryMs: 60_000 };

export class GuardedCallStore implements CallStore {
  readonly fallback: InMemoryCallStore;
  private inFlight = 0;
  private degradedSince?: number;
  private retryAt = 0;
  private pauseMs = STORE_GUARD_DEFAULTS.minPauseMs;
  private recoveredAt = -Infinity;
  private probing = false;
  private loggedAt = -Infinity;
  private readonly now: () => number;

  constructor(
    private readonly primary: CallStore,
    private readonly o: StoreGuardOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.fallback = new InMemoryCallStore(this.now);
  }

  /** True while operations go to the local fallback: shared figures are then partial. */
  get degraded(): boolean {
    return this.degradedSince !== undefined;
  }

  /** Operations currently waiting on the primary store. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * When the shared store answers that the call is finished (another instance took it), a copy this
   * instance kept locally during an outage is dropped: nothing else would ever take it out.
   */
  recordSignal(callId: string, signalKey: string, signal: StoredSignal, effect: RecordSignalEffect): MaybePromise<RecordSignalResult> {
    return this.writeThen(
      () => this.primary.recordSignal(callId, signalKey, signal, effect),
      () => this.fallback.recordSignal(callId, signalKey, signal, effect),
      (r, byPrimary) => {
        if (byPrimary && r.outcome === 'finished') this.fallback.discard(callId);
        return r;
      },
    );
  }

  /**
   * The shared store decides who ends the call. Signals this instance kept locally during an outage
   * join the shared ones; if the shared store answered that another instance already took the call,
   * the local copy is dropped (it was reported there).
   */
  takeCall(callId: string, tombstoneMs: number): MaybePromise<readonly StoredSignal[] | undefined> {
    return this.writeThen(
      () => this.primary.takeCall(callId, tombstoneMs),
      () => this.fallback.takeCall(callId, tombstoneMs),
      (shared, byPrimary) => {
        if (!byPrimary) return shared;
        const local = this.fallback.takeCall(callId, tombstoneMs);
        if (!shared || !local?.length) return shared;
        const keys = new Set(shared.map(signalKeyOf));
        return [...shared, ...local.filter((s) => !keys.has(signalKeyOf(s)))];
      },
    );
  }

  claimOnce(key: string, ttlMs: number): MaybePromise<boolean> {
    return this.write(
      () => this.primary.claimOnce(key, ttlMs),
      () => this.fallback.claimOnce(key, ttlMs),
    );
  }

  addToWindow(window: QuotaWindowRef, member: string, at: number, windowMs: number): MaybePromise<void> {
    return this.write(
      () => this.primary.addToWindow(window, member, at, windowMs),
      () => this.fallback.addToWindow(window, member, at, windowMs),
    );
  }

  setQuotaReading(phoneNumberId: string, pairKey: string, reading: MetaQuotaReading, windowMs: number): MaybePromise<void> {
    return this.write(
      () => this.primary.setQuotaReading(phoneNumberId, pairKey, reading, windowMs),
      () => this.fallback.setQuotaReading(phoneNumberId, pairKey, reading, windowMs),
    );
  }

  readFigures(now: number, windowMs: number): MaybePromise<StoredFigures> {
    return this.run(
      () => this.primary.readFigures(now, windowMs),
      () => this.fallback.readFigures(now, windowMs),
    );
  }

  /** Whether the store offers a secret shared by all instances. */
  get hasSharedSecret(): boolean {
    return typeof this.primary.sharedSecret === 'function';
  }

  sharedSecret(): MaybePromise<string | undefined> {
    const primary = this.primary;
    if (!primary.sharedSecret) return undefined;
    return this.run(
      () => primary.sharedSecret!(),
      () => undefined,
    );
  }

  close(): MaybePromise<void> {
    try {
      const closing = this.primary.close?.();
      if (isPromise(closing)) return closing.catch(() => undefined);
    } catch {
      // closing is best effort
    }
    return undefined;
  }

  private write<T>(onPrimary: () => MaybePromise<T>, onFallback: () => T): MaybePromise<T> {
    return this.run(onPrimary, onFallback, true);
  }

  /** `write`, then `then` on its result, told whether the primary store gave it (not the fallback). */
  private writeThen<T>(onPrimary: () => MaybePromise<T>, onFallback: () => T, then: (value: T, byPrimary: boolean) => T): MaybePromise<T> {
    let byPrimary = true;
    const result = this.write(onPrimary, () => {
      byPrimary = false;
      return onFallback();
    });
    return isPromise(result) ? result.then((value) => then(value, byPrimary)) : then(result, byPrimary);
  }

  /** `isWrite`: only a successful write proves the store usable again. */
  private run<T>(onPrimary: () => MaybePromise<T>, onFallback: () => T, isWrite = false): MaybePromise<T> {
    if (this.degradedSince !== undefined && this.now() < this.retryAt) return onFallback();
    if (this.inFlight >= (this.o.maxInFlight ?? STORE_GUARD_DEFAULTS.maxInFlight)) {
      this.fail('too many store operations waiting');
      return onFallback();
    }
    let result: MaybePromise<T>;
    try {
      result = onPrimary();
    } catch (err) {
      this.fail('the call store threw', err);
      return onFallback();
    }
    if (!isPromise(result)) {
      this.answered(isWrite);
      return result;
    }
    this.inFlight++;
    return withTimeout(result, this.o.timeoutMs ?? STORE_GUARD_DEFAULTS.timeoutMs).then(
      (value) => {
        this.inFlight--;
        this.answered(isWrite);
        return value;
      },
      (err: unknown) => {
        this.inFlight--;
        this.fail(err instanceof StoreTimeout ? 'the call store did not answer in time' : 'the call store failed', err);
        return onFallback();
      },
    );
  }

  private fail(reason: string, err?: unknown): void {
    const now = this.now();
    if (this.degradedSince === undefined) {
      this.degradedSince = now;
      // A relapse soon after recovering keeps growing the pause instead of starting over.
      const relapse = now - this.recoveredAt < STORE_GUARD_DEFAULTS.maxPauseMs;
      this.pauseMs = relapse ? Math.min(this.pauseMs * 2, STORE_GUARD_DEFAULTS.maxPauseMs) : STORE_GUARD_DEFAULTS.minPauseMs;
      if (now - this.loggedAt >= STORE_GUARD_DEFAULTS.logEveryMs) {
        this.loggedAt = now;
        safely(() => this.o.onDegraded(reason, err));
      }
    } else {
      this.pauseMs = Math.min(this.pauseMs * 2, STORE_GUARD_DEFAULTS.maxPauseMs);
    }
    this.retryAt = now + this.pauseMs;
  }

  /**
   * A read that works while degraded doesn't prove the store writable: it sends one harmless write (a
   * short-lived claim) whose success ends the degraded spell — so figures recover even with no traffic.
   */
  private answered(isWrite: boolean): void {
    if (isWrite) return this.succeed();
    if (this.degradedSince === undefined || this.probing) return;
    this.probing = true;
    const probe = this.write(
      () => this.primary.claimOnce(`whatsapp-calling:probe:${process.pid}:${this.now()}`, 1000),
      () => false,
    );
    const done = () => {
      this.probing = false;
    };
    if (isPromise(probe)) void probe.then(done, done);
    else done();
  }

  private succeed(): void {
    if (this.degradedSince === undefined) return;
    this.degradedSince = undefined;
    this.recoveredAt = this.now();
    safely(() => this.o.onRecovered());
  }
}

class StoreTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeout(`no answer in ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // a diag logger that throws must not break the call path
  }
}
