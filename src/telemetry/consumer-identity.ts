import { createHmac } from 'node:crypto';
import type { ConsumerNumberMode } from '../types';

const FALLBACK_KEY = 'opentelemetry-instrumentation-whatsapp-calling';

/**
 * What may be recorded of a consumer's phone number or BSUID. `hash` is pseudonymisation: with the
 * default key anyone can hash a candidate number and compare, so set `consumerNumberHashKey`.
 */
export function consumerIdentity(mode: ConsumerNumberMode | undefined, value: string | undefined, key?: string): string | undefined {
  if (!value || mode === undefined || mode === 'omit') return undefined;
  if (mode === 'raw') return value;
  if (mode === 'hash')
    return createHmac('sha256', key || FALLBACK_KEY)
      .update(value)
      .digest('hex')
      .slice(0, 32);
  return undefined;
}

/** The consumer a Graph request targets: body `to`/`recipient`, or the `/call_permissions` query. */
export function consumerOf(bodyTo: string | undefined, query: string | undefined): string | undefined {
  if (bodyTo) return bodyTo;
  if (!query) return undefined;
  try {
    const params = new URLSearchParams(query);
    return params.get('user_wa_id') ?? params.get('recipient') ?? undefined;
  } catch {
    return undefined;
  }
}
