/** A parsed SIP message (RFC 3261 §7): start line, ordered headers (long names, lower case), body bytes. */
export interface SipHeader {
  name: string;
  value: string;
}

interface SipMessageBase {
  headers: SipHeader[];
  body: Buffer;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  requestUri: string;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** Compact header forms (RFC 3261 §7.3.3 and extensions). */
export const COMPACT_HEADERS: Record<string, string> = {
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
};

export function canonicalHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT_HEADERS[lower] ?? lower;
}

/** The first value of a header (any case, compact or long name). */
export function header(msg: SipMessage, name: string): string | undefined {
  const n = canonicalHeaderName(name);
  return msg.headers.find((h) => h.name === n)?.value;
}

/** All values of a header, repeated headers and comma lists split (commas in quotes or <> kept). */
export function headerValues(msg: SipMessage, name: string): string[] {
  const n = canonicalHeaderName(name);
  const out: string[] = [];
  for (const h of msg.headers) if (h.name === n) out.push(...splitList(h.value));
  return out;
}

function splitList(value: string): string[] {
  const parts: string[] = [];
  let depthAngle = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') depthAngle++;
    else if (!quoted && ch === '>') depthAngle = Math.max(0, depthAngle - 1);
    else if (!quoted && depthAngle === 0 && ch === ',') {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts.filter((p) => p !== '');
}

export const callIdOf = (msg: SipMessage): string | undefined => header(msg, 'call-id')?.trim() || undefined;

export function cseqOf(msg: SipMessage): { seq: number; method: string } | undefined {
  const m = /^\s*(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(header(msg, 'cseq') ?? '');
  return m ? { seq: Number(m[1]), method: m[2].toUpperCase() } : undefined;
}

const param = (value: string | undefined, name: string): string | undefined =>
  value ? new RegExp(`;\\s*${name}\\s*=\\s*([^;,\\s>]+)`, 'i').exec(value)?.[1] : undefined;

export const topViaBranchOf = (msg: SipMessage): string | undefined => param(headerValues(msg, 'via')[0], 'branch');
export const fromTagOf = (msg: SipMessage): string | undefined => param(stripUri(header(msg, 'from')), 'tag');
export const toTagOf = (msg: SipMessage): string | undefined => param(stripUri(header(msg, 'to')), 'tag');

/** The header parameters after a name-addr (`"x" <sip:…;uri-params>;tag=…` → `;tag=…`). */
function stripUri(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const close = value.lastIndexOf('>');
  return close === -1 ? value : value.slice(close + 1);
}

/** User part of the SIP URI in a request URI or a From/To/Contact value (`sip:+1408…@host` → `+1408…`). */
export function uriUser(value: string): string | undefined {
  const m = /\bsips?:([^@;>\s]{1,256})@/i.exec(value);
  return m ? decodeURIComponentSafe(m[1]) : undefined;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
