/**
 * The call signals a SIP operation stands for. SIP calls are keyed by their dialog (see call-key), and
 * carry the WhatsApp call id as `wacid` once known. The business number stands in for the phone
 * number id.
 */
import type { SpanContext } from '@opentelemetry/api';
import type { CallSignal } from '../events/call-signal';
import type { Signals } from '../events/signals';
import type { SipOperationEvent } from '../sip/tracking/sip-operation';
import { callKeyOfSipDialog } from './call-key';

/** `operationSpan`: the `whatsapp sip.*` span recorded for this transaction (the call span links to it). */
export function signalsOfSipOperation(e: SipOperationEvent, operationSpan?: SpanContext): Signals {
  return { calls: callSignalsOf(e, operationSpan) };
}

function callSignalsOf(e: SipOperationEvent, operationSpan: SpanContext | undefined): CallSignal[] {
  const callId = callKeyOfSipDialog(e.sipCallId);
  // A fresh object literal per signal, then its own fields: `{ ...base, … }` took V8's slow path for
  // spreading objects of varying shapes (7 µs of the 60 a HEP packet cost).
  const signal = (type: CallSignal['type'], at: number, dedupeKey: string): CallSignal => ({
    callId,
    wacid: e.wacid,
    source: 'sip',
    signaling: 'sip',
    phoneNumberId: e.businessNumber,
    parentContext: e.parentContext,
    operationSpan,
    type,
    at,
    dedupeKey,
  });
  const key = (type: string, at: number) => `sip|${type}|${at}`;
  const out: CallSignal[] = [];
  if (e.operation === 'sip.invite') {
    const direction = e.direction;
    const connect = signal('connect', e.startTime, key('connect', e.startTime));
    connect.direction = direction;
    connect.consumer = e.consumer;
    connect.succeeded = true;
    out.push(connect);
    if (e.expired || e.finalStatus === undefined) return out;
    if (e.finalStatus < 300) {
      if (e.role === 'client') {
        const accepted = signal('status', e.endTime, key('accepted', e.endTime));
        accepted.status = 'accepted';
        accepted.direction = direction;
        out.push(accepted);
      } else {
        const accept = signal('accept', e.endTime, key('accept', e.endTime));
        accept.direction = direction;
        accept.succeeded = true;
        out.push(accept);
      }
      return out;
    }
    const c = e.classification;
    if (!c) return out;
    if (c.category === 'declined' || (e.role === 'server' && !e.cancelled)) {
      const rejected = signal(e.role === 'server' ? 'reject' : 'status', e.endTime, key('rejected', e.endTime));
      rejected.status = 'rejected';
      rejected.direction = direction;
      rejected.succeeded = true;
      out.push(rejected);
    }
    const failed = signal('terminate', e.endTime, key('terminate', e.endTime));
    failed.status = 'failed';
    failed.direction = direction;
    failed.errors =
      c.isError && e.role === 'client'
        ? [{ code: e.finalStatus, message: e.reason, sip: true, category: c.category, mediaTimeoutKind: c.mediaTimeoutKind }]
        : undefined;
    out.push(failed);
    return out;
  }
  if (e.operation === 'sip.bye') {
    const ended = signal('terminate', e.startTime, key('terminate', e.startTime));
    ended.status = 'completed';
    ended.durationS = e.callDurationS;
    ended.answeredAt = e.callDurationS !== undefined ? e.startTime - e.callDurationS * 1000 : undefined;
    out.push(ended);
  }
  return out;
}
