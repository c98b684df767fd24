/**
 * Turns a `SipOperationEvent` into a `whatsapp sip.invite` / `sip.bye` / `sip.cancel` span (CLIENT when
 * the business sent the request, SERVER for Meta's INVITE) and the shared operation metrics.
 * Never records Authorization/Proxy-Authorization or *-Authenticate values, nor SDP bodies.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import * as A from '../semconv';
import type { SipOperationEvent } from '../sip/tracking/sip-operation';
import type { WhatsAppCallingInstrumentationConfig } from '../types';
import { consumerIdentity } from './consumer-identity';
import type { OperationMetrics } from './operation-metrics';

const METHOD: Record<SipOperationEvent['operation'], string> = { 'sip.invite': 'INVITE', 'sip.bye': 'BYE', 'sip.cancel': 'CANCEL' };

export function recordSipOperation(e: SipOperationEvent, tracer: Tracer, metrics: OperationMetrics, config: WhatsAppCallingInstrumentationConfig): Span {
  const c = e.classification;
  const failed = c?.isError === true;
  const attributes: Attributes = {
    [A.ATTR_WA_OPERATION]: e.operation,
    [A.ATTR_WA_SIGNALING]: A.SIGNALING_SIP,
    [A.ATTR_SIP_METHOD]: METHOD[e.operation],
    [A.ATTR_SIP_CALL_ID]: e.sipCallId,
    [A.ATTR_NETWORK_TRANSPORT]: e.transport,
  };
  if (e.wacid) attributes[A.ATTR_WA_CALL_ID] = e.wacid;
  if (e.direction) attributes[A.ATTR_WA_CALL_DIRECTION] = e.direction;
  if (e.businessNumber) {
    attributes[A.ATTR_WA_BUSINESS_NUMBER] = e.businessNumber;
    attributes[A.ATTR_WA_PHONE_NUMBER_ID] = e.businessNumber;
  }
  const user = consumerIdentity(config.consumerNumbers, e.consumer, config.consumerNumberHashKey);
  if (user) attributes[A.ATTR_WA_USER_ID] = user;
  if (e.peerAddress) attributes[A.ATTR_NETWORK_PEER_ADDRESS] = e.peerAddress;
  if (e.peerPort !== undefined) attributes[A.ATTR_NETWORK_PEER_PORT] = e.peerPort;
  if (e.finalStatus !== undefined) attributes[A.ATTR_SIP_STATUS_CODE] = e.finalStatus;
  if (e.reason) attributes[A.ATTR_SIP_REASON] = e.reason.slice(0, 256);
  if (e.callDurationS !== undefined) attributes[A.ATTR_WA_CALL_DURATION] = e.callDurationS;
  if (e.challenged) attributes['sip.auth.challenged'] = true;
  if (e.cancelled) attributes['sip.cancelled'] = true;
  if (failed) {
    attributes[A.ATTR_WA_ERROR_CODE] = e.finalStatus!;
    attributes[A.ATTR_WA_ERROR_CATEGORY] = c.category ?? 'unknown';
    attributes[A.ATTR_ERROR_TYPE] = String(e.finalStatus);
  } else if (e.expired) {
    attributes[A.ATTR_ERROR_TYPE] = 'timeout';
  }
  if (e.expired) attributes[A.ATTR_WA_OPERATION_INCOMPLETE] = true;
  const span = tracer.startSpan(
    `whatsapp ${e.operation}`,
    {
      kind: e.role === 'client' ? SpanKind.CLIENT : SpanKind.SERVER,
      startTime: e.startTime,
      attributes,
    },
    e.parentContext,
  );
  if (failed) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.reason ?? c.title });
    if (c.remedy)
      span.addEvent(
        A.EVENT_WA_ERROR_REMEDY,
        { [A.ATTR_WA_ERROR_REMEDY]: c.remedy, [A.ATTR_WA_ERROR_TITLE]: c.title, [A.ATTR_WA_ERROR_CATEGORY]: c.category ?? 'unknown' },
        e.endTime,
      );
  } else if (e.expired) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'no final response' });
  }
  span.end(e.endTime);
  metrics.record({
    operation: e.operation,
    signaling: A.SIGNALING_SIP,
    phoneNumberId: e.businessNumber,
    durationS: (e.endTime - e.startTime) / 1000,
    errorType: failed ? String(e.finalStatus) : e.expired ? 'timeout' : undefined,
    errorCategory: failed ? c.category : e.expired ? 'unknown' : undefined,
    sipStatusCode: e.finalStatus,
  });
  return span;
}
