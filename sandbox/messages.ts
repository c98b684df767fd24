/**
 * `POST /{id}/messages` (reference §2.4): the standard send response, for interactive
 * `call_permission_request` and `voice_call` (and any other message). Magic recipients answer with
 * their code (e.g. `…138009` permission request limit, `…138017` permanent permission exists,
 * `…131030` not in the allowed list, `…131009` voice_call not supported).
 */
import { checkMessagingProduct, fail, ok, str } from './context';
import type { Body, RouteContext, RouteResult } from './context';
import { newMessageId } from './ids';
import { magicCode } from './magic';

const INTERACTIVE_TYPES = [
  'button',
  'list',
  'product',
  'product_list',
  'cta_url',
  'flow',
  'location_request_message',
  'address_message',
  'call_permission_request',
  'voice_call',
];

export function messages(ctx: RouteContext, b: Body): RouteResult {
  const bad = checkMessagingProduct(ctx, b);
  if (bad) return bad;
  const to = str(b.to);
  const recipient = str(b.recipient);
  const input = to ?? recipient;
  if (!input) return fail(ctx, 100, 'The parameter to is required.');
  if (b.type === 'interactive') {
    const interactive = b.interactive as { type?: unknown } | undefined;
    if (typeof interactive !== 'object' || interactive === null) return fail(ctx, 100, 'The parameter interactive is required.');
    if (!INTERACTIVE_TYPES.includes(String(interactive.type)))
      return fail(ctx, 100, `Param interactive.type must be one of {${INTERACTIVE_TYPES.join(', ')}}.`);
  }
  const magic = magicCode(input);
  if (magic !== undefined) return fail(ctx, magic);
  const contact = to ? { input: to, wa_id: to.replace(/\D/g, '') } : { input, user_id: input };
  return ok({ messaging_product: 'whatsapp', contacts: [contact], messages: [{ id: newMessageId() }] });
}
