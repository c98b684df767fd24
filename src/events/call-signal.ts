import type { Context, SpanContext } from '@opentelemetry/api';
import type { MediaSecurity } from '../graph/media-security';
import type { CallDirection } from '../graph/operation';

/** Where a call signal was observed. */
export type SignalSource = 'graph_api' | 'webhook' | 'sip';

export type CallSignalType =
  | 'connect' // call placed (BIC connect request / SIP INVITE out) or offered (UIC connect webhook / SIP INVITE in)
  | 'connect_answer' // BIC connect webhook carrying Meta's SDP answer
  | 'pre_accept'
  | 'accept'
  | 'reject'
  | 'terminate_request' // the business asked to end the call (Graph terminate / SIP BYE sent)
  | 'terminate' // Meta reports the call ended (terminate webhook / SIP BYE from Meta / failed INVITE)
  | 'status'; // BIC RINGING / ACCEPTED / REJECTED

export interface SignalError {
  /** Meta's Graph error code, or the SIP status for SIP failures (then `sip` is true). */
  code: number;
  message?: string;
  sip?: boolean;
  /** Set by sources that classified the error themselves (SIP reason texts). */
  category?: string;
  mediaTimeoutKind?: string;
}

/**
 * Domain event: one thing that happened to one WhatsApp call, normalised from whatever source saw it.
 * The call tracker folds a call's signals into a call record; the fold does not depend on their order
 * and ignores duplicates (same `dedupeKey`).
 */
export interface CallSignal {
  /** The tracker's key: the WhatsApp call id, or `sip:<Call-ID>` for SIP dialogs. */
  callId: string;
  /** The WhatsApp call id when `callId` is not one (SIP), once known. */
  wacid?: string;
  type: CallSignalType;
  source: SignalSource;
  signaling: 'graph_api' | 'sip';
  /** When it happened, epoch ms (webhook `timestamp`, else when observed). */
  at: number;
  dedupeKey: string;
  phoneNumberId?: string;
  direction?: CallDirection;
  /** Consumer phone number or BSUID (stays in process unless configured otherwise). */
  consumer?: string;
  /** Lower-case: terminate `completed` | `failed`; status `ringing` | `accepted` | `rejected`. */
  status?: string;
  /** Seconds of conversation, when answered (terminate). */
  durationS?: number;
  /** Epoch ms the call was answered (terminate `start_time`), when answered. */
  answeredAt?: number;
  errors?: SignalError[];
  /** For Graph/SIP requests: did the request succeed. */
  succeeded?: boolean;
  requestId?: string;
  bizOpaqueCallbackData?: string;
  /** Media security mode of the SDP the business sent with this signal (connect, pre_accept, accept). */
  mediaSecurity?: MediaSecurity;
  /** The app's context where the signal was observed: the call span's parent if this signal starts the call. */
  parentContext?: Context;
  /** The operation span recorded for this signal (Graph request, SIP transaction): the call span links to it. */
  operationSpan?: SpanContext;
}

/**
 * A signal as a call store keeps it: plain data (a store may be remote), without the call id (the
 * store's key) or live contexts. `parent` (connect signals only: where the call span will hang) and
 * `op` (the operation span to link) are W3C-style `traceId-spanId-flags` references.
 */
export interface StoredSignal extends Omit<CallSignal, 'callId' | 'parentContext' | 'operationSpan'> {
  parent?: string;
  op?: string;
}

/** A signal's identity within its call: the same event seen twice (or by two instances) has the same key. */
export const signalKeyOf = (s: Pick<CallSignal, 'type' | 'dedupeKey'>): string => `${s.type}|${s.dedupeKey}`;
