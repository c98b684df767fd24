/**
 * `POST /{id}/calls` (reference §2.1): connect, pre_accept, accept, reject, terminate, validated like
 * Meta (error 100 with `error_data.details`), with the number's settings (138000 when calling is off,
 * 131055 when SIP is on), magic recipients and the limits of §6:
 *   concurrent calls per number → 138002, connects per number per rolling 24 h → 138005,
 *   connected BI calls per (number, user) per rolling 24 h → 138012 (details name the next allowed time).
 * Call ids: any `wacid.…` may be acted on (tests make up ids for calls Meta would have announced);
 * one that is not a wacid, or a call that has already ended, answers 100 "Invalid call_id".
 */
import { checkMessagingProduct, fail, ok, str } from './context';
import type { Body, RouteContext, RouteResult } from './context';
import { nextCallDetails } from './errors';
import { newCallId } from './ids';
import { magicCode, neverAnswers } from './magic';

const ACTIONS = ['connect', 'pre_accept', 'accept', 'reject', 'terminate'];
const MAX_CALLBACK_DATA = 512;

export function calls(ctx: RouteContext, phone: string, b: Body): RouteResult {
  const bad = checkMessagingProduct(ctx, b);
  if (bad) return bad;
  const action = str(b.action);
  if (!action) return fail(ctx, 100, 'The parameter action is required.');
  if (!ACTIONS.includes(action)) return fail(ctx, 100, `Param action must be one of {${ACTIONS.join(', ')}}.`);
  const { settings } = ctx.state;
  if (settings.sipEnabled(phone)) return fail(ctx, 131055);
  if (!settings.callingEnabled(phone)) return fail(ctx, 138000);
  const callbackData = b.biz_opaque_callback_data;
  if (callbackData !== undefined && (typeof callbackData !== 'string' || callbackData.length > MAX_CALLBACK_DATA)) {
    return fail(ctx, 100, `Param biz_opaque_callback_data must be a string of at most ${MAX_CALLBACK_DATA} characters.`);
  }
  return action === 'connect' ? connect(ctx, phone, b) : onCall(ctx, phone, action, b);
}

/**
 * The SDP problem of `session`, Meta-style, or undefined when it is usable. `sdp_type` is not matched
 * to the action: Meta's own tables say "offer" everywhere while clients send "answer" on accept.
 */
function sessionProblem(session: unknown): string | undefined {
  if (typeof session !== 'object' || session === null) return 'The parameter session is required.';
  const { sdp, sdp_type: type } = session as { sdp?: unknown; sdp_type?: unknown };
  if (type !== undefined && type !== 'offer' && type !== 'answer') return 'Param session.sdp_type must be one of {offer, answer}.';
  if (typeof sdp !== 'string' || sdp === '') return 'The parameter session.sdp is required.';
  if (!sdp.startsWith('v=0')) return 'SDP validation error: the session description must start with "v=0" (RFC 8866).';
  return undefined;
}

function connect(ctx: RouteContext, phone: string, b: Body): RouteResult {
  const user = str(b.to) ?? str(b.recipient); // `to` wins when both are given
  if (!user) return fail(ctx, 100, 'The parameter to is required.');
  const problem = sessionProblem(b.session);
  if (problem) return fail(ctx, 100, problem);
  const magic = magicCode(user);
  if (magic !== undefined) return fail(ctx, magic);
  const { limits, concurrentCallLimit, callInitiationLimit, businessInitiatedCallLimit } = ctx.state;
  if (limits.activeCount(phone) >= concurrentCallLimit)
    return fail(ctx, 138002, `Limit reached for maximum concurrent calls (${concurrentCallLimit}) for the given number.`);
  const initiations = limits.initiationsOf(phone);
  if (initiations.count() >= callInitiationLimit)
    return fail(ctx, 138005, `Limit reached for call initiations (${callInitiationLimit} in 24 hours) for the given number.`);
  const pair = limits.pair(phone, user);
  if (pair.count() >= businessInitiatedCallLimit) {
    const next = pair.oldestExpiry() ?? Math.ceil(ctx.state.now() / 1000);
    return fail(ctx, 138012, nextCallDetails(businessInitiatedCallLimit, next));
  }
  initiations.add();
  const id = newCallId();
  limits.startCall(id, phone);
  if (!neverAnswers(user)) pair.add(); // the simulated user answers: a connected call
  return ok({ messaging_product: 'whatsapp', calls: [{ id }] });
}

function onCall(ctx: RouteContext, phone: string, action: string, b: Body): RouteResult {
  const callId = str(b.call_id);
  if (!callId) return fail(ctx, 100, 'The parameter call_id is required.');
  if (!callId.startsWith('wacid.')) return fail(ctx, 100, 'Invalid call_id');
  const { limits } = ctx.state;
  if (limits.hasEnded(callId)) return fail(ctx, 100, 'Invalid call_id: the call has already ended.');
  if (action === 'pre_accept' || action === 'accept') {
    const problem = sessionProblem(b.session);
    if (problem) return fail(ctx, 100, problem);
    limits.startCall(callId, phone);
  } else {
    limits.endCall(callId);
  }
  return ok({ messaging_product: 'whatsapp', success: true });
}
