/** Reading headers of a parsed message: first value, and all values of multi-value headers. */
import type { SipMessage } from './sip-message';
import { canonicalHeaderName } from './sip-message';

/** The first value of a header (name in any case, compact or long form), or undefined. */
export function header(msg: SipMessage, name: string): string | undefined {
  const n = canonicalHeaderName(name);
  for (const h of msg.headers) if (h.name === n) return h.value;
  return undefined;
}

/**
 * All values of a multi-value header (Via, Route, Record-Route, Contact, Warning, …), in order:
 * repeated header lines and comma-joined lists are both split. Commas inside double quotes or
 * angle brackets are kept (`"Doe, J" <sip:j@x>`). Empty elements are dropped.
 */
export function headerValues(msg: SipMessage, name: string): string[] {
  const n = canonicalHeaderName(name);
  const out: string[] = [];
  for (const h of msg.headers) if (h.name === n) splitHeaderList(h.value, out);
  return out;
}

/** Splits one header value at commas outside quotes and `<…>`; appends trimmed, non-empty parts to `out`. */
export function splitHeaderList(value: string, out: string[] = []): string[] {
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (quoted) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) quoted = false;
    } else if (ch === 0x22) quoted = true;
    else if (ch === 0x3c /* < */) angle = true;
    else if (ch === 0x3e /* > */) angle = false;
    else if (ch === 0x2c /* , */ && !angle) {
      push(value.slice(start, i), out);
      start = i + 1;
    }
  }
  push(value.slice(start), out);
  return out;
}

function push(part: string, out: string[]): void {
  const t = part.trim();
  if (t !== '') out.push(t);
}
