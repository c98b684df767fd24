/**
 * The parent of a WhatsApp operation span. Normally the app's active context when the request
 * started. When there is no active span (a script calling the Graph API outside any span), an HTTP
 * instrumentation (instrumentation-undici / -http) still starts a root HTTP span and propagates it in
 * the request's headers: continuing from those headers puts our span in the same trace, as its child,
 * instead of in a trace of its own. Uses the app's configured global propagator (W3C by default).
 */
import { propagation, trace } from '@opentelemetry/api';
import type { Context, TextMapGetter } from '@opentelemetry/api';

export type OutgoingHeaders = () => Record<string, string> | undefined;

const getter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

export function parentContextOf(active: Context, outgoingHeaders: OutgoingHeaders | undefined): Context {
  if (!outgoingHeaders || trace.getSpanContext(active)) return active;
  const headers = outgoingHeaders();
  if (!headers) return active;
  const extracted = propagation.extract(active, headers, getter);
  return trace.getSpanContext(extracted) ? extracted : active;
}

/** Request headers as undici holds them: `[name, value, …]` (6+) or raw `name: value\r\n` text (5.x). */
export function undiciHeaderRecord(raw: unknown): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length && i < 400; i += 2) out[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  } else if (typeof raw === 'string') {
    for (const line of raw.split('\r\n', 200)) {
      const colon = line.indexOf(':');
      if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  } else {
    return undefined;
  }
  return out;
}

/** `ClientRequest.getHeaders()` as plain strings (names are already lower-case there). */
export function nodeHeaderRecord(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(', ');
  }
  return out;
}
