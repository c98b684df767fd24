/**
 * The `whatsapp call` span: one per WhatsApp call, from its first signal to its end, with a span
 * event per Graph request / webhook / SIP transaction on it (WhatsApp Manager's "Call Details"
 * timeline) and the Call Logs fields as attributes.
 *
 * It is started at the first signal (so operation spans created meanwhile can link to it) and ended
 * by the tracker. Kind: INTERNAL for business-initiated calls (the business's own work, in the trace
 * that placed the call), SERVER for user-initiated ones (Meta calls in).
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { classifyGraphError } from '../catalogue';
import type { CallSignal } from '../events/call-signal';
import * as A from '../semconv';
import { uniqueSorted } from '../tracker/fold-call';
import type { CallRecord } from '../tracker/fold-call';

export function startCallSpan(tracer: Tracer, first: CallSignal): Span {
  // Only what a sampler may want at the start; the rest is set when the call ends (a live span per
  // call is most of the memory a tracked call costs).
  const attributes: Attributes = {};
  const wacid = first.wacid ?? (first.signaling === 'sip' ? undefined : first.callId);
  if (wacid) attributes[A.ATTR_WA_CALL_ID] = wacid;
  const kind = first.direction === 'user_initiated' ? SpanKind.SERVER : SpanKind.INTERNAL;
  return first.parentContext
    ? tracer.startSpan('whatsapp call', { kind, startTime: first.at, attributes }, first.parentContext)
    : tracer.startSpan('whatsapp call', { kind, startTime: first.at, attributes, root: true });
}

export function endCallSpan(span: Span, record: CallRecord, signals: readonly CallSignal[]): void {
  for (const s of uniqueSorted(signals)) span.addEvent(eventName(s), eventAttributes(s), s.at);
  span.setAttributes(callAttributes(record));
  if (record.status === 'failed') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: record.error?.message ?? 'call failed' });
  }
  if (record.error) {
    const remedy = record.error.sip ? undefined : classifyGraphError({ code: record.error.code }).remedy;
    if (remedy) span.addEvent(A.EVENT_WA_ERROR_REMEDY, { [A.ATTR_WA_ERROR_REMEDY]: remedy, [A.ATTR_WA_ERROR_CATEGORY]: record.error.category }, record.endTime);
  }
  span.end(record.endTime);
}

function callAttributes(r: CallRecord): Attributes {
  const a: Attributes = {
    [A.ATTR_WA_SIGNALING]: r.signaling,
    [A.ATTR_WA_CALL_STATUS]: r.status,
    [A.ATTR_WA_CALL_ANSWERED]: r.answered,
  };
  if (r.wacid) a[A.ATTR_WA_CALL_ID] = r.wacid;
  if (r.callId.startsWith('sip:')) a[A.ATTR_SIP_CALL_ID] = r.callId.slice(4);
  if (r.phoneNumberId) a[A.ATTR_WA_PHONE_NUMBER_ID] = r.phoneNumberId;
  if (r.direction) a[A.ATTR_WA_CALL_DIRECTION] = r.direction;
  if (r.requestId) a[A.ATTR_WA_REQUEST_ID] = r.requestId;
  if (r.durationS !== undefined) a[A.ATTR_WA_CALL_DURATION] = r.durationS;
  if (r.mediaSecurity) a[A.ATTR_WA_MEDIA_SECURITY] = r.mediaSecurity;
  if (r.error) {
    a[A.ATTR_WA_ERROR_CODE] = r.error.code;
    a[A.ATTR_WA_ERROR_CATEGORY] = r.error.category;
    a[A.ATTR_ERROR_TYPE] = String(r.error.code);
  }
  if (r.mediaTimeout) {
    a[A.ATTR_WA_MEDIA_TIMEOUT_KIND] = r.mediaTimeout.kind;
    a[A.ATTR_WA_MEDIA_TIMEOUT_PHASE] = r.mediaTimeout.phase;
  }
  if (r.direction === 'user_initiated' && r.acceptAt !== undefined) {
    a[A.ATTR_WA_CALL_PRE_ACCEPTED] = !r.acceptedWithoutPreAccept;
    if (r.offeredAt !== undefined && r.preAcceptAt !== undefined) a[A.ATTR_WA_CALL_PRE_ACCEPT_DELAY] = Math.max(0, (r.preAcceptAt - r.offeredAt) / 1000);
    const acceptFrom = r.acceptedWithoutPreAccept ? r.offeredAt : r.preAcceptAt;
    if (acceptFrom !== undefined) a[A.ATTR_WA_CALL_ACCEPT_DELAY] = Math.max(0, (r.acceptAt - acceptFrom) / 1000);
  }
  return a;
}

function eventName(s: CallSignal): string {
  return `whatsapp.${s.source}.${s.type}`;
}

function eventAttributes(s: CallSignal): Attributes {
  const a: Attributes = { [A.ATTR_WA_SIGNAL_SOURCE]: s.source };
  if (s.status) a[A.ATTR_WA_SIGNAL_STATUS] = s.status;
  if (s.succeeded !== undefined) a['whatsapp.signal.succeeded'] = s.succeeded;
  if (s.requestId) a[A.ATTR_WA_REQUEST_ID] = s.requestId;
  if (s.errors?.length) a[A.ATTR_WA_ERROR_CODE] = s.errors[0].code;
  if (s.durationS !== undefined) a[A.ATTR_WA_CALL_DURATION] = s.durationS;
  return a;
}
