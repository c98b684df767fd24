/**
 * The closed vocabulary of the error catalogue: the stable values of `whatsapp.error.category`, where
 * an error reaches the app, and how a media timeout was reported.
 */

/**
 * Stable error category: the value of `whatsapp.error.category` on spans and metrics. Low-cardinality
 * by design; every Graph code and SIP status maps onto exactly one of these.
 */
export type ErrorCategory =
  | 'invalid_request'
  | 'auth'
  | 'permission'
  | 'configuration'
  | 'account_restricted'
  | 'rate_limited'
  | 'concurrency_limit'
  | 'daily_quota'
  | 'duplicate_call'
  | 'recipient_unavailable'
  | 'declined'
  | 'connection'
  | 'connect_timeout'
  | 'media_timeout'
  | 'server'
  | 'unknown';

/** Every {@link ErrorCategory}, in documentation order (`unknown` last). */
export const ERROR_CATEGORIES: readonly ErrorCategory[] = Object.freeze([
  'invalid_request',
  'auth',
  'permission',
  'configuration',
  'account_restricted',
  'rate_limited',
  'concurrency_limit',
  'daily_quota',
  'duplicate_call',
  'recipient_unavailable',
  'declined',
  'connection',
  'connect_timeout',
  'media_timeout',
  'server',
  'unknown',
] as const);

/** One line per category, for generated README docs and dashboards. */
export const CATEGORY_DESCRIPTIONS: Readonly<Record<ErrorCategory, string>> = Object.freeze({
  invalid_request: 'The request is malformed: a bad parameter, an SDP Meta rejects, or a message type the sender may not use.',
  auth: 'The Graph access token or the SIP digest credentials were rejected.',
  permission: "Something was not granted: the user's call permission, a test-number allow list, or the app's API permissions.",
  configuration: 'Calling or SIP on the business number is not set up the way this request needs.',
  account_restricted: 'Meta restricted calling on the account (low quality, negative feedback, no payment method).',
  rate_limited: 'Too many requests or call attempts in a time window; back off and retry later.',
  concurrency_limit: 'The business number already has the maximum number of concurrent calls (1000).',
  daily_quota: 'The user already received the maximum connected business-initiated calls in the rolling 24 h.',
  duplicate_call: 'A call between this business number and this user is already in progress.',
  recipient_unavailable: 'The user cannot be called right now, cannot receive this, or did not answer.',
  declined: 'The user rejected the call.',
  connection: 'The call could not be connected (client setup, media relay, network) or Graph was unreachable.',
  connect_timeout: 'The SDP offer/answer was not applied in time, so the call never connected.',
  media_timeout: 'The call ended because no media flowed in one or both directions.',
  server: "An error on Meta's side; retry with backoff.",
  unknown: 'Not in the catalogue (or catalogued without a documented meaning).',
});

/** True when `value` is one of {@link ERROR_CATEGORIES}. */
export function isErrorCategory(value: unknown): value is ErrorCategory {
  return typeof value === 'string' && (ERROR_CATEGORIES as readonly string[]).includes(value);
}

/**
 * Where an error reaches the app: the synchronous response (Graph HTTP or the SIP final response), the
 * `calls` webhook (terminate), the `messages` webhook (failed status), or not documented.
 */
export type ErrorChannel = 'sync' | 'calls_webhook' | 'messages_webhook' | 'unknown';

/**
 * How a media timeout was reported: Graph 138021 (`receive`: the user's client got nothing from us),
 * 138022 (`transmit`: what the client sent never arrived), 138023 (`no_media_signals`: accepted, then
 * nothing at all) and SIP `408 RTP Timeout` (`rtp_timeout`).
 */
export type MediaTimeoutKind = 'receive' | 'transmit' | 'no_media_signals' | 'rtp_timeout';
