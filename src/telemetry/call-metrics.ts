/**
 * Call-level metrics: ended calls, answered-call duration, media timeouts, accepts without
 * pre_accept, connected business-initiated calls, and — read from the call store at collection time —
 * active calls against the per-number limit and the rolling 24 h quotas. Attributes are phone number
 * ids, directions, statuses and categories only: never call or user ids.
 */
import { ValueType } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import * as A from '../semconv';
import type { ActiveCallKey, CallStore } from '../tracker/call-store';
import { GuardedCallStore } from '../tracker/guarded-call-store';
import { QUOTA_WINDOW_MS } from '../tracker/in-memory-call-store';
import { quotaOf } from '../tracker/quota';
import type { CallRecord } from '../tracker/fold-call';

export interface CallMetricsLimits {
  concurrentCallLimit(): number;
  businessInitiatedCallLimit(): number;
  callInitiationLimit(): number;
}

/** Bound on the (number, direction, signaling) keys remembered for the zero-valued active series. */
export const MAX_KNOWN_ACTIVE_KEYS = 10_000;

export class CallMetrics {
  /**
   * Every key of the active-call gauge seen so far, reported as 0 when none of its calls is live: a call
   * that starts and ends between two collections would otherwise leave no series at all, and
   * `active / limit` would show "no data". Also, the SDK keeps exporting the last value of an attribute
   * set that a callback stopped observing.
   */
  private readonly knownKeys = new Map<string, Attributes>();
  private lastKey?: ActiveCallKey & { id: string };
  private readonly calls: Counter;
  private readonly duration: Histogram;
  private readonly mediaTimeouts: Counter;
  private readonly acceptsWithoutPreAccept: Counter;
  private readonly biConnected: Counter;
  private readonly permissionReplies: Counter;

