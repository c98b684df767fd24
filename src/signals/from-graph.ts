/**
 * What a Graph operation tells the call path: the call signal it represents, if any (a connect that
 * returned a call id, or an action on a `call_id`), and Meta's quota counters when it was a
 * `GET /call_permissions`. Failed requests are signals too (they show on the call timeline) but never
 * make a call active or end it.
 */
import type { SpanContext } from '@opentelemetry/api';
import type { CallSignal, CallSignalType } from '../events/call-signal';
import type { GraphOperationEvent } from '../events/graph-operation';
import type { QuotaReadingSignal, Signals } from '../events/signals';
import type { CallAction } from '../graph/operation';
import { consumerOf } from '../telemetry/consumer-identity';

const TYPE_OF_ACTION: Record<CallAction, CallSignalType> = {
  connect: 'connect',
  pre_accept: 'pre_accept',
  accept: 'accept',
  reject: 'reject',
  terminate: 'terminate_request',
};

/** `operationSpan`: the `whatsapp {operation}` span recorded for this exchange (the call span links to it). */
export function signalsOfGraphOperation(event: GraphOperationEvent, operationSpan?: SpanContext): Signals {
  const call = callSignalOf(event, operationSpan);
  const reading = event.operation.name === 'call_permissions.get' ? quotaReadingOf(event) : undefined;
  return { calls: call ? [call] : [], quotaReadings: reading ? [reading] : undefined };
}

function callSignalOf(event: GraphOperationEvent, operationSpan: SpanContext | undefined): CallSignal | undefined {
  const { action } = event.operation;
  if (!action || event.aborted) return undefined;
  const callId = action === 'connect' ? event.response.callId : event.request.callId;
  if (!callId) return undefined;
  const requestId = event.responseHeaders['x-fb-request-id'];
  const succeeded = !event.transportFailure && event.statusCode !== undefined && event.statusCode < 400 && !event.response.error;
  return {
    callId,
    type: TYPE_OF_ACTION[action],
    source: 'graph_api',
    signaling: 'graph_api',
    at: event.startTime,
    dedupeKey: `graph|${requestId ?? event.startTime}`,
    phoneNumberId: event.endpoint.phoneNumberId,
    direction: event.operation.direction,
    consumer: action === 'connect' ? event.request.to : undefined,
    succeeded,
    requestId,
    bizOpaqueCallbackData: event.request.bizOpaqueCallbackData,
    mediaSecurity: event.request.mediaSecurity,
    errors: event.response.error?.code !== undefined ? [{ code: event.response.error.code, message: event.response.error.message }] : undefined,
    parentContext: event.parentContext,
    operationSpan,
  };
}

/** Meta's own counters (`start_call` limits, the 24 h one preferred) are the truth for their pair. */
function quotaReadingOf(event: GraphOperationEvent): QuotaReadingSignal | undefined {
  const limits = event.response.startCallLimits;
  const limit = limits?.find((l) => l.timePeriod === 'PT24H') ?? limits?.[0];
  const consumer = consumerOf(undefined, event.endpoint.query);
  if (!limit || limit.currentUsage === undefined || !consumer) return undefined;
  return {
    phoneNumberId: event.endpoint.phoneNumberId,
    consumer,
    currentUsage: limit.currentUsage,
    maxAllowed: limit.maxAllowed,
    limitExpiresAt: limit.limitExpirationTime !== undefined ? limit.limitExpirationTime * 1000 : undefined,
    observedAt: event.endTime,
  };
}
