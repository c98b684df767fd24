/**
 * The call path: the one `ingest(signals)` every source's signals go through — Graph operations,
 * webhook deliveries and SIP transactions alike — into the call tracker and its store, and out as
 * call telemetry (the `whatsapp call` span and the call metrics). Signals that belong to no call
 * (Meta's quota readings, permission replies, errors reported outside a call) are handled here too,
 * each counted once across instances sharing a store.
 */
import type { DiagLogger, Meter, Tracer } from '@opentelemetry/api';
import { createHmac, randomBytes } from 'node:crypto';
import { classifyGraphError } from './catalogue';
import type { CallSignal } from './events/call-signal';
import type { Signals } from './events/signals';
import * as A from './semconv';
import { CallMetrics } from './telemetry/call-metrics';
import { recordCallSpan } from './telemetry/call-span';
import type { OperationMetrics } from './telemetry/operation-metrics';
import type { CallStore } from './tracker/call-store';
import { CallTracker } from './tracker/call-tracker';
import type { CallRecord } from './tracker/fold-call';
import { GuardedCallStore } from './tracker/guarded-call-store';
import { InMemoryCallStore, QUOTA_WINDOW_MS } from './tracker/in-memory-call-store';
import type { WhatsAppCallingInstrumentationConfig } from './types';
import { after, isPromise } from './util/maybe-promise';
import type { MaybePromise } from './util/maybe-promise';

export const DEFAULTS = {
  concurrentCallLimit: 1000,
  businessInitiatedCallLimit: 100,
  callInitiationLimit: 10_000,
  callTtlMs: 4 * 60 * 60 * 1000,
  callSettleMs: 5000,
  tombstoneMs: 15 * 60 * 1000,
};

const MAX_CACHED_PAIR_KEYS = 10_000;

export interface CallPathDeps {
  tracer(): Tracer;
  meter(): Meter;
  operationMetrics(): OperationMetrics;
  config(): WhatsAppCallingInstrumentationConfig;
  diag: DiagLogger;
  /** A shared store built from the configuration (Redis), if any; else `config.callStore` or in-memory. */
  sharedStore?: CallStore;
  now?: () => number;
}

export class CallPath {
  readonly tracker: CallTracker;
  /** What the tracker writes through: the guarded path to a custom or shared store, or the in-memory store. */
  readonly store: CallStore;
  private callMetrics: CallMetrics;
  /** Keys the consumer pair hashes; see lookUpPairSecret. */
  private pairSecret?: string;
  private readonly pairKeys = new Map<string, string>();
  private pairKeySecret?: string;
  private readonly now: () => number;

  constructor(private readonly deps: CallPathDeps) {
    const config = deps.config();
    this.now = deps.now ?? Date.now;
    const remote = deps.sharedStore ?? config.callStore;
    this.store = remote
      ? new GuardedCallStore(remote, {
          timeoutMs: config.callStoreTimeoutMs,
          now: this.now,
          onDegraded: (reason, err) => deps.diag.error(`call store unavailable (${reason}); using local state, figures are partial until it recovers`, err),
          onRecovered: () => deps.diag.info('call store recovered'),
        })
      : new InMemoryCallStore(this.now);
    this.callMetrics = this.createCallMetrics(deps.meter());
    this.tracker = new CallTracker({
      store: this.store,
      now: this.now,
      ttlMs: () => deps.config().callTtlMs ?? DEFAULTS.callTtlMs,
      settleMs: () => deps.config().callSettleMs ?? DEFAULTS.callSettleMs,
      tombstoneMs: DEFAULTS.tombstoneMs,
      pairKey: (phone, consumer) => this.pairKeyOf(phone, consumer),
      onError: (where, err) => deps.diag.error(`internal error in ${where}`, err),
      listener: {
        businessInitiatedConnected: (record) => record.phoneNumberId && this.callMetrics.businessInitiatedConnected(record.phoneNumberId),
        acceptedWithoutPreAccept: (record) => this.callMetrics.acceptedWithoutPreAccept(record),
        ended: (record, signals) => {
          recordCallSpan(deps.tracer(), record, signals);
          this.callMetrics.callEnded(record);
          this.countTerminateError(record);
        },
      },
    });
  }

  /** Re-create instruments after `setMeterProvider`. */
  updateMeter(meter: Meter): void {
    this.callMetrics = this.createCallMetrics(meter);
  }

  /** Feeds what one source observation told; never throws. Effects on a remote store follow asynchronously. */
  ingest(signals: Signals): void {
    for (const signal of signals.calls) this.ingestCallSignal(signal);
    for (const r of signals.quotaReadings ?? []) {
      after(
        this.pairKeyOf(r.phoneNumberId, r.consumer),
        (pairKey) => {
          const { currentUsage, maxAllowed, limitExpiresAt, observedAt } = r;
          void this.store.setQuotaReading(r.phoneNumberId, pairKey, { currentUsage, maxAllowed, limitExpiresAt, observedAt }, QUOTA_WINDOW_MS);
        },
        (err) => this.deps.diag.error('internal error in quota reading', err),
      );
    }
    for (const r of signals.permissionReplies ?? []) {
      this.once(r.dedupeKey, () => this.callMetrics.permissionReply(r.phoneNumberId, r.response, r.responseSource));
    }
    for (const e of signals.unattachedErrors ?? []) {
      this.once(e.dedupeKey, () =>
        this.deps.operationMetrics().countError({
          [A.ATTR_WA_ERROR_CATEGORY]: classifyGraphError({ code: e.code }).category,
          [A.ATTR_ERROR_TYPE]: String(e.code),
          [A.ATTR_WA_OPERATION]: `webhook.${e.field}`,
          [A.ATTR_WA_SIGNALING]: A.SIGNALING_GRAPH_API,
          ...(e.phoneNumberId ? { [A.ATTR_WA_PHONE_NUMBER_ID]: e.phoneNumberId } : {}),
        }),
      );
    }
  }

