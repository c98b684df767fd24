/**
 * Folds the signals of one call into its call record. Pure and order-independent: signals are
 * deduplicated by (type, dedupeKey) and sorted before folding, so any interleaving or duplication of
 * the same deliveries yields the same record (property-tested).
 */
import { classifyGraphError } from '../catalogue';
import type { SignalError, StoredSignal } from '../events/call-signal';
import type { MediaSecurity } from '../graph/media-security';
import type { CallDirection } from '../graph/operation';

export type CallStatus = 'completed' | 'failed' | 'rejected' | 'unanswered' | 'unknown';
export type MediaTimeoutPhase = 'call_start' | 'mid_call';

export interface CallRecord {
  callId: string;
  /** The WhatsApp call id (equals `callId` for Graph calls; learned from SIP headers for SIP calls). */
  wacid?: string;
  phoneNumberId?: string;
  direction?: CallDirection;
  signaling: 'graph_api' | 'sip';
  consumer?: string;
  startTime: number;
  /** Set once the call ended (terminate seen, or a successful terminate/reject request). */
  endTime?: number;
  ended: boolean;
  status: CallStatus;
  answered: boolean;
  durationS?: number;
  /** The error that ended the call, and where it was reported (webhook, SIP). */
  error?: SignalError & { category: string; source: string };
  mediaTimeout?: { kind: string; phase: MediaTimeoutPhase };
  /** x-fb-request-id of the request that initiated the call (connect), else of its first Graph request. */
  requestId?: string;
  bizOpaqueCallbackData?: string;
  /** User-initiated calls: when the connect webhook, pre_accept and accept happened (epoch ms). */
  offeredAt?: number;
  preAcceptAt?: number;
  acceptAt?: number;
  /** A user-initiated call accepted with no pre_accept before it (clips the first second of audio). */
  acceptedWithoutPreAccept: boolean;
  /** Media security the business's SDP declared: its accept's, else its pre_accept's, else its connect's. */
  mediaSecurity?: MediaSecurity;
  signalCount: number;
}

/** Within this many seconds of the answer, a media timeout is the 20 s "no media at call start" rule. */
export const CALL_START_MEDIA_WINDOW_S = 25;

const MEDIA_TIMEOUT_KINDS: Record<number, string> = { 138021: 'receive', 138022: 'transmit', 138023: 'no_media_signals' };
const TYPE_ORDER = ['connect', 'connect_answer', 'pre_accept', 'accept', 'status', 'reject', 'terminate_request', 'terminate'];

/**
 * Unique signals in call order. Webhook timestamps have whole-second precision while our own
 * observations have milliseconds, so within one second the natural order of a call (connect, answer,
 * pre_accept, accept, status, …, terminate) decides; the key is a total order, so the result doesn't
 * depend on arrival order.
 */
export function uniqueSorted<S extends StoredSignal>(signals: readonly S[]): S[] {
  const byKey = new Map<string, S>();
  for (const s of signals) {
    const key = `${s.type}|${s.dedupeKey}`;
    if (!byKey.has(key)) byKey.set(key, s);
  }
  const second = (s: StoredSignal) => Math.floor(s.at / 1000);
  return [...byKey.values()].sort(
    (a, b) =>
      second(a) - second(b) ||
      TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) ||
      a.at - b.at ||
      (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0),
  );
}

export function foldCall(callId: string, signals: readonly StoredSignal[], expiredAt?: number): CallRecord {
  const sorted = uniqueSorted(signals);
  const first = <T>(pick: (s: StoredSignal) => T | undefined): T | undefined => {
    for (const s of sorted) {
      const v = pick(s);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const ok = (type: StoredSignal['type']) => sorted.find((s) => s.type === type && s.succeeded !== false);
  const terminate = sorted.find((s) => s.type === 'terminate');
  const endRequest = ok('terminate_request') ?? ok('reject');
  const direction = first((s) => s.direction);
  const offeredAt = direction === 'user_initiated' ? sorted.find((s) => s.type === 'connect' && s.source !== 'graph_api')?.at : undefined;
  const preAcceptAt = ok('pre_accept')?.at;
  const accept = ok('accept');
  const answeredAt = first((s) => s.answeredAt) ?? sorted.find((s) => s.type === 'status' && s.status === 'accepted')?.at ?? accept?.at;
  const durationS = first((s) => s.durationS);
  const answered = (durationS !== undefined && durationS > 0) || answeredAt !== undefined;
  const rejected = ok('reject') !== undefined || sorted.some((s) => s.type === 'status' && s.status === 'rejected');
  const errorSignal = sorted.find((s) => s.type === 'terminate' && s.errors?.length);
  const error = errorSignal?.errors?.[0];
  const ended = terminate !== undefined || endRequest !== undefined;
  const endTime = terminate?.at ?? endRequest?.at ?? expiredAt;

  let status: CallStatus;
  if (!ended) status = 'unknown';
  else if (rejected) status = 'rejected';
  else if (error) status = 'failed';
  else if (!answered) status = 'unanswered';
  else status = terminate?.status === 'failed' ? 'failed' : 'completed';

  const record: CallRecord = {
    callId,
    wacid: first((s) => s.wacid) ?? (callId.startsWith('wacid.') ? callId : undefined),
    phoneNumberId: first((s) => s.phoneNumberId),
    direction,
    signaling: first((s) => s.signaling) ?? 'graph_api',
    consumer: first((s) => s.consumer),
    startTime: sorted[0]?.at ?? endTime ?? 0,
    endTime: ended || expiredAt !== undefined ? endTime : undefined,
    ended,
    status,
    answered,
    durationS: durationS ?? (answered && answeredAt !== undefined && terminate ? Math.max(0, (terminate.at - answeredAt) / 1000) : undefined),
    requestId: ok('connect')?.requestId ?? first((s) => s.requestId),
    bizOpaqueCallbackData: first((s) => s.bizOpaqueCallbackData),
    offeredAt,
    preAcceptAt,
    acceptAt: accept?.at,
    acceptedWithoutPreAccept: direction === 'user_initiated' && accept !== undefined && (preAcceptAt === undefined || preAcceptAt > accept.at),
    mediaSecurity:
      accept?.mediaSecurity ?? ok('pre_accept')?.mediaSecurity ?? sorted.find((s) => s.type === 'connect' && s.source !== 'webhook')?.mediaSecurity,
    signalCount: sorted.length,
  };
  if (error) {
    record.error = { ...error, category: error.category ?? classifyGraphError({ code: error.code }).category, source: errorSignal.source };
    const kind = error.mediaTimeoutKind ?? (error.sip ? undefined : MEDIA_TIMEOUT_KINDS[error.code]);
    if (kind) {
      const sinceAnswer = record.durationS ?? (answeredAt !== undefined && endTime !== undefined ? (endTime - answeredAt) / 1000 : 0);
      record.mediaTimeout = { kind, phase: sinceAnswer <= CALL_START_MEDIA_WINDOW_S ? 'call_start' : 'mid_call' };
    }
  }
  return record;
}
