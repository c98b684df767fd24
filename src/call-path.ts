/**
 * Wires the call tracker between its sources (Graph operations, webhooks, SIP) and telemetry (the
 * `whatsapp call` span and the call metrics). Created lazily by the instrumentation.
 */
import type { Context, DiagLogger, Meter, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import { createHmac, randomBytes } from 'node:crypto';
import { classifyGraphError } from './catalogue';
import type { CallSignal } from './events/call-signal';
import type { GraphOperationEvent } from './events/graph-operation';
import * as A from './semconv';
import { CallMetrics } from './telemetry/call-metrics';
import { endCallSpan, startCallSpan } from './telemetry/call-span';
import type { OperationMetrics } from './telemetry/operation-metrics';
import { CallTracker } from './tracker/call-tracker';
import type { CallStore } from './tracker/call-store';
import { signalOfGraphOperation } from './tracker/graph-signals';
import { InMemoryCallStore } from './tracker/in-memory-call-store';
import type { WhatsAppCallingInstrumentationConfig } from './types';
import { traceContextFromCallbackData } from './webhooks/callback-trace-context';
import { parseWebhookDelivery } from './webhooks/parse-webhook';

export const DEFAULTS = {
  concurrentCallLimit: 1000,
  businessInitiatedCallLimit: 100,
  callInitiationLimit: 10_000,
  callTtlMs: 4 * 60 * 60 * 1000,
  callSettleMs: 5000,
  tombstoneMs: 15 * 60 * 1000,
};

export interface CallLifecycleDeps {
  tracer(): Tracer;
  meter(): Meter;
  operationMetrics(): OperationMetrics;
  config(): WhatsAppCallingInstrumentationConfig;
  diag: DiagLogger;
  now?: () => number;
}

export class CallLifecycle {
  readonly tracker: CallTracker<Span>;
  readonly store: CallStore;
  private callMetrics: CallMetrics;
  private readonly pairSecret: string;
  private readonly now: () => number;

  constructor(private readonly deps: CallLifecycleDeps) {
    const config = deps.config();
    this.now = deps.now ?? Date.now;
    this.store = config.callStore ?? new InMemoryCallStore();
    // Pair keys must match across instances sharing a store: derive them from the configured hash key.
    this.pairSecret = config.consumerNumberHashKey ?? randomBytes(16).toString('hex');
    this.callMetrics = this.createCallMetrics(deps.meter());
    this.tracker = new CallTracker<Span>({
      store: this.store,
      now: this.now,
      ttlMs: () => deps.config().callTtlMs ?? DEFAULTS.callTtlMs,
      settleMs: () => deps.config().callSettleMs ?? DEFAULTS.callSettleMs,
      tombstoneMs: DEFAULTS.tombstoneMs,
      pairKey: (phone, consumer) => this.pairKeyOf(phone, consumer),
      onError: (where, err) => deps.diag.error(`internal error in ${where}`, err),
      listener: {
        started: (first) => startCallSpan(deps.tracer(), first),
        businessInitiatedConnected: (phone) => this.callMetrics.businessInitiatedConnected(phone),
        acceptedWithoutPreAccept: (record) => this.callMetrics.acceptedWithoutPreAccept(record),
        ended: (record, signals, span) => {
          endCallSpan(span, record, signals);
          this.callMetrics.callEnded(record);
          // Errors that reach us only in a terminate webhook count with the request errors.
          if (record.error && record.error.source === 'webhook') {
            deps.operationMetrics().countError({
              [A.ATTR_WA_ERROR_CATEGORY]: record.error.category,
              [A.ATTR_ERROR_TYPE]: String(record.error.code),
              [A.ATTR_WA_OPERATION]: 'webhook.terminate',
              [A.ATTR_WA_SIGNALING]: record.signaling,
              ...(record.phoneNumberId ? { [A.ATTR_WA_PHONE_NUMBER_ID]: record.phoneNumberId } : {}),
            });
          }
        },
      },
    });
  }

  /** Re-create instruments after `setMeterProvider`. */
  updateMeter(meter: Meter): void {
    this.callMetrics = this.createCallMetrics(meter);
  }

  /** Feeds a Graph operation; returns the call span's context for the operation span to link to. */
  observeGraphOperation(event: GraphOperationEvent): SpanContext | undefined {
    // A call request names its number even when it failed without a call id (e.g. 138002 at the limit).
    const { direction } = event.operation;
    if (direction) this.callMetrics.knowKey({ phoneNumberId: event.endpoint.phoneNumberId, direction, signaling: A.SIGNALING_GRAPH_API });
    const signal = signalOfGraphOperation(event);
    if (!signal) return undefined;
    return this.observeSignal(signal);
  }

  observeSignal(signal: CallSignal): SpanContext | undefined {
    this.ingest(signal);
    return this.tracker.handleOf(signal.callId)?.spanContext();
  }

  private ingest(signal: CallSignal): void {
    if (signal.phoneNumberId && signal.direction) this.callMetrics.knowKey({ phoneNumberId: signal.phoneNumberId, direction: signal.direction, signaling: signal.signaling });
    this.tracker.ingest(signal);
  }

  /** Observes a webhook delivery; returns a trace context to continue (callback-data propagation). */
  observeWebhook(body: unknown): Context | undefined {
    const parsed = parseWebhookDelivery(typeof body === 'string' || Buffer.isBuffer(body) ? safeJson(body) : body, this.now());
    const propagate = this.deps.config().traceContextInCallbackData === true;
    let continued: Context | undefined;
    for (const signal of parsed.signals) {
      const remote = propagate ? traceContextFromCallbackData(signal.bizOpaqueCallbackData) : undefined;
      continued ??= remote;
      this.ingest({ ...signal, parentContext: remote ?? context.active() });
    }
    for (const e of parsed.unattachedErrors) {
      const { category } = classifyGraphError({ code: e.code });
      this.deps.operationMetrics().countError({
        [A.ATTR_WA_ERROR_CATEGORY]: category,
        [A.ATTR_ERROR_TYPE]: String(e.code),
        [A.ATTR_WA_OPERATION]: `webhook.${e.field}`,
        [A.ATTR_WA_SIGNALING]: A.SIGNALING_GRAPH_API,
        ...(e.phoneNumberId ? { [A.ATTR_WA_PHONE_NUMBER_ID]: e.phoneNumberId } : {}),
      });
    }
    for (const r of parsed.permissionReplies) this.callMetrics.permissionReply(r.phoneNumberId, r.response, r.responseSource);
    return continued;
  }

  /** Meta's own quota counters from a `GET /call_permissions` response are the truth for that pair. */
  observePermissionReading(event: GraphOperationEvent, consumer: string | undefined): void {
    const limit = event.response.startCallLimits?.find((l) => l.timePeriod === 'PT24H') ?? event.response.startCallLimits?.[0];
    if (!limit || limit.currentUsage === undefined || !consumer) return;
    const phone = event.endpoint.phoneNumberId;
    void this.store.setMetaQuotaReading(phone, this.pairKeyOf(phone, consumer), {
      currentUsage: limit.currentUsage,
      maxAllowed: limit.maxAllowed,
      limitExpiresAt: limit.limitExpirationTime !== undefined ? limit.limitExpirationTime * 1000 : undefined,
      observedAt: this.now(),
    });
  }

  stop(): void {
    this.tracker.stop();
  }

  private pairKeyOf(phone: string, consumer: string): string {
    return createHmac('sha256', this.pairSecret).update(`${phone}|${consumer}`).digest('base64url').slice(0, 22);
  }

  private createCallMetrics(meter: Meter): CallMetrics {
    const c = () => this.deps.config();
    return new CallMetrics(meter, () => this.store, {
      concurrentCallLimit: () => c().concurrentCallLimit ?? DEFAULTS.concurrentCallLimit,
      businessInitiatedCallLimit: () => c().businessInitiatedCallLimit ?? DEFAULTS.businessInitiatedCallLimit,
      callInitiationLimit: () => c().callInitiationLimit ?? DEFAULTS.callInitiationLimit,
    }, this.now);
  }
}

function safeJson(raw: string | Buffer): unknown {
  try {
    return JSON.parse(raw.toString());
  } catch {
    return undefined;
  }
}
