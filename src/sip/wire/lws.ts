/** Linear whitespace helpers for header text held as latin1 (one char per byte). */

const isLws = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d;

/** Trims SP/HT/CR only: String#trim would also eat latin1 0xA0, a byte of many UTF-8 characters. */
export function trimLws(s: string): string {
  return sliceLws(s, 0, s.length);
}

/** `s.slice(from, to)` without leading/trailing SP/HT/CR, in one slice. */
export function sliceLws(s: string, from: number, to: number): string {
  while (from < to && isLws(s.charCodeAt(from))) from++;
  while (to > from && isLws(s.charCodeAt(to - 1))) to--;
  return from === 0 && to === s.length ? s : s.slice(from, to);
}
