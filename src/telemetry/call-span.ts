/**
 * The `whatsapp call` span: one per WhatsApp call, from its first signal to its end, with a span
 * event per Graph request / webhook / SIP transaction on it (WhatsApp Manager's "Call Details"
 * timeline) and the Call Logs fields as attributes.
 *
 * It is recorded when the call ends, by the one instance that finalises it (the call's signals may
 * have reached several app instances), with the start time of its first signal and, as parent, the
 * context its connect was observed in (the app span that placed a business-initiated call; the
 * webhook request of a user-initiated one). Operation spans can't refer to a span that doesn't exist
 * yet, so the call span refers to them: one link per Graph request / SIP transaction span of the call
 * (`whatsapp.link.type = operation`), and every operation span carries `whatsapp.call.id`.
 * Kind: INTERNAL for business-initiated calls, SERVER for user-initiated ones (Meta calls in).
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Link, Tracer } from '@opentelemetry/api';
import { classifyGraphError } from '../catalogue';
import type { StoredSignal } from '../events/call-signal';
import * as A from '../semconv';
import { sipCallIdOfKey } from '../signals/call-key';
import { uniqueSorted } from '../tracker/fold-call';
import type { CallRecord } from '../tracker/fold-call';
import { contextOfReference, spanContextOf } from '../tracker/span-reference';

export function recordCallSpan(tracer: Tracer, record: CallRecord, signals: readonly StoredSignal[]): void {
  const sorted = uniqueSorted(signals);
  const parent = contextOfReference(sorted.find((s) => s.parent)?.parent);
  // One link per operation span (an INVITE span stands for both the connect and its answer).
  const links: Link[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const op = sorted[i].op;
    if (!op || sorted.findIndex((s) => s.op === op) < i) continue; // a call has a handful of signals
    const context = spanContextOf(op);
    if (context) links.push({ context, attributes: { 'whatsapp.link.type': 'operation', 'whatsapp.operation.signal': sorted[i].type } });
  }
  const options = {
    kind: record.direction === 'user_initiated' ? SpanKind.SERVER : SpanKind.INTERNAL,
    startTime: record.startTime,
    attributes: callAttributes(record),
    links,
    root: !parent,
  };
  const span = tracer.startSpan('whatsapp call', options, parent);
  for (const s of sorted) span.addEvent(eventName(s), eventAttributes(s), s.at);
  if (record.status === 'failed') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: record.error?.message ?? 'call failed' });
  }
  if (record.error) {
    const remedy = record.error.sip ? undefined : classifyGraphError({ code: record.error.code }).remedy;
    if (remedy) span.addEvent(A.EVENT_WA_ERROR_REMEDY, { [A.ATTR_WA_ERROR_REMEDY]: remedy, [A.ATTR_WA_ERROR_CATEGORY]: record.error.category }, record.endTime);
  }
  // Webhook times have whole-second resolution (and Meta's clock is not ours): an end before the
  // start would be a negative span, which the SDK logs and flattens. End no earlier than the start.
  span.end(record.endTime === undefined ? undefined : Math.max(record.endTime, record.startTime));
}

function callAttributes(r: CallRecord): Attributes {
  const a: Attributes = {
    [A.ATTR_WA_SIGNALING]: r.signaling,
    [A.ATTR_WA_CALL_STATUS]: r.status,
    [A.ATTR_WA_CALL_ANSWERED]: r.answered,
  };
  if (r.wacid) a[A.ATTR_WA_CALL_ID] = r.wacid;
  const sipCallId = sipCallIdOfKey(r.callId);
  if (sipCallId) a[A.ATTR_SIP_CALL_ID] = sipCallId;
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

function eventName(s: StoredSignal): string {
  return `whatsapp.${s.source}.${s.type}`;
}

function eventAttributes(s: StoredSignal): Attributes {
  const a: Attributes = { [A.ATTR_WA_SIGNAL_SOURCE]: s.source };
  if (s.status) a[A.ATTR_WA_SIGNAL_STATUS] = s.status;
  if (s.succeeded !== undefined) a['whatsapp.signal.succeeded'] = s.succeeded;
  if (s.requestId) a[A.ATTR_WA_REQUEST_ID] = s.requestId;
  if (s.errors?.length) a[A.ATTR_WA_ERROR_CODE] = s.errors[0].code;
  if (s.durationS !== undefined) a[A.ATTR_WA_CALL_DURATION] = s.durationS;
  return a;
}
