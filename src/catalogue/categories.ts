/** The stable error categories of `whatsapp.error.category` (documented in the README). */
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

export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
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
];

export const CATEGORY_DESCRIPTIONS: Record<ErrorCategory, string> = {
  invalid_request: 'the request itself is malformed (parameters, SDP, unsupported message type)',
  auth: 'the access token or SIP digest credentials were rejected',
  permission: 'the business lacks permission: no approved call permission, test-number allow list, app permissions',
  configuration: 'calling or SIP is not set up as this request needs',
  account_restricted: 'Meta restricted calling on the account (quality, payment method)',
  rate_limited: 'too many requests or call attempts in a time window',
  concurrency_limit: 'the number already has the maximum concurrent calls (1000)',
  daily_quota: 'the per-user connected business-initiated call limit for the rolling 24 h was reached',
  duplicate_call: 'a call with this user is already in progress',
  recipient_unavailable: 'the user cannot be called or did not answer',
  declined: 'the user rejected the call',
  connection: 'the call could not be connected (network, relay, client setup) or the Graph API was unreachable',
  connect_timeout: 'the SDP offer/answer was not applied in time',
  media_timeout: 'the call ended because no media flowed',
  server: 'an error on Meta\'s side; retry later',
  unknown: 'anything not in the catalogue',
};

/** How a media timeout was reported: 138021 receive, 138022 transmit, 138023 no media signals, SIP 408. */
export type MediaTimeoutKind = 'receive' | 'transmit' | 'no_media_signals' | 'rtp_timeout';
