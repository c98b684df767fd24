/**
 * Span contexts as short strings (`traceId-spanId-flags`), so a call store — possibly remote, shared by
 * several processes — can keep where a call's span hangs and which operation spans it links to.
 */
import { ROOT_CONTEXT, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, SpanContext } from '@opentelemetry/api';

export function spanReference(sc: SpanContext | undefined): string | undefined {
  if (!sc || !isSpanContextValid(sc)) return undefined;
  return `${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

export function spanContextOf(ref: string | undefined): SpanContext | undefined {
  if (!ref || ref.length !== 52) return undefined;
  const [traceId, spanId, flags] = ref.split('-');
  const sc: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
  return isSpanContextValid(sc) && !Number.isNaN(sc.traceFlags) ? sc : undefined;
}

/** A context whose span is the referenced one (for a span created later, in any process). */
export function contextOfReference(ref: string | undefined): Context | undefined {
  const sc = spanContextOf(ref);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : undefined;
}