  /** Ends every call now (shutdown) and releases the store's connections. */
  async shutdown(): Promise<void> {
    this.tracker.flush(true);
    this.tracker.stop();
    await this.store.close?.();
  }

  stop(): void {
    this.tracker.stop();
  }

  private ingestCallSignal(signal: CallSignal): void {
    // A call signal names its number: its active-call series exists from now on, even at 0.
    if (signal.phoneNumberId && signal.direction) {
      this.callMetrics.knowKey({ phoneNumberId: signal.phoneNumberId, direction: signal.direction, signaling: signal.signaling });
    }
    this.tracker.ingest(signal);
  }

  /** Also for call requests that failed without a call id (e.g. 138002 at the limit). */
  knowNumber(phoneNumberId: string, direction: string, signaling: string): void {
    this.callMetrics.knowKey({ phoneNumberId, direction, signaling });
  }

  /** Errors that reach us only in a terminate (webhook or SIP) count with the request errors. */
  private countTerminateError(record: CallRecord): void {
    if (!record.error || record.error.source !== 'webhook') return;
    this.deps.operationMetrics().countError({
      [A.ATTR_WA_ERROR_CATEGORY]: record.error.category,
      [A.ATTR_ERROR_TYPE]: String(record.error.code),
      [A.ATTR_WA_OPERATION]: 'webhook.terminate',
      [A.ATTR_WA_SIGNALING]: record.signaling,
      ...(record.phoneNumberId ? { [A.ATTR_WA_PHONE_NUMBER_ID]: record.phoneNumberId } : {}),
    });
  }

  /** Runs `count` once per key across instances (a redelivered webhook); always when there is no key. */
  private once(key: string | undefined, count: () => void): void {
    if (!key) return count();
    after(
      this.store.claimOnce(key, DEFAULTS.tombstoneMs),
      (won) => won && count(),
      (err) => this.deps.diag.error('internal error in dedupe', err),
    );
  }

  /**
   * Pair keys must match across instances sharing a store: keyed by `consumerNumberHashKey`, else by
   * the store's shared secret, else by a per-process random key (one instance).
   */
  private pairKeyOf(phone: string, consumer: string): MaybePromise<string> {
    // An in-process store keeps the pair in this process' memory, where the consumer already is (a
    // business-initiated call's signals hold it): no HMAC (~3.5 µs per new pair) is needed there.
    if (!(this.store instanceof GuardedCallStore)) return `${phone}|${consumer}`;
    const secret = this.pairSecret ?? this.lookUpPairSecret();
    return typeof secret === 'string' ? this.hashPair(secret, `${phone}|${consumer}`) : secret.then((s) => this.hashPair(s, `${phone}|${consumer}`));
  }

  /**
   * The configured key, else the store's shared secret, else (one instance) a per-process key. While a
   * shared store can't give its secret, a one-off key is used (figures are partial then anyway) and it
   * is asked again next time, rather than keeping a key no other instance has.
   */
  private lookUpPairSecret(): MaybePromise<string> {
    const configured = this.deps.config().consumerNumberHashKey;
    if (configured) return (this.pairSecret = configured);
    if (!(this.store instanceof GuardedCallStore) || !this.store.hasSharedSecret) return (this.pairSecret = randomBytes(16).toString('hex'));
    const settle = (shared: string | undefined) => (shared ? (this.pairSecret = shared) : randomBytes(16).toString('hex'));
    const shared = this.store.sharedSecret();
    return isPromise(shared) ? shared.then(settle) : settle(shared);
  }

  /** An HMAC per connected call costs ~3.5 µs: remembered per pair (bounded), for the current secret. */
  private hashPair(secret: string, pair: string): string {
    if (this.pairKeySecret !== secret || this.pairKeys.size >= MAX_CACHED_PAIR_KEYS) {
      this.pairKeys.clear();
      this.pairKeySecret = secret;
    }
    let key = this.pairKeys.get(pair);
    if (key === undefined) this.pairKeys.set(pair, (key = createHmac('sha256', secret).update(pair).digest('base64url').slice(0, 22)));
    return key;
  }

  private createCallMetrics(meter: Meter): CallMetrics {
    const c = () => this.deps.config();
    return new CallMetrics(
      meter,
      () => this.store,
      {
        concurrentCallLimit: () => c().concurrentCallLimit ?? DEFAULTS.concurrentCallLimit,
        businessInitiatedCallLimit: () => c().businessInitiatedCallLimit ?? DEFAULTS.businessInitiatedCallLimit,
        callInitiationLimit: () => c().callInitiationLimit ?? DEFAULTS.callInitiationLimit,
      },
      this.now,
    );
  }
}
