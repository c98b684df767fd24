/**
 * Opt-in (`traceContextInCallbackData`): adds the active trace's `traceparent` as
 * `biz_opaque_callback_data` to a `connect`/`accept` body that has none, so Meta echoes it in the
 * call's webhooks. Textual insertion keeps every other byte of the app's body as it was.
 */
import { context } from '@opentelemetry/api';
import { callbackDataWithTraceContext } from '../webhooks/callback-trace-context';

/** The body with a traceparent added, or undefined when it does not apply (leave the body alone). */
export function bodyWithTraceContext(body: string, traceparent = callbackDataWithTraceContext(undefined, context.active())): string | undefined {
  if (!traceparent) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const b = parsed as Record<string, unknown>;
  if (b.action !== 'connect' && b.action !== 'accept') return undefined;
  if (b.biz_opaque_callback_data !== undefined && b.biz_opaque_callback_data !== '') return undefined; // never overwrite
  if ('biz_opaque_callback_data' in b) return undefined; // an explicit empty value is the app's choice too
  const close = body.lastIndexOf('}');
  const comma = Object.keys(b).length ? ',' : '';
  return `${body.slice(0, close)}${comma}"biz_opaque_callback_data":"${traceparent}"${body.slice(close)}`;
}
