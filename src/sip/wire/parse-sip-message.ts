/**
 * Parses one SIP message from bytes (RFC 3261 §7). Never throws: anything that is not SIP gives
 * undefined. Bounded: header blocks over 64 KiB or with more than 256 headers are refused.
 *
 * Works on bytes: the header block is read as latin1 (one char per byte, so offsets are byte
 * offsets), then values holding non-ASCII bytes are re-read as UTF-8 (display names). The body is
 * exactly Content-Length bytes; without Content-Length (a UDP datagram) it is the rest of the input.
 * A body cut short by the end of the input is kept as far as it goes (the headers still matter).
 */
import type { SipHeader, SipMessage } from './sip-message';
import { canonicalHeaderName } from './sip-message';
import { trimLws } from './lws';
import { parseStartLine } from './start-line';

export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_HEADERS = 256;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const EMPTY = Buffer.alloc(0);
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const NON_ASCII = /[\x80-\xff]/;
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
  const bounds = headBounds(buf, start);
  if (!bounds) return undefined;
  const text = buf.toString('latin1', start, bounds.headEnd);
  const firstEnd = text.indexOf('\n');
  const startLine = parseStartLine(stripCr(firstEnd === -1 ? text : text.slice(0, firstEnd)));
  if (!startLine) return undefined;
  const headers = firstEnd === -1 ? [] : parseHeaders(text, firstEnd);
  if (!headers) return undefined;

  if (NON_ASCII.test(text)) {
    for (const h of headers) h.value = utf8(h.value);
    if (startLine.kind === 'request') startLine.requestUri = utf8(startLine.requestUri);
    else startLine.reason = utf8(startLine.reason);
  }

  let bodyEnd = buf.length;
  const cl = headers.find((h) => h.name === 'content-length');
  if (cl) {
    if (!CONTENT_LENGTH.test(cl.value)) return undefined;
    bodyEnd = Math.min(buf.length, bounds.bodyStart + Number(cl.value));
  }
  const body = bodyEnd > bounds.bodyStart ? Buffer.from(buf.subarray(bounds.bodyStart, bodyEnd)) : EMPTY;
  return startLine.kind === 'request'
    ? { kind: 'request', method: startLine.method, requestUri: startLine.requestUri, headers, body }
    : { kind: 'response', status: startLine.status, reason: startLine.reason, headers, body };
}

/** End of the header block (before the blank line) and start of the body; undefined if too big. */
function headBounds(buf: Buffer, start: number): { headEnd: number; bodyStart: number } | undefined {
  const window = buf.subarray(start, Math.min(buf.length, start + MAX_HEADER_BYTES + CRLFCRLF.length));
  const crlf = window.indexOf(CRLFCRLF);
  // Tolerate bare-LF messages: a blank line `\n\n` before any CRLFCRLF ends the head.
  const lf = (crlf === -1 ? window : window.subarray(0, crlf)).indexOf(LFLF);
  if (lf !== -1) return lf > MAX_HEADER_BYTES ? undefined : { headEnd: start + lf, bodyStart: start + lf + 2 };
  if (crlf !== -1) return crlf > MAX_HEADER_BYTES ? undefined : { headEnd: start + crlf, bodyStart: start + crlf + 4 };
  // A datagram may end right after its headers, without the blank line.
  if (buf.length - start > MAX_HEADER_BYTES) return undefined;
  return { headEnd: buf.length, bodyStart: buf.length };
}

/** Header lines after the start line (which ends at `pos`); undefined if malformed or too many. */
function parseHeaders(text: string, pos: number): SipHeader[] | undefined {
  const headers: SipHeader[] = [];
  while (pos !== -1 && pos < text.length) {
    const next = text.indexOf('\n', pos + 1);
    const line = stripCr(text.slice(pos + 1, next === -1 ? text.length : next));
    pos = next;
    if (line === '') continue;
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
    if (colon <= 0) return undefined;
    const name = trimLws(line.slice(0, colon));
    if (!TOKEN.test(name) || headers.length >= MAX_HEADERS) return undefined;
    headers.push({ name: canonicalHeaderName(name), value: trimLws(line.slice(colon + 1)) });
  }
  return headers;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line;
}

function utf8(latin1: string): string {
  return NON_ASCII.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}
