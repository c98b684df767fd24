/** Linear whitespace helpers for header text held as latin1 (one char per byte). */

const isLws = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d;

/** Trims SP/HT/CR only: String#trim would also eat latin1 0xA0, a byte of many UTF-8 characters. */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isLws(s.charCodeAt(a))) a++;
  while (b > a && isLws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
