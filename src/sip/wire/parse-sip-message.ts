/**
 * Parses one SIP message from bytes (RFC 3261 §7). Never throws: anything that is not SIP gives
 * undefined. Bounded: header blocks over 64 KiB or with more than 256 headers are refused.
 *
 * Works on bytes: the header block is read as latin1 (one char per byte, so offsets are byte
 * offsets), then values holding non-ASCII bytes are re-read as UTF-8 (display names). The body is
 * exactly Content-Length bytes; without Content-Length (a UDP datagram) it is the rest of the input.
 * A body cut short by the end of the input is kept as far as it goes (the headers still matter).
 * The body is a view of the input, not a copy (a copy cost as much as a sixth of the parse): pass
 * bytes the message may keep — the stream framers and the HEP decoder hand out copies already.
 */
import { isAscii } from 'node:buffer';
import type { SipHeader, SipMessage } from './sip-message';
import { canonicalHeaderName } from './sip-message';
import { sliceLws, trimLws } from './lws';
import { parseStartLine } from './start-line';

export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_HEADERS = 256;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const NON_ASCII = /[\x80-\xff]/;
const NAME_CACHE = new Map<string, string>();
const NAME_CACHE_LIMIT = 512;
const CONTENT_LENGTH = /^\d{1,10}$/;

export function parseSipMessage(bytes: Buffer): SipMessage | undefined {
  try {
    return parse(bytes);
  } catch {
    return undefined;
  }
}

function parse(input: Buffer): SipMessage | undefined {
  if (!(input instanceof Uint8Array)) return undefined;
  const view = input as Uint8Array;
  const buf = Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  let start = 0;
  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  if (start === buf.length) return undefined;

  const crlf = buf.indexOf(CRLFCRLF, start);
  let headEnd = crlf === -1 ? buf.length : crlf;
  let bodyStart = crlf === -1 ? buf.length : crlf + 4;
  // One past the limit, so that an oversized block is seen as such. Only the head is decoded: header
  // values are slices of this text, and what a tracker keeps of them keeps all of it.
  let text = buf.toString('latin1', start, Math.min(headEnd, start + MAX_HEADER_BYTES + 1));
  const lf = text.indexOf('\n\n'); // a bare-LF message ends its head at the first blank line
  if (lf !== -1) {
    text = text.slice(0, lf);
    headEnd = start + lf;
    bodyStart = headEnd + 2;
  }
  // Without any blank line, a datagram may end right after its headers.
  if (headEnd - start > MAX_HEADER_BYTES) return undefined;

  const lines = text.split('\n');
  const startLine = parseStartLine(stripCr(lines[0]));
  if (!startLine) return undefined;
  const headers = parseHeaders(lines);
  if (!headers) return undefined;
  // Nearly every message is ASCII throughout: one check of the whole input, without a view.
  if (!isAscii(buf) && !isAscii(buf.subarray(start, headEnd))) {
    for (const h of headers) h.value = utf8(h.value);
    if (startLine.kind === 'request') startLine.requestUri = utf8(startLine.requestUri);
    else startLine.reason = utf8(startLine.reason);
  }

  let bodyEnd = buf.length;
  for (const h of headers) {
    if (h.name !== 'content-length') continue;
    if (!CONTENT_LENGTH.test(h.value)) return undefined;
    bodyEnd = Math.min(buf.length, bodyStart + Number(h.value));
    break;
  }
  const body = bodyEnd > bodyStart ? buf.subarray(bodyStart, bodyEnd) : EMPTY;
  return startLine.kind === 'request'
    ? { kind: 'request', method: startLine.method, requestUri: startLine.requestUri, headers, body }
    : { kind: 'response', status: startLine.status, reason: startLine.reason, headers, body };
}

/** Header lines after the start line (lines[0]); undefined if malformed or too many. */
function parseHeaders(lines: string[]): SipHeader[] | undefined {
  const headers: SipHeader[] = [];
  for (let i = 1; i < lines.length; i++) {
    // Lines keep their CR (a slice per line to drop it cost more than the rest of the loop): the
    // value and fold trimming below drop it, and a line of just a CR is the empty line.
    const line = lines[i];
    if (line === '' || line === '\r') continue;
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) {
      // Folded continuation of the previous header (RFC 3261 §7.3.1): LWS is one space.
      const last = headers[headers.length - 1];
      if (!last) return undefined;
      const more = trimLws(line);
      if (more !== '') last.value = last.value === '' ? more : `${last.value} ${more}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || headers.length >= MAX_HEADERS) return undefined;
    const name = commonName(line, colon) ?? headerName(line.slice(0, colon));
    if (name === undefined) return undefined;
    headers.push({ name, value: sliceLws(line, colon + 1, line.length) });
  }
  return headers;
}

/** Header names most messages carry, by length: matched in place, before any slice or lookup. */
const COMMON_BY_LENGTH: string[][] = [];
for (const name of [
  'via',
  'max-forwards',
  'from',
  'to',
  'call-id',
  'cseq',
  'contact',
  'content-type',
  'content-length',
  'user-agent',
  'server',
  'allow',
  'supported',
  'require',
  'record-route',
  'route',
  'expires',
  'session-expires',
  'min-se',
  'reason',
  'accept',
  'allow-events',
  'p-asserted-identity',
  'privacy',
  'content-disposition',
  'warning',
  'www-authenticate',
  'authorization',
])
  (COMMON_BY_LENGTH[name.length] ??= []).push(name);

/** The canonical name when `line` starts with a common one (any case) right before its colon. */
function commonName(line: string, colon: number): string | undefined {
  const candidates = COMMON_BY_LENGTH[colon];
  if (candidates === undefined) return undefined;
  next: for (const name of candidates) {
    for (let i = 0; i < colon; i++) {
      const want = name.charCodeAt(i);
      const got = line.charCodeAt(i);
      // Letters in either case; '-' and digits exactly.
      if (got !== want && !(want >= 0x61 && want <= 0x7a && got === want - 0x20)) continue next;
    }
    return name;
  }
  return undefined;
}

/** Canonical name of a raw header name, undefined if it is not a token. Memoised (bounded). */
function headerName(raw: string): string | undefined {
  const known = NAME_CACHE.get(raw);
  if (known !== undefined) return known;
  const trimmed = trimLws(raw);
  if (!TOKEN.test(trimmed)) return undefined;
  const name = canonicalHeaderName(trimmed);
  if (NAME_CACHE.size < NAME_CACHE_LIMIT) NAME_CACHE.set(raw, name);
  return name;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line;
}

function utf8(latin1: string): string {
  return NON_ASCII.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}
