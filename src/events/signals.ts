/**
 * What one source observation (a Graph exchange, a webhook delivery, a SIP transaction) tells the call
 * path, whatever the source: signals of calls, and the few facts that belong to no call. Every source
 * turns its world into this; `CallPath.ingest` is the one place it goes.
 */
import type { CallSignal } from './call-signal';

/** Meta's own quota counters for one (number, user) pair: a `GET /call_permissions` response. */
export interface QuotaReadingSignal {
  phoneNumberId: string;
  /** Consumer number or BSUID (stays in process: only its keyed hash reaches a store). */
  consumer: string;
  currentUsage: number;
  maxAllowed?: number;
  /** Epoch ms when the oldest counted call leaves the window (`limit_expiration_time`). */
  limitExpiresAt?: number;
  observedAt: number;
}

/** A user's reply to a call-permission request (`messages` webhook). */
export interface PermissionReply {
  phoneNumberId?: string;
  response: string;
  responseSource?: string;
  permanent?: boolean;
  consumer?: string;
  /** `context.id`: the permission request's wamid, or a wacid for an automatic grant after a call. */
  contextId?: string;
  at: number;
  /** Same reply delivered again (to any instance) → same key: counted once. */
  dedupeKey: string;
}

/** An error Meta reported outside any call we can attach it to (webhook `value.errors`, message statuses). */
export interface UnattachedError {
  /** Webhook field it came in: `calls`, `messages`. */
  field: string;
  phoneNumberId?: string;
  code: number;
  /** When the delivery identifies the event (a message status): counted once across redeliveries. */
  dedupeKey?: string;
}

export interface Signals {
  calls: CallSignal[];
  quotaReadings?: QuotaReadingSignal[];
  permissionReplies?: PermissionReply[];
  unattachedErrors?: UnattachedError[];
}

export const NO_SIGNALS: Signals = Object.freeze({ calls: [] });
