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
  const base = {
    callId: callKeyOfSipDialog(e.sipCallId),
    wacid: e.wacid,
    source: 'sip' as const,
    signaling: 'sip' as const,
    phoneNumberId: e.businessNumber,
    parentContext: e.parentContext,
    operationSpan,
  };
  const key = (type: string, at: number) => `sip|${type}|${at}`;
  const out: CallSignal[] = [];
  if (e.operation === 'sip.invite') {
    const direction = e.direction;
    out.push({ ...base, type: 'connect', at: e.startTime, dedupeKey: key('connect', e.startTime), direction, consumer: e.consumer, succeeded: true });
    if (e.expired || e.finalStatus === undefined) return out;
    if (e.finalStatus < 300) {
      out.push(
        e.role === 'client'
          ? { ...base, type: 'status', status: 'accepted', at: e.endTime, dedupeKey: key('accepted', e.endTime), direction }
          : { ...base, type: 'accept', at: e.endTime, dedupeKey: key('accept', e.endTime), direction, succeeded: true },
      );
      return out;
    }
    const c = e.classification;
    if (!c) return out;
    if (c.category === 'declined' || (e.role === 'server' && !e.cancelled)) {
      out.push({ ...base, type: e.role === 'server' ? 'reject' : 'status', status: 'rejected', at: e.endTime, dedupeKey: key('rejected', e.endTime), direction, succeeded: true });
    }
    const errors = c.isError && e.role === 'client' ? [{ code: e.finalStatus, message: e.reason, sip: true, category: c.category, mediaTimeoutKind: c.mediaTimeoutKind }] : undefined;
    out.push({ ...base, type: 'terminate', status: 'failed', at: e.endTime, dedupeKey: key('terminate', e.endTime), direction, errors });
    return out;
  }
  if (e.operation === 'sip.bye') {
    const answeredAt = e.callDurationS !== undefined ? e.startTime - e.callDurationS * 1000 : undefined;
    out.push({ ...base, type: 'terminate', status: 'completed', at: e.startTime, dedupeKey: key('terminate', e.startTime), durationS: e.callDurationS, answeredAt });
  }
  return out;
}
