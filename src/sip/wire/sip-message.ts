/**
 * The shape of a parsed SIP message (RFC 3261 §7) and header-name canonicalisation.
 * Pure data: no parsing here (see parse-sip-message.ts), no I/O.
 */

/** One header line. `name` is the canonical long form in lower case (`v` → `via`); `value` is trimmed, unfolded text. */
export interface SipHeader {
  name: string;
  value: string;
}

interface SipMessageBase {
  /** Headers in wire order; a repeated header appears once per line, a comma list stays in one value. */
  headers: SipHeader[];
  /** Exactly Content-Length bytes (or, without Content-Length, the rest of the datagram). */
  body: Buffer;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  /** Upper case (`INVITE`). */
  method: string;
  requestUri: string;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  /** Free text: Meta puts its diagnosis here (`No Approved Call Permission Found...`). */
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** Compact header forms (RFC 3261 §7.3.3 and the extensions that define one). */
export const COMPACT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  e: 'content-encoding',
  s: 'subject',
  o: 'event',
  r: 'refer-to',
  x: 'session-expires',
});

/** `Call-ID` → `call-id`, `i` → `call-id`; any case, surrounding whitespace ignored. */
export function canonicalHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.length === 1 ? (COMPACT_HEADERS[lower] ?? lower) : lower;
}
