/**
 * Which Graph path does what. Paths are `/{version}/{phone_number_id}/{edge}` with the version
 * optional; anything else gets Graph's "Unsupported … request" error from the caller.
 */
import { calls } from './calls';
import { fail, ok } from './context';
import type { Body, RouteContext, RouteResult } from './context';
import { messages } from './messages';
import { callPermissions } from './permissions';

/** `[, version, phoneNumberId, edge]` */
export const GRAPH_PATH = /^\/(?:(v\d+\.\d+)\/)?(\d{1,30})\/([a-z_]+)\/?$/;

export function route(ctx: RouteContext, method: string, edge: string, phone: string, query: URLSearchParams, body: Body | undefined): RouteResult | undefined {
  const b = body ?? {};
  switch (`${method} ${edge}`) {
    case 'POST calls':
      return calls(ctx, phone, b);
    case 'GET call_permissions':
      return callPermissions(ctx, phone, query);
    case 'GET settings':
      return ok(ctx.state.settings.read(phone, query.get('include_sip_credentials') === 'true'));
    case 'POST settings': {
      const problem = ctx.state.settings.update(phone, body);
      return problem ? fail(ctx, 100, problem) : ok({ success: true });
    }
    case 'POST messages':
      return messages(ctx, b);
    default:
      return undefined;
  }
}