  constructor(meter: Meter, store: () => CallStore, limits: CallMetricsLimits, now: () => number) {
    this.calls = meter.createCounter(A.METRIC_CALLS, { description: 'Ended WhatsApp calls by final status', unit: '{call}', valueType: ValueType.INT });
    this.duration = meter.createHistogram(A.METRIC_CALL_DURATION, {
      description: 'Duration of answered WhatsApp calls',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: A.CALL_DURATION_BUCKETS },
    });
    this.mediaTimeouts = meter.createCounter(A.METRIC_MEDIA_TIMEOUTS, {
      description: 'Calls terminated for lack of media',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    this.acceptsWithoutPreAccept = meter.createCounter(A.METRIC_ACCEPTS_WITHOUT_PRE_ACCEPT, {
      description: 'User-initiated calls accepted without a pre_accept first (clips the start of the audio)',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    this.biConnected = meter.createCounter(A.METRIC_BI_CONNECTED, {
      description: 'Connected (answered) business-initiated calls',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    this.permissionReplies = meter.createCounter(A.METRIC_PERMISSION_REPLIES, {
      description: 'Call permission replies from users',
      unit: '{reply}',
      valueType: ValueType.INT,
    });

    const active = meter.createObservableUpDownCounter(A.METRIC_CALLS_ACTIVE, {
      description: 'WhatsApp calls in progress',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    const activeLimit = meter.createObservableGauge(A.METRIC_CALLS_ACTIVE_LIMIT, {
      description: 'Concurrent call limit per business number',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    const pairMax = meter.createObservableGauge(A.METRIC_QUOTA_PAIR_USAGE_MAX, {
      description: 'Highest connected business-initiated calls of one (number, user) pair in the rolling 24 h',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    const pairLimit = meter.createObservableGauge(A.METRIC_QUOTA_PAIR_LIMIT, {
      description: 'Connected business-initiated calls allowed per pair in 24 h',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    const exhausted = meter.createObservableGauge(A.METRIC_QUOTA_EXHAUSTED_PAIRS, {
      description: 'Pairs at their business-initiated call limit',
      unit: '{pair}',
      valueType: ValueType.INT,
    });
    const inits = meter.createObservableGauge(A.METRIC_QUOTA_INITIATIONS, {
      description: 'Call initiations in the rolling 24 h',
      unit: '{call}',
      valueType: ValueType.INT,
    });
    const initsLimit = meter.createObservableGauge(A.METRIC_QUOTA_INITIATIONS_LIMIT, {
      description: 'Call initiations allowed per number in 24 h',
      unit: '{call}',
      valueType: ValueType.INT,
    });

    const degraded = meter.createObservableGauge(A.METRIC_STORE_DEGRADED, {
      description: 'Whether the shared call store is unreachable and figures come from this instance only (1) or not (0)',
      unit: '1',
      valueType: ValueType.INT,
    });

    meter.addBatchObservableCallback(
      async (observer) => {
        const s = store();
        if (s instanceof GuardedCallStore) observer.observe(degraded, s.degraded ? 1 : 0);
        const at = now();
        const figures = await s.readFigures(at, QUOTA_WINDOW_MS);
        const counts = new Map<string, number>();
        for (const { key, count } of figures.active) counts.set(this.knowKey(key, true), count);
        const phones = new Set(figures.phoneNumberIds);
        for (const [id, attrs] of this.knownKeys) {
          observer.observe(active, counts.get(id) ?? 0, attrs);
          phones.add(attrs[A.ATTR_WA_PHONE_NUMBER_ID] as string);
        }
        for (const phoneNumberId of phones) observer.observe(activeLimit, limits.concurrentCallLimit(), { [A.ATTR_WA_PHONE_NUMBER_ID]: phoneNumberId });
        for (const q of quotaOf(figures, limits.businessInitiatedCallLimit())) {
          const attrs = { [A.ATTR_WA_PHONE_NUMBER_ID]: q.phoneNumberId };
          observer.observe(pairMax, q.maxPairUsage, attrs);
          observer.observe(pairLimit, limits.businessInitiatedCallLimit(), attrs);
          observer.observe(exhausted, q.exhaustedPairs, attrs);
          observer.observe(inits, q.initiations, attrs);
          observer.observe(initsLimit, limits.callInitiationLimit(), attrs);
        }
      },
      [active, activeLimit, pairMax, pairLimit, exhausted, inits, initsLimit, degraded],
    );
  }

  /**
   * Remembers a key of the active-call gauge (a number the instrumentation saw a call operation or
   * signal for). Returns its id. `force`: keys the store reports live are kept even past the bound.
   */
  knowKey(key: ActiveCallKey, force = false): string {
    // Runs for every call signal, and most come from one number: the last key is remembered.
    const last = this.lastKey;
    if (last && last.phoneNumberId === key.phoneNumberId && last.direction === key.direction && last.signaling === key.signaling) return last.id;
    const id = `${key.phoneNumberId}|${key.direction}|${key.signaling}`;
    if (!this.knownKeys.has(id) && (force || this.knownKeys.size < MAX_KNOWN_ACTIVE_KEYS)) {
      this.knownKeys.set(id, {
        [A.ATTR_WA_PHONE_NUMBER_ID]: key.phoneNumberId,
        [A.ATTR_WA_CALL_DIRECTION]: key.direction,
        [A.ATTR_WA_SIGNALING]: key.signaling,
      });
    }
    if (this.knownKeys.has(id)) this.lastKey = { phoneNumberId: key.phoneNumberId, direction: key.direction, signaling: key.signaling, id };
    return id;
  }

  callEnded(r: CallRecord): void {
    const base: Attributes = { [A.ATTR_WA_SIGNALING]: r.signaling };
    if (r.phoneNumberId) base[A.ATTR_WA_PHONE_NUMBER_ID] = r.phoneNumberId;
    if (r.direction) base[A.ATTR_WA_CALL_DIRECTION] = r.direction;
    if (r.answered && r.durationS !== undefined) this.duration.record(r.durationS, base);
    if (r.mediaTimeout) {
      const timeout = Object.assign({}, base);
      timeout[A.ATTR_WA_MEDIA_TIMEOUT_KIND] = r.mediaTimeout.kind;
      timeout[A.ATTR_WA_MEDIA_TIMEOUT_PHASE] = r.mediaTimeout.phase;
      this.mediaTimeouts.add(1, timeout);
    }
    // `base` is extended last, once the histogram and the media-timeout counter have their copies.
    base[A.ATTR_WA_CALL_STATUS] = r.status;
    if (r.error) base[A.ATTR_WA_ERROR_CATEGORY] = r.error.category;
    this.calls.add(1, base);
  }

  /** Counted at the accept, labelled with the media security the business's SDP declared. */
  acceptedWithoutPreAccept(r: CallRecord): void {
    const attrs: Attributes = { [A.ATTR_WA_MEDIA_SECURITY]: r.mediaSecurity ?? 'unknown', [A.ATTR_WA_SIGNALING]: r.signaling };
    if (r.phoneNumberId) attrs[A.ATTR_WA_PHONE_NUMBER_ID] = r.phoneNumberId;
    this.acceptsWithoutPreAccept.add(1, attrs);
  }

  businessInitiatedConnected(phoneNumberId: string): void {
    this.biConnected.add(1, { [A.ATTR_WA_PHONE_NUMBER_ID]: phoneNumberId });
  }

  permissionReply(phoneNumberId: string | undefined, response: string, source: string | undefined): void {
    const attrs: Attributes = { [A.ATTR_WA_PERMISSION_RESPONSE]: response };
    if (source) attrs[A.ATTR_WA_PERMISSION_RESPONSE_SOURCE] = source;
    if (phoneNumberId) attrs[A.ATTR_WA_PHONE_NUMBER_ID] = phoneNumberId;
    this.permissionReplies.add(1, attrs);
  }
}
