/** Epoch milliseconds with sub-millisecond precision (what span start/end times accept). */
export const nowMs = (): number => performance.timeOrigin + performance.now();
