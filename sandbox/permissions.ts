/**
 * `GET /{id}/call_permissions?user_wa_id=…|recipient=…` (reference §2.3). The simulated user has
 * granted a temporary permission (7 days from the first look or connect, renewed once expired);
 * magic "uncallable" users report `no_permission`. `start_call` counts connected BI calls of the pair
 * in the rolling 24 h window; `limit_expiration_time` appears only once the limit is reached.
 */
import { fail, ok, str } from './context';
import type { RouteContext, RouteResult } from './context';
import { withoutPermission } from './magic';

const PERMISSION_MS = 7 * 86_400_000;

export function callPermissions(ctx: RouteContext, phone: string, query: URLSearchParams): RouteResult {
  const user = str(query.get('user_wa_id')) ?? str(query.get('recipient'));
  if (!user) return fail(ctx, 100, 'The parameter user_wa_id or recipient is required.');
  const { limits, businessInitiatedCallLimit, grants, now } = ctx.state;
  const pair = limits.pair(phone, user);
  const usage = pair.count();
  const startCall: Record<string, unknown> = { time_period: 'PT24H', max_allowed: businessInitiatedCallLimit, current_usage: usage };
  if (usage >= businessInitiatedCallLimit) startCall.limit_expiration_time = pair.oldestExpiry();
  let permission: Record<string, unknown> = { status: 'no_permission' };
  if (!withoutPermission(user)) {
    const key = `${phone}|${user}`;
    let granted = grants.get(key);
    if (granted === undefined || granted + PERMISSION_MS <= now()) grants.set(key, (granted = now()));
    permission = { status: 'temporary', expiration_time: Math.floor((granted + PERMISSION_MS) / 1000) };
  }
  return ok({
    messaging_product: 'whatsapp',
    permission,
    actions: [
      {
        action_name: 'send_call_permission_request',
        can_perform_action: true,
        limits: [
          { time_period: 'PT24H', max_allowed: 1, current_usage: 0 },
          { time_period: 'P7D', max_allowed: 2, current_usage: 0 },
        ],
      },
      { action_name: 'start_call', can_perform_action: permission.status !== 'no_permission' && usage < businessInitiatedCallLimit, limits: [startCall] },
    ],
  });
}
