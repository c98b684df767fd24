/** WhatsApp-specific reading of SIP messages (reference §5.4–5.7). */
import type { SipMessage } from '../wire';
import { callIdOf, header, uriUser } from '../wire';

const WACID_IN_CALL_ID = /^outgoing:(wacid\.[A-Za-z0-9+/=_-]{1,512})/;

/** The WhatsApp call id: `x-wa-meta-wacid`, or the `outgoing:wacid.…` Call-ID of a Meta-originated dialog. */
export function wacidOf(msg: SipMessage): string | undefined {
  const h = header(msg, 'x-wa-meta-wacid')?.trim();
  if (h && h.length <= 512) return h;
  return WACID_IN_CALL_ID.exec(callIdOf(msg) ?? '')?.[1];
}

export function callDurationOf(msg: SipMessage): number | undefined {
  const v = header(msg, 'x-wa-meta-call-duration')?.trim();
  return v && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}

/** Digits of a SIP URI user part (`+14085551234` → `14085551234`), BSUIDs kept as they are. */
export function numberOf(uri: string | undefined): string | undefined {
  const user = uri ? uriUser(uri) : undefined;
  if (!user) return undefined;
  return user.startsWith('+') ? user.slice(1) : user;
}
