/** SIP start lines (RFC 3261 §7.1, §7.2), shared by the parser and the stream framer. */
import { trimLws } from './lws';

export type StartLine = { kind: 'request'; method: string; requestUri: string } | { kind: 'response'; status: number; reason: string };

/** Longest start line the framer will wait for before calling a line garbage. */
export const MAX_START_LINE = 8 * 1024;

// Method is a token; the Request-URI has no whitespace. One or more spaces tolerated between parts.
const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]{1,32}) +([^ \t\r\n]{1,8192}) +SIP\/2\.0 *$/i;
const STATUS_LINE = /^SIP\/2\.0 +([1-6]\d\d)(?:[ \t]+(.*))?$/is;

/** Parses a start line given as latin1 text without its line ending. Undefined if it is not one. */
export function parseStartLine(line: string): StartLine | undefined {
  if (line.length > MAX_START_LINE) return undefined;
  // A response starts with `SIP/`; a request never does (its method is followed by a space).
  if ((line.charCodeAt(0) | 0x20) === 0x73 /* s */ && /^SIP\//i.test(line)) {
    const m = STATUS_LINE.exec(line);
    return m ? { kind: 'response', status: Number(m[1]), reason: trimLws(m[2] ?? '') } : undefined;
  }
  const m = REQUEST_LINE.exec(line);
  return m ? { kind: 'request', method: m[1].toUpperCase(), requestUri: m[2] } : undefined;
}

/** Cheap check for the framer: does this line (latin1, no line ending) look like a SIP start line? */
export function isStartLine(line: string): boolean {
  return parseStartLine(line) !== undefined;
}
