/**
 * Parses one SIP message from bytes. Never throws; returns undefined for anything that is not SIP.
 * Bounded: header blocks over 64 KiB or with more than 256 headers are refused.
 */
import type { SipHeader, SipMessage } from './sip-message';
import { canonicalHeaderName } from './sip-message';

export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_HEADERS = 256;

const REQUEST_LINE = /^([A-Za-z][A-Za-z-]{0,31}) (\S{1,4096}) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3})(?: (.*))?$/;
const CRLFCRLF = Buffer.from('\r\n\r\n');

export function parseSipMessage(bytes: Buffer): SipMessage | undefined {
  try {
    return parse(bytes);
  } catch {
    return undefined;
  }
}

function parse(bytes: Buffer): SipMessage | undefined {
  let headEnd = bytes.indexOf(CRLFCRLF);
  let bodyStart = headEnd + 4;
  if (headEnd === -1) {
    // A datagram may end right after the headers, without the blank line.
    if (bytes.length > MAX_HEADER_BYTES) return undefined;
    headEnd = bytes.length;
    bodyStart = bytes.length;
  }
  if (headEnd > MAX_HEADER_BYTES) return undefined;
  const lines = bytes.subarray(0, headEnd).toString('latin1').split(/\r\n|\n/);
  const start = lines[0];
  const headers: SipHeader[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && headers.length) {
      headers[headers.length - 1].value += ' ' + line.trim(); // folded continuation
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    if (headers.length >= MAX_HEADERS) return undefined;
    headers.push({ name: canonicalHeaderName(line.slice(0, colon)), value: utf8(line.slice(colon + 1).trim()) });
  }
  const lengthHeader = headers.find((h) => h.name === 'content-length')?.value;
  let body = bytes.subarray(bodyStart);
  if (lengthHeader !== undefined) {
    if (!/^\d{1,9}$/.test(lengthHeader)) return undefined;
    body = body.subarray(0, Number(lengthHeader));
  }
  body = Buffer.from(body);
  const req = REQUEST_LINE.exec(start);
  if (req) return { kind: 'request', method: req[1].toUpperCase(), requestUri: utf8(req[2]), headers, body };
  const res = STATUS_LINE.exec(start);
  if (res) return { kind: 'response', status: Number(res[1]), reason: utf8(res[2] ?? ''), headers, body };
  return undefined;
}

/** Header text was decoded as latin1 to keep byte offsets; re-read it as UTF-8 (display names). */
function utf8(latin1: string): string {
  return /[\x80-\xff]/.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}

/** Canonical bytes of a message (long header names, exact Content-Length). */
export function serializeSipMessage(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.requestUri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start, ...msg.headers.filter((h) => h.name !== 'content-length').map((h) => `${h.name}: ${h.value}`), `content-length: ${msg.body.length}`];
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), msg.body]);
}
