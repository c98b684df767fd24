import { INVALID_SPANID, INVALID_TRACEID } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spanContextOf, spanReference } from '../src/tracker/span-reference';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

describe('span references (how a call store keeps span contexts)', () => {
  it('round-trips a span context, flags included', () => {
    for (const traceFlags of [0, 1, 0x0f, 0xff]) {
      const ref = spanReference({ traceId, spanId, traceFlags });
      expect(ref).toBe(`${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`);
      expect(spanContextOf(ref)).toEqual({ traceId, spanId, traceFlags, isRemote: true });
    }
  });

  it('refers to no invalid span context, and reads no invalid reference', () => {
    expect(spanReference({ traceId: INVALID_TRACEID, spanId, traceFlags: 1 })).toBeUndefined();
    expect(spanReference({ traceId, spanId: INVALID_SPANID, traceFlags: 1 })).toBeUndefined();
    expect(spanReference(undefined)).toBeUndefined();
    for (const bad of [
      `${INVALID_TRACEID}-${spanId}-01`,
      `${traceId}-${INVALID_SPANID}-01`,
      `${traceId.toUpperCase()}-${spanId}-01`,
      `${traceId}-${spanId}-0g`,
      `${traceId}_${spanId}-01`,
      `${traceId}-${spanId}-1`,
      `${traceId}-${spanId}-011`,
      '',
      undefined,
    ]) {
      expect(spanContextOf(bad)).toBeUndefined();
    }
  });

  it('reads any string without throwing, and whatever it reads refers back to the same string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)), (s) => {
        const sc = spanContextOf(s);
        if (sc) expect(spanReference(sc)).toBe(s);
      }),
    );
  });
});
