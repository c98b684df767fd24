/**
 * Normalises a Meta webhook delivery (`object: whatsapp_business_account`) into call signals:
 * `calls` connect/terminate events and BIC `statuses`, errors in `calls[].errors` and/or
 * `value.errors` (the docs and real captures disagree, so both), several entries and changes in one
 * delivery, phone numbers that may be missing (BSUID era), any casing of status values.
 * Also picks out `messages` call-permission replies and message-level errors. Never throws.
 */
import type { CallSignal, SignalError } from '../events/call-signal';
import type { PermissionReply, Signals, UnattachedError } from '../events/signals';
import type { CallDirection } from '../graph/operation';
import { arr, nonNegative, rec, str, unixSecondsToMs } from './webhook-fields';

interface WebhookObservation {
  calls: CallSignal[];
  unattachedErrors: UnattachedError[];
  permissionReplies: PermissionReply[];
}

export function signalsOfWebhook(body: unknown, receivedAt: number): Signals {
  const out: WebhookObservation = { calls: [], unattachedErrors: [], permissionReplies: [] };
  try {
    for (const entry of arr(rec(body)?.entry)) {
      for (const change of arr(rec(entry)?.changes)) {
        const c = rec(change);
        const value = rec(c?.value);
        if (!c || !value) continue;
        const field = str(c.field, 64) ?? '';
        const phoneNumberId = str(rec(value.metadata)?.phone_number_id, 64);
        const valueErrors = errorsOf(value.errors);
        if (field === 'calls') readCalls(value, phoneNumberId, valueErrors, receivedAt, out);
        else {
          for (const e of valueErrors) out.unattachedErrors.push({ field, phoneNumberId, code: e.code });
          if (field === 'messages') readMessages(value, phoneNumberId, receivedAt, out);
        }
      }
    }
  } catch {
    // a hostile shape: keep what was read
  }
  return out;
}

function readCalls(
  value: Record<string, unknown>,
  phoneNumberId: string | undefined,
  valueErrors: SignalError[],
  receivedAt: number,
  out: WebhookObservation,
): void {
  let attached = false;
  for (const item of arr(value.calls)) {
    const call = rec(item);
    const callId = str(call?.id, 512);
    const event = str(call?.event, 32)?.toLowerCase();
    if (!call || !callId || (event !== 'connect' && event !== 'terminate')) continue;
    const direction = directionOf(call.direction);
    const at = unixSecondsToMs(call.timestamp) ?? receivedAt;
    const consumer = direction === 'business_initiated' ? (str(call.to) ?? str(call.to_user_id)) : (str(call.from) ?? str(call.from_user_id));
    const bizOpaqueCallbackData = str(call.biz_opaque_callback_data, 512);
    // Object literals, not `{ ...base, … }`: V8 spreads objects of varying shapes on a slow path that
    // made reading a delivery cost 9 µs instead of 0.6 µs.
    if (event === 'connect') {
      const type = direction === 'business_initiated' ? 'connect_answer' : 'connect';
      out.calls.push({
        callId,
        source: 'webhook',
        signaling: 'graph_api',
        at,
        phoneNumberId,
        direction,
        consumer,
        bizOpaqueCallbackData,
        type,
        dedupeKey: `wh|connect|${at}`,
      });
      continue;
    }
    const own = errorsOf(call.errors);
    const errors = mergeErrors(own, valueErrors);
    attached ||= errors.length > 0;
    const status = str(call.status, 32)?.toLowerCase();
    out.calls.push({
      callId,
      source: 'webhook',
      signaling: 'graph_api',
      at,
      phoneNumberId,
      direction,
      consumer,
      bizOpaqueCallbackData,
      type: 'terminate',
      status,
      durationS: nonNegative(call.duration),
      answeredAt: unixSecondsToMs(call.start_time),
      errors: errors.length ? errors : undefined,
      dedupeKey: `wh|terminate|${status ?? ''}|${at}`,
    });
  }
  for (const item of arr(value.statuses)) {
    const s = rec(item);
    const callId = str(s?.id, 512);
    const status = str(s?.status, 32)?.toLowerCase();
    if (!s || !callId || !status || (s.type !== undefined && str(s.type, 16)?.toLowerCase() !== 'call')) continue;
    const at = unixSecondsToMs(s.timestamp) ?? receivedAt;
    out.calls.push({
      callId,
      type: 'status',
      source: 'webhook',
      signaling: 'graph_api',
      at,
      phoneNumberId,
      // statuses exist for business-initiated calls only
      direction: 'business_initiated',
      consumer: str(s.recipient_id) ?? str(s.recipient_user_id),
      status,
      bizOpaqueCallbackData: str(s.biz_opaque_callback_data, 512),
      dedupeKey: `wh|status|${status}|${at}`,
    });
  }
  if (!attached) for (const e of valueErrors) out.unattachedErrors.push({ field: 'calls', phoneNumberId, code: e.code });
}

function readMessages(value: Record<string, unknown>, phoneNumberId: string | undefined, receivedAt: number, out: WebhookObservation): void {
  for (const item of arr(value.messages)) {
    const m = rec(item);
    const reply = rec(rec(rec(m?.interactive)?.call_permission_reply));
    if (!m || !reply) continue;
    const response = str(reply.response, 32)?.toLowerCase();
    if (!response) continue;
    const consumer = str(m.from) ?? str(m.from_user_id);
    const contextId = str(rec(m.context)?.id, 512);
    const at = unixSecondsToMs(m.timestamp) ?? receivedAt;
    out.permissionReplies.push({
      phoneNumberId,
      response,
      responseSource: str(reply.response_source, 32)?.toLowerCase(),
      permanent: typeof reply.is_permanent === 'boolean' ? reply.is_permanent : undefined,
      consumer,
      contextId,
      at,
      dedupeKey: `wh|permission|${str(m.id, 512) ?? `${contextId ?? ''}|${at}`}`,
    });
  }
  for (const item of arr(value.statuses)) {
    const status = rec(item);
    const id = str(status?.id, 512);
    for (const e of errorsOf(status?.errors)) {
      out.unattachedErrors.push({ field: 'messages', phoneNumberId, code: e.code, dedupeKey: id ? `wh|message-error|${id}|${e.code}` : undefined });
    }
  }
}

function directionOf(v: unknown): CallDirection | undefined {
  const d = str(v, 32)?.toUpperCase();
  if (d === 'USER_INITIATED') return 'user_initiated';
  if (d === 'BUSINESS_INITIATED') return 'business_initiated';
  return undefined;
}

function errorsOf(v: unknown): SignalError[] {
  const out: SignalError[] = [];
  for (const item of arr(v)) {
    const e = rec(item);
    const code = typeof e?.code === 'number' ? e.code : Number(str(e?.code, 12));
    if (Number.isInteger(code)) out.push({ code, message: str(e?.message, 512) ?? str(e?.title, 512) });
  }
  return out;
}

/** The real capture repeats the same error in both places: keep each code once. */
function mergeErrors(a: SignalError[], b: SignalError[]): SignalError[] {
  const seen = new Set<number>();
  return [...a, ...b].filter((e) => !seen.has(e.code) && (seen.add(e.code), true));
}
