/**
 * Derived fields of a parsed message, computed on demand (nothing is cached on the message):
 * Call-ID, CSeq, From/To tags, top Via branch, user parts of URIs.
 */
import { header, headerValues } from './header-access';
import type { SipMessage } from './sip-message';

const CSEQ = /^(\d{1,10})[ \t]+([A-Za-z0-9.!%*_+`'~-]{1,32})$/;
const MAX_USER = 256;

export function callId(msg: SipMessage): string | undefined {
  return header(msg, 'call-id')?.trim() || undefined;
}

/** `CSeq: 2 INVITE` → `{ seq: 2, method: 'INVITE' }` (method upper-cased). */
export function cseq(msg: SipMessage): { seq: number; method: string } | undefined {
  const m = CSEQ.exec(header(msg, 'cseq')?.trim() ?? '');
  return m ? { seq: Number(m[1]), method: m[2].toUpperCase() } : undefined;
}

export function fromTag(msg: SipMessage): string | undefined {
  return tagOf(header(msg, 'from'));
}

export function toTag(msg: SipMessage): string | undefined {
  return tagOf(header(msg, 'to'));
}

/** The `branch` of the first Via (first element of the first Via line), e.g. `z9hG4bK…`. */
export function topViaBranch(msg: SipMessage): string | undefined {
  const via = headerValues(msg, 'via')[0];
  if (via === undefined) return undefined;
  const semi = via.indexOf(';');
  return semi === -1 ? undefined : paramOf(via.slice(semi), 'branch') || undefined;
}

export function fromUser(msg: SipMessage): string | undefined {
  const v = header(msg, 'from');
  return v === undefined ? undefined : uriUser(v);
}

export function toUser(msg: SipMessage): string | undefined {
  const v = header(msg, 'to');
  return v === undefined ? undefined : uriUser(v);
}

export function requestUser(msg: SipMessage): string | undefined {
  return msg.kind === 'request' ? uriUser(msg.requestUri) : undefined;
}

/**
 * User part of a SIP/SIPS/tel URI, given the URI itself or a From/To/Contact value
 * (`"Bob" <sip:+14085551234;npdi@wa.meta.vc>;tag=1` → `+14085551234`). User parameters and a
 * password are dropped, %-escapes decoded. Undefined when there is no user part.
 */
export function uriUser(value: string): string | undefined {
  const uri = addressUri(value);
  const colon = uri.indexOf(':');
  if (colon === -1) return undefined;
  const scheme = uri.slice(0, colon).toLowerCase();
  const rest = uri.slice(colon + 1);
  let user: string;
  if (scheme === 'tel') user = rest;
  else if (scheme === 'sip' || scheme === 'sips') {
    const at = rest.indexOf('@');
    if (at <= 0) return undefined;
    user = rest.slice(0, at);
    const pw = user.indexOf(':');
    if (pw !== -1) user = user.slice(0, pw);
  } else return undefined;
  const semi = user.indexOf(';');
  if (semi !== -1) user = user.slice(0, semi);
  if (user === '' || user.length > MAX_USER || /[\s<>"]/.test(user)) return undefined;
  return unescape(user);
}

/** The URI in a name-addr (`"x" <uri>;p`) or the whole trimmed value (a bare URI / addr-spec). */
function addressUri(value: string): string {
  const v = value.trim();
  const from = v.charCodeAt(0) === 0x22 ? afterQuoted(v, 0) : 0;
  const lt = v.indexOf('<', from);
  if (lt === -1) return v.slice(from).trim();
  const gt = v.indexOf('>', lt + 1);
  return v.slice(lt + 1, gt === -1 ? v.length : gt).trim();
}

/** Header parameters after the address of a From/To value; `;tag=` is looked up there only. */
function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const from = v.charCodeAt(0) === 0x22 ? afterQuoted(v, 0) : 0;
  const lt = v.indexOf('<', from);
  let params: string;
  if (lt !== -1) {
    const gt = v.indexOf('>', lt + 1);
    params = gt === -1 ? '' : v.slice(gt + 1);
  } else {
    const semi = v.indexOf(';', from);
    params = semi === -1 ? '' : v.slice(semi);
  }
  return paramOf(params, 'tag') || undefined;
}

/** Index just after the quoted string starting at `start` (escapes honoured). */
function afterQuoted(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0x5c) i++;
    else if (ch === 0x22) return i + 1;
  }
  return s.length;
}

/**
 * A parameter's value in a `;a=1;b="x;y";c` list (name case-insensitive, quotes removed);
 * `''` for a parameter without value, undefined when absent.
 */
export function paramOf(params: string, name: string): string | undefined {
  const want = name.toLowerCase();
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= params.length; i++) {
    const ch = i < params.length ? params.charCodeAt(i) : 0x3b;
    if (quoted) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) quoted = false;
      continue;
    }
    if (ch === 0x22) quoted = true;
    else if (ch === 0x3b /* ; */) {
      const part = params.slice(start, i);
      start = i + 1;
      const eq = part.indexOf('=');
      if ((eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase() !== want) continue;
      return eq === -1 ? '' : unquote(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s;
}

function unescape(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Former names, kept for existing callers. */
export const callIdOf = callId;
export const cseqOf = cseq;
export const fromTagOf = fromTag;
export const toTagOf = toTag;
export const topViaBranchOf = topViaBranch;
