/**
 * Where the domain events of every source arrive: a Graph exchange, a SIP transaction, a webhook
 * delivery. Each is recorded as operation telemetry where it has some (the `whatsapp {operation}`
 * span and the operation metrics), turned into signals, and handed to the one call path.
 *
 * The operation span is recorded first and its context travels in the signal: the call span, recorded
 * when the call ends (possibly by another app instance), links to every operation span of its call.
 */
import type { Context, DiagLogger, Tracer } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import type { CallPath } from './call-path';
import type { GraphOperationEvent } from './events/graph-operation';
import * as A from './semconv';
import { signalsOfGraphOperation } from './signals/from-graph';
import { signalsOfSipOperation } from './signals/from-sip';
import { signalsOfWebhook } from './signals/from-webhook';
import type { SipOperationEvent } from './sip/tracking/sip-operation';
import { recordGraphOperation } from './telemetry/graph-operation-span';
import type { GraphSpanDeps } from './telemetry/graph-operation-span';
import type { OperationMetrics } from './telemetry/operation-metrics';
import { recordSipOperation } from './telemetry/sip-operation-span';
import type { WhatsAppCallingInstrumentationConfig } from './types';
import { traceContextFromCallbackData } from './webhooks/callback-trace-context';

export interface EventRouterDeps {
  tracer(): Tracer;
  metrics(): OperationMetrics;
  config(): WhatsAppCallingInstrumentationConfig;
  calls(): CallPath;
  isEnabled(): boolean;
  diag: DiagLogger;
  now?: () => number;
}

export class EventRouter {
  /** Built once: this runs for every Graph request. */
  private readonly graphSpanDeps: GraphSpanDeps;

  constructor(private readonly deps: EventRouterDeps) {
    this.graphSpanDeps = { tracer: () => deps.tracer(), metrics: () => deps.metrics(), config: () => deps.config(), diag: deps.diag };
  }

  graphOperation(event: GraphOperationEvent): void {
    this.guard('a Graph operation', () => {
      const { span } = recordGraphOperation(event, this.graphSpanDeps);
      const calls = this.deps.calls();
      const signals = signalsOfGraphOperation(event, span.spanContext());
      // A call request names its number even when it failed without a call id (e.g. 138002 at the
      // limit); a call signal names it anyway (same number, direction and signaling).
      if (event.operation.direction && !signals.calls.length) calls.knowNumber(event.endpoint.phoneNumberId, event.operation.direction, A.SIGNALING_GRAPH_API);
      calls.ingest(signals);
    });
  }

  sipOperation(event: SipOperationEvent): void {
    this.guard('a SIP operation', () => {
      const span = recordSipOperation(event, this.deps.tracer(), this.deps.metrics(), this.deps.config());
      this.deps.calls().ingest(signalsOfSipOperation(event, span.spanContext()));
    });
  }

  /**
   * A webhook delivery (parsed JSON, raw text or Buffer). Returns the trace context the app's handler
   * may continue: the one echoed in `biz_opaque_callback_data`, when that propagation is on.
   */
  webhook(body: unknown): Context | undefined {
    let continued: Context | undefined;
    this.guard('a webhook', () => {
      const signals = signalsOfWebhook(typeof body === 'string' || Buffer.isBuffer(body) ? safeJson(body) : body, (this.deps.now ?? Date.now)());
      const propagate = this.deps.config().traceContextInCallbackData === true;
      for (const signal of signals.calls) {
        const remote = propagate ? traceContextFromCallbackData(signal.bizOpaqueCallbackData) : undefined;
        continued ??= remote;
        signal.parentContext = remote ?? context.active();
      }
      this.deps.calls().ingest(signals);
    });
    return continued;
  }

  private guard(what: string, fn: () => void): void {
    if (!this.deps.isEnabled()) return;
    try {
      fn();
    } catch (err) {
      this.deps.diag.error(`failed to observe ${what}`, err);
    }
  }
}

function safeJson(raw: string | Buffer): unknown {
  try {
    return JSON.parse(raw.toString());
  } catch {
    return undefined;
  }
}
