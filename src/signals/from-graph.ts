/**
 * Turns a Graph operation into the call signal it represents, if any: a connect that returned a call
 * id, or an action on a `call_id`. Failed requests are signals too (they show on the call timeline)
 * but never make a call active or end it.
 */
import type { CallSignal, CallSignalType } from '../events/call-signal';
import type { GraphOperationEvent } from '../events/graph-operation';
import type { CallAction } from '../graph/operation';

const TYPE_OF_ACTION: Record<CallAction, CallSignalType> = {
  connect: 'connect',
  pre_accept: 'pre_accept',
  accept: 'accept',
  reject: 'reject',
  terminate: 'terminate_request',
};

export function signalOfGraphOperation(event: GraphOperationEvent): CallSignal | undefined {
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
  };
}
