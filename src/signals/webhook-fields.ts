/** Defensive readers for untrusted webhook JSON: wrong types read as undefined, never throw. */
export const rec = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** At most the first 1000 items; the array itself when it is that short (read at once, never kept). */
export const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? (v.length <= 1000 ? v : v.slice(0, 1000)) : []);

export const str = (v: unknown, max = 1024): string | undefined =>
  typeof v === 'string' && v !== '' && v.length <= max ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** Meta sends `timestamp`/`start_time`/`end_time` as strings of Unix seconds (sometimes numbers). */
export const unixSecondsToMs = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
};

export const nonNegative = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
};
