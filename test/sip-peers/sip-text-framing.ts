/** The test apps' own, deliberately simple SIP-over-TLS framing (independent of the instrumentation). */
const CRLF = '\r\n';

/** Splits complete messages off the front of `buffer`; returns them and what is left. */
export function takeSipMessages(buffer: string): { messages: string[]; rest: string } {
  const messages: string[] = [];
  for (;;) {
    buffer = buffer.replace(/^(\r\n)+/, '');
    const end = buffer.indexOf(CRLF + CRLF);
    if (end === -1) break;
    const len = Number(/content-length:\s*(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
    if (buffer.length < end + 4 + len) break;
    messages.push(buffer.slice(0, end + 4 + len));
    buffer = buffer.slice(end + 4 + len);
  }
  return { messages, rest: buffer };
}
