/**
 * Span contexts as short strings (`traceId-spanId-flags`), so a call store — possibly remote, shared by
 * several processes — can keep where a call's span hangs and which operation spans it links to.
 */
import { INVALID_SPANID, INVALID_TRACEID, ROOT_CONTEXT, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, SpanContext } from '@opentelemetry/api';

/** Two lower-case hex digits per trace-flags byte, built once. */
const FLAGS_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const REFERENCE = /^[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function spanReference(sc: SpanContext | undefined): string | undefined {
  if (!sc || !isSpanContextValid(sc)) return undefined;
  return `${sc.traceId}-${sc.spanId}-${FLAGS_HEX[sc.traceFlags & 0xff]}`;
}

/** The span context a reference names; undefined for anything that is not a valid one. */
export function spanContextOf(ref: string | undefined): SpanContext | undefined {
  // Fixed offsets and one pattern test: this runs for every signal of every call at its end.
  if (typeof ref !== 'string' || ref.length !== 52 || !REFERENCE.test(ref)) return undefined;
  const traceId = ref.slice(0, 32);
  const spanId = ref.slice(33, 49);
  if (traceId === INVALID_TRACEID || spanId === INVALID_SPANID) return undefined;
  return { traceId, spanId, traceFlags: parseInt(ref.slice(50), 16), isRemote: true };
}

/** A context whose span is the referenced one (for a span created later, in any process). */
export function contextOfReference(ref: string | undefined): Context | undefined {
  const sc = spanContextOf(ref);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : undefined;
}
