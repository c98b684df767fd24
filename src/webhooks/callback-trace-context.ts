/**
 * W3C trace context carried in `biz_opaque_callback_data` (≤ 512 chars, echoed by Meta in status and
 * terminate webhooks), so that webhook-side work joins the trace that placed or accepted the call.
 */
import { ROOT_CONTEXT, context, trace, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

const TRACEPARENT = /(?:^|[\s;&,])?(?:traceparent=)?(00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2}))(?:$|[\s;&,])/;

/**
 * The value to send as `biz_opaque_callback_data`: the app's own value unchanged if it has one
 * (never overwritten), else the active span's `traceparent` (55 chars), else undefined.
 */
export function callbackDataWithTraceContext(existing?: string, ctx: Context = context.active()): string | undefined {
  if (existing !== undefined && existing !== '') return existing;
  const sc = trace.getSpanContext(ctx);
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & TraceFlags.SAMPLED ? 1 : 0).toString(16).padStart(2, '0');
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/** A remote parent context from a `traceparent` found in callback data, if any. */
export function traceContextFromCallbackData(data: string | undefined): Context | undefined {
  if (!data || data.length > 512) return undefined;
  const m = TRACEPARENT.exec(data);
  if (!m) return undefined;
  const [, , traceId, spanId, flags] = m;
  const spanContext = { traceId, spanId, traceFlags: parseInt(flags, 16) & 1, isRemote: true };
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}
