/**
 * The endpoints the sandbox serves, answering like the Cloud API (reference §2): `/calls` actions,
 * `/call_permissions`, `/settings`, `/messages`, with Meta's validation errors and limits.
 *
 * Magic recipients, so tests get each error from a real request: a connect whose `to` ends with the
 * six digits of a calling error code (`15550138006` → 138006) answers that error; a `to` ending in
 * `0000480` is a call the simulated user never answers (success, but not a connected call).
 */
import { SANDBOX_ERRORS, errorBody } from './errors';
import { newCallId, newMessageId } from './ids';
import type { SandboxLimits } from './limits';

export interface RouteContext {
  limits: SandboxLimits;
  concurrentCallLimit: number;
  businessInitiatedCallLimit: number;
  callInitiationLimit: number;
  fbtraceId: string;
  /** Active call ids known to the sandbox (connects it answered, or announced by webhooks). */
  knownCalls: Set<string>;
}

export interface RouteResult {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

const ok = (body: object): RouteResult => ({ status: 200, body });
const fail = (ctx: RouteContext, code: number, details?: string): RouteResult => errorBody(code, ctx.fbtraceId, details);
const MAGIC_CODES = new Set(Object.keys(SANDBOX_ERRORS).map(Number).filter((c) => c >= 100_000));

export function route(ctx: RouteContext, method: string, edge: string, phone: string, query: URLSearchParams, body: Record<string, unknown> | undefined): RouteResult | undefined {
  if (edge === 'calls' && method === 'POST') return calls(ctx, phone, body ?? {});
  if (edge === 'call_permissions' && method === 'GET') return callPermissions(ctx, phone, query);
  if (edge === 'settings' && method === 'GET') return ok(settings(query.get('include_sip_credentials') === 'true'));
  if (edge === 'settings' && method === 'POST') return typeof body?.calling === 'object' ? ok({ success: true }) : fail(ctx, 100, 'Param calling must be an object');
  if (edge === 'messages' && method === 'POST') return messages(ctx, body ?? {});
  return undefined;
}

function calls(ctx: RouteContext, phone: string, b: Record<string, unknown>): RouteResult {
  if (b.messaging_product !== 'whatsapp') return fail(ctx, 100, 'The parameter messaging_product is required.');
  const action = b.action;
  if (action === 'connect') return connect(ctx, phone, b);
  if (action !== 'pre_accept' && action !== 'accept' && action !== 'reject' && action !== 'terminate') {
    return fail(ctx, 100, `Invalid action: ${String(action)}`);
  }
  const callId = b.call_id;
  if (typeof callId !== 'string' || callId === '') return fail(ctx, 100, 'The parameter call_id is required.');
  if (!callId.startsWith('wacid.')) return fail(ctx, 100, 'Invalid call_id');
  if ((action === 'pre_accept' || action === 'accept') && typeof (b.session as { sdp?: unknown })?.sdp !== 'string') {
    return fail(ctx, 100, 'The parameter session.sdp is required.');
  }
  if (action === 'terminate' || action === 'reject') {
    ctx.limits.active.delete(callId);
    ctx.knownCalls.delete(callId);
  } else {
    ctx.knownCalls.add(callId);
    ctx.limits.active.set(callId, phone);
  }
  return ok({ messaging_product: 'whatsapp', success: true });
}

function connect(ctx: RouteContext, phone: string, b: Record<string, unknown>): RouteResult {
  const to = typeof b.to === 'string' ? b.to : typeof b.recipient === 'string' ? b.recipient : undefined;
  if (!to) return fail(ctx, 100, 'The parameter to is required.');
  const session = b.session as { sdp?: unknown; sdp_type?: unknown } | undefined;
  if (typeof session?.sdp !== 'string') return fail(ctx, 100, 'The parameter session.sdp is required.');
  const magic = Number(to.slice(-6));
  if (to.length > 6 && MAGIC_CODES.has(magic)) return fail(ctx, magic);
  if (ctx.limits.activeCount(phone) >= ctx.concurrentCallLimit) return fail(ctx, 138002);
  const inits = ctx.limits.initiationsOf(phone);
  if (inits.count() >= ctx.callInitiationLimit) return fail(ctx, 138005);
  const pair = ctx.limits.pair(phone, to);
  if (pair.count() >= ctx.businessInitiatedCallLimit) {
    const next = pair.oldestExpiry();
    return fail(ctx, 138012, `Business initiated calls limit hit. Next call allowed at ${next !== undefined ? new Date(next * 1000).toISOString() : 'unknown'}`);
  }
  inits.add();
  const id = newCallId();
  ctx.limits.active.set(id, phone);
  ctx.knownCalls.add(id);
  if (!to.endsWith('0000480')) pair.add(); // the simulated user answers
  return ok({ messaging_product: 'whatsapp', calls: [{ id }] });
}

function callPermissions(ctx: RouteContext, phone: string, q: URLSearchParams): RouteResult {
  const user = q.get('user_wa_id') ?? q.get('recipient');
  if (!user) return fail(ctx, 100, 'The parameter user_wa_id is required.');
  const pair = ctx.limits.pair(phone, user);
  const usage = pair.count();
  const limit: Record<string, unknown> = { time_period: 'PT24H', max_allowed: ctx.businessInitiatedCallLimit, current_usage: usage };
  if (usage >= ctx.businessInitiatedCallLimit) limit.limit_expiration_time = pair.oldestExpiry();
  return ok({
    messaging_product: 'whatsapp',
    permission: { status: 'temporary', expiration_time: Math.floor(Date.now() / 1000) + 7 * 86_400 },
    actions: [
      { action_name: 'send_call_permission_request', can_perform_action: true, limits: [{ time_period: 'PT24H', max_allowed: 1, current_usage: 0 }, { time_period: 'P7D', max_allowed: 2, current_usage: 0 }] },
      { action_name: 'start_call', can_perform_action: usage < ctx.businessInitiatedCallLimit, limits: [limit] },
    ],
  });
}

function settings(withCredentials: boolean): object {
  return {
    calling: {
      status: 'ENABLED',
      call_icon_visibility: 'DEFAULT',
      callback_permission_status: 'ENABLED',
      call_hours: { status: 'DISABLED' },
      sip: { status: 'DISABLED', servers: [{ app_id: 123, hostname: 'sip.example.com', ...(withCredentials ? { sip_user_password: 'sandbox-sip-password' } : {}) }] },
      srtp_key_exchange_protocol: 'DTLS',
    },
  };
}

function messages(ctx: RouteContext, b: Record<string, unknown>): RouteResult {
  if (b.messaging_product !== 'whatsapp') return fail(ctx, 100, 'The parameter messaging_product is required.');
  const to = typeof b.to === 'string' ? b.to : undefined;
  if (!to) return fail(ctx, 100, 'The parameter to is required.');
  const magic = Number(to.slice(-6));
  if (to.length > 6 && MAGIC_CODES.has(magic)) return fail(ctx, magic);
  return ok({ messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to.replace(/\D/g, '') }], messages: [{ id: newMessageId() }] });
}
