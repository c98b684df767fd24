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
/** A call's natural order of signal types within one second. */
const TYPE_RANK: Record<StoredSignal['type'], number> = {
  connect: 0,
  connect_answer: 1,
  pre_accept: 2,
  accept: 3,
  status: 4,
  reject: 5,
  terminate_request: 6,
  terminate: 7,
};

/** The total order of `uniqueSorted`: whole second, then type, then time, then dedupe key. */
function compareSignals(a: StoredSignal, b: StoredSignal): number {
  return (
    Math.floor(a.at / 1000) - Math.floor(b.at / 1000) ||
    TYPE_RANK[a.type] - TYPE_RANK[b.type] ||
    a.at - b.at ||
    (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0)
  );
}

/**
 * Unique signals in call order. Webhook timestamps have whole-second precision while our own
 * observations have milliseconds, so within one second the natural order of a call (connect, answer,
 * pre_accept, accept, status, …, terminate) decides; the key is a total order, so the result doesn't
 * depend on arrival order. Runs on every signal a call gets: a call has a handful (at most
 * MAX_SIGNALS_PER_CALL), so a scan for duplicates and a sort only when out of order are cheaper than a
 * Map of string keys and an unconditional sort.
 */
export function uniqueSorted<S extends StoredSignal>(signals: readonly S[]): S[] {
  const out: S[] = [];
  let inOrder = true;
  next: for (const s of signals) {
    for (const seen of out) if (seen.type === s.type && seen.dedupeKey === s.dedupeKey) continue next;
    if (inOrder && out.length && compareSignals(out[out.length - 1], s) > 0) inOrder = false;
    out.push(s);
  }
  return inOrder ? out : out.sort(compareSignals);
}

const succeeded = (s: StoredSignal) => s.succeeded !== false;

export function foldCall(callId: string, signals: readonly StoredSignal[], expiredAt?: number): CallRecord {
  const sorted = uniqueSorted(signals);
  // One pass, keeping the first of everything the record reads (what `find` per field did, in order).
  let wacid: string | undefined;
  let phoneNumberId: string | undefined;
  let direction: CallDirection | undefined;
  let signaling: CallRecord['signaling'] | undefined;
  let consumer: string | undefined;
  let requestId: string | undefined;
  let bizOpaqueCallbackData: string | undefined;
  let firstDurationS: number | undefined;
  let firstAnsweredAt: number | undefined;
  let statusAcceptedAt: number | undefined;
  let rejectedStatus = false;
  let terminate: StoredSignal | undefined;
  let errorSignal: StoredSignal | undefined;
  let connect: StoredSignal | undefined;
  let preAccept: StoredSignal | undefined;
  let accept: StoredSignal | undefined;
  let reject: StoredSignal | undefined;
  let terminateRequest: StoredSignal | undefined;
  let offeredConnect: StoredSignal | undefined;
  let ownConnect: StoredSignal | undefined;
  for (const s of sorted) {
    if (wacid === undefined) wacid = s.wacid;
    if (phoneNumberId === undefined) phoneNumberId = s.phoneNumberId;
    if (direction === undefined) direction = s.direction;
    if (signaling === undefined) signaling = s.signaling;
    if (consumer === undefined) consumer = s.consumer;
    if (requestId === undefined) requestId = s.requestId;
    if (bizOpaqueCallbackData === undefined) bizOpaqueCallbackData = s.bizOpaqueCallbackData;
    if (firstDurationS === undefined) firstDurationS = s.durationS;
    if (firstAnsweredAt === undefined) firstAnsweredAt = s.answeredAt;
    switch (s.type) {
      case 'connect':
        if (!connect && succeeded(s)) connect = s;
        if (!offeredConnect && s.source !== 'graph_api') offeredConnect = s;
        if (!ownConnect && s.source !== 'webhook') ownConnect = s;
        break;
      case 'pre_accept':
        if (!preAccept && succeeded(s)) preAccept = s;
        break;
      case 'accept':
        if (!accept && succeeded(s)) accept = s;
        break;
      case 'reject':
        if (!reject && succeeded(s)) reject = s;
        break;
      case 'terminate_request':
        if (!terminateRequest && succeeded(s)) terminateRequest = s;
        break;
      case 'terminate':
        if (!terminate) terminate = s;
        if (!errorSignal && s.errors?.length) errorSignal = s;
        break;
      case 'status':
        if (statusAcceptedAt === undefined && s.status === 'accepted') statusAcceptedAt = s.at;
        if (s.status === 'rejected') rejectedStatus = true;
        break;
    }
  }
  const endRequest = terminateRequest ?? reject;
  const offeredAt = direction === 'user_initiated' ? offeredConnect?.at : undefined;
  const preAcceptAt = preAccept?.at;
  const answeredAt = firstAnsweredAt ?? statusAcceptedAt ?? accept?.at;
  const durationS = firstDurationS;
  const answered = (durationS !== undefined && durationS > 0) || answeredAt !== undefined;
  const rejected = reject !== undefined || rejectedStatus;
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
    wacid: wacid ?? (callId.startsWith('wacid.') ? callId : undefined),
    phoneNumberId,
    direction,
    signaling: signaling ?? 'graph_api',
    consumer,
    startTime: sorted[0]?.at ?? endTime ?? 0,
    endTime: ended || expiredAt !== undefined ? endTime : undefined,
    ended,
    status,
    answered,
    durationS: durationS ?? (answered && answeredAt !== undefined && terminate ? Math.max(0, (terminate.at - answeredAt) / 1000) : undefined),
    requestId: connect?.requestId ?? requestId,
    bizOpaqueCallbackData,
    offeredAt,
    preAcceptAt,
    acceptAt: accept?.at,
    acceptedWithoutPreAccept: direction === 'user_initiated' && accept !== undefined && (preAcceptAt === undefined || preAcceptAt > accept.at),
    mediaSecurity: accept?.mediaSecurity ?? preAccept?.mediaSecurity ?? ownConnect?.mediaSecurity,
    signalCount: sorted.length,
  };
  if (error && errorSignal) {
    record.error = { ...error, category: error.category ?? classifyGraphError({ code: error.code }).category, source: errorSignal.source };
    const kind = error.mediaTimeoutKind ?? (error.sip ? undefined : MEDIA_TIMEOUT_KINDS[error.code]);
    if (kind) {
      const sinceAnswer = record.durationS ?? (answeredAt !== undefined && endTime !== undefined ? (endTime - answeredAt) / 1000 : 0);
      record.mediaTimeout = { kind, phase: sinceAnswer <= CALL_START_MEDIA_WINDOW_S ? 'call_start' : 'mid_call' };
    }
  }
  return record;
}
