/**
 * Writes a message back to bytes in canonical form: start line, headers in order as
 * `name: value` (canonical lower-case names), Content-Length set to the body's byte length
 * (added at the end when absent), a blank line, the body. For a parsed message m,
 * parseSipMessage(serializeSipMessage(m)) deep-equals m.
 */
import type { SipMessage } from './sip-message';

const LINE_BREAK = /\r\n?|\n/g;

export function serializeSipMessage(msg: SipMessage): Buffer {
  const body = msg.body ?? Buffer.alloc(0);
  const length = String(body.length);
  let text = msg.kind === 'request' ? `${msg.method} ${msg.requestUri} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${oneLine(msg.reason)}\r\n`;
  let sawLength = false;
  for (const h of msg.headers) {
    if (h.name === 'content-length') {
      sawLength = true;
      text += `content-length: ${length}\r\n`;
    } else text += `${h.name}: ${oneLine(h.value)}\r\n`;
  }
  if (!sawLength) text += `content-length: ${length}\r\n`;
  text += '\r\n';
  return Buffer.concat([Buffer.from(text, 'utf8'), body]);
}

/** A value can't carry a line break on the wire; fold any into a space. */
function oneLine(v: string): string {
  return v.includes('\r') || v.includes('\n') ? v.replace(LINE_BREAK, ' ') : v;
}
