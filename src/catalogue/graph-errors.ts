/**
 * Every calling-related Graph / Cloud API error code (reference §7) with Meta's title, its HTTP
 * status, where it reaches the app, our category and a remedy in our own words.
 */
import type { ErrorCategory, MediaTimeoutKind } from './categories';

export type ErrorChannel = 'sync' | 'calls_webhook' | 'messages_webhook' | 'unknown';

export interface GraphErrorEntry {
  code: number;
  title: string;
  httpStatus?: number;
  channel: ErrorChannel;
  category: ErrorCategory;
  remedy: string;
  mediaTimeoutKind?: MediaTimeoutKind;
}

export interface GraphErrorClassification {
  category: ErrorCategory;
  title?: string;
  remedy?: string;
  mediaTimeoutKind?: MediaTimeoutKind;
}

const E = (
  code: number,
  httpStatus: number | undefined,
  channel: ErrorChannel,
  category: ErrorCategory,
  title: string,
  remedy: string,
  mediaTimeoutKind?: MediaTimeoutKind,
): GraphErrorEntry => ({ code, httpStatus, channel, category, title, remedy, mediaTimeoutKind });

const ENTRIES: GraphErrorEntry[] = [
  E(100, 400, 'sync', 'invalid_request', 'Invalid parameter', 'Check the request body against the API reference; error_data.details names the bad field (often the SDP: CRLF line ends, sha-256 fingerprint, one audio stream).'),
  E(613, 429, 'sync', 'rate_limited', 'Call permission API rate limit hit', 'Slow down GET /call_permissions (5 or 100 requests per second depending on the doc); cache permission state.'),
  E(131009, 400, 'sync', 'invalid_request', 'Interactive voice_call not supported', 'The sender country cannot send voice-call buttons; use a template button or a permission request instead.'),
  E(131030, 400, 'sync', 'permission', 'Recipient not in allowed list', 'A test number can only call or message numbers on its allow list: add the recipient in App Dashboard.'),
  E(131044, 400, 'calls_webhook', 'account_restricted', 'No valid payment method', 'Add a payment method or credit line to the WhatsApp Business Account; user-initiated calls fail until then.'),
  E(131055, 400, 'sync', 'configuration', 'Method not allowed: number is in SIP mode', 'This number has SIP enabled, so /calls is refused: signal the call over SIP, or disable SIP in the calling settings.'),
  E(138000, 401, 'sync', 'configuration', 'Calling not enabled', 'Enable calling for the number (POST /settings calling.status=ENABLED) and subscribe the app to the calls webhook field.'),
  E(138001, 400, 'sync', 'recipient_unavailable', 'Receiver uncallable', 'The user is not on WhatsApp, has not accepted the terms, or uses an unsupported client; do not retry the same user at once.'),
  E(138002, 429, 'sync', 'concurrency_limit', 'Concurrent calls limit reached', 'The number has 1000 calls in progress: queue or shed new calls, and check for calls never terminated.'),
  E(138003, 400, 'sync', 'duplicate_call', 'Duplicate call', 'A call with this user is already ongoing: terminate it or wait for its terminate webhook before calling again.'),
  E(138004, 500, 'sync', 'connection', 'Connection error', 'Transient error connecting the call: retry with backoff; if persistent, check Meta status and your media endpoint.'),
  E(138005, 429, 'sync', 'rate_limited', 'Call rate limit exceeded', 'Too many call initiations from this number (10,000 per 24 h): spread calls out or use more numbers.'),
  E(138006, 401, 'sync', 'permission', 'No approved call permission', 'The user has not granted (or revoked) call permission: send a call permission request and wait for an accept.'),
  E(138007, 500, 'unknown', 'connect_timeout', 'Connect timeout', 'The SDP offer/answer was not applied in time: answer faster after the connect webhook and check your WebRTC stack.'),
  E(138009, 400, 'sync', 'rate_limited', 'Call permission request limit hit', 'Only 1 permission request per 24 h and 2 per 7 days per user: wait, or reach the user another way.'),
  E(138011, undefined, 'unknown', 'unknown', 'Undocumented (dev/testing conversations)', 'Meta has no definition for 138011; their FAQ suggests exchanging messages with the user before sending a permission request.'),
  E(138012, 400, 'sync', 'daily_quota', 'Business-initiated calls limit hit', 'This user received the maximum connected business-initiated calls in the rolling 24 h: error_data tells when the next call is allowed.'),
  E(138013, 400, 'sync', 'configuration', 'Business-initiated calling not available', 'Business-initiated calls are not offered for this business number\'s country (e.g. USA, Canada, Egypt, Vietnam, Nigeria).'),
  E(138014, 400, 'sync', 'account_restricted', 'Calling temporarily disabled', 'Calling was paused for low quality or negative feedback (usually 7 days): review call quality and account_update webhooks.'),
  E(138015, 400, 'sync', 'configuration', 'Calling cannot be enabled', 'The portfolio\'s messaging limit is below 2,000: raise it before enabling calling.'),
  E(138017, 400, 'sync', 'permission', 'Permanent permission already exists', 'No need to ask again: the user already granted permanent call permission.'),
  E(138018, 400, 'sync', 'configuration', 'Calling prerequisites missing', 'Subscribe an app to the calls webhook field or configure SIP before enabling calling.'),
  E(138019, 400, 'calls_webhook', 'connection', 'Call setup failed', 'The WhatsApp client could not set up the call: check the SDP (ICE candidates, DTLS fingerprint) and retry.'),
  E(138020, 400, 'calls_webhook', 'connection', 'Relay connection failed', 'Media relay connection failed: check firewall rules for UDP to Meta\'s media ranges and your ICE setup.'),
  E(138021, 400, 'calls_webhook', 'media_timeout', 'Media receive timeout', 'The user\'s client received no media: start sending audio (at least RTCP) right after accept and check NAT/firewall; capture a pcap for Meta support.', 'receive'),
  E(138022, 400, 'calls_webhook', 'media_timeout', 'Media transmit timeout', 'The user\'s client sent no media that reached you: check that your media server receives and your firewall allows Meta\'s UDP ports.', 'transmit'),
  E(138023, 400, 'calls_webhook', 'media_timeout', 'Accepted but no media signals', 'The call was accepted but no media flowed: send media first (Meta expects the business to send the first SRTP packet).', 'no_media_signals'),
  E(131026, undefined, 'messages_webhook', 'recipient_unavailable', 'Message undeliverable', 'The user\'s app is too old for permission requests or call buttons: ask them to update WhatsApp.'),
  E(190, 401, 'sync', 'auth', 'Access token invalid or expired', 'Renew the access token (system user tokens do not expire); check the www-authenticate header for the reason.'),
  E(10, 403, 'sync', 'permission', 'Application does not have permission', 'Grant whatsapp_business_messaging (and whatsapp_business_management for settings) to the app and token.'),
  E(3, 400, 'sync', 'unknown', 'Capability error', 'The app lacks a capability for this call; check the app\'s review status and permissions.'),
  E(4, 429, 'sync', 'rate_limited', 'Application request limit reached', 'The app hit its platform rate limit: watch x-app-usage and slow down.'),
  E(80007, 429, 'sync', 'rate_limited', 'WhatsApp Business Account rate limit', 'The WABA hit its rate limit: slow down and retry later.'),
  E(130429, 429, 'sync', 'rate_limited', 'Cloud API throughput reached', 'Too many requests per second for this number: smooth out bursts.'),
  E(131056, 429, 'sync', 'rate_limited', 'Pair rate limit hit', 'Too many messages to the same user in a short time: wait before sending again.'),
  E(1, 500, 'sync', 'server', 'Unknown API error', 'A transient Graph error: retry with backoff.'),
  E(2, 503, 'sync', 'server', 'Service temporarily unavailable', 'Graph is temporarily unavailable: retry with backoff.'),
  E(131000, 500, 'sync', 'server', 'Something went wrong', 'A generic Cloud API error: retry with backoff and include the fbtrace_id if you contact Meta support.'),
  E(131016, 503, 'sync', 'server', 'Service unavailable', 'Cloud API is unavailable: retry later.'),
];

const BY_CODE = new Map(ENTRIES.map((e) => [e.code, e]));

export const GRAPH_ERROR_ENTRIES: readonly GraphErrorEntry[] = ENTRIES;

export function lookupGraphError(code: number): GraphErrorEntry | undefined {
  return BY_CODE.get(code);
}

/** Classifies a Graph error by code, falling back to the HTTP status; never throws, never drops. */
export function classifyGraphError(input: { code?: number; httpStatus?: number }): GraphErrorClassification {
  const code = typeof input?.code === 'number' ? input.code : undefined;
  const entry = code !== undefined ? BY_CODE.get(code) : undefined;
  if (entry) return { category: entry.category, title: entry.title, remedy: entry.remedy, mediaTimeoutKind: entry.mediaTimeoutKind };
  if (code !== undefined && code >= 200 && code <= 299) {
    return { category: 'permission', title: 'Permission error', remedy: 'Grant the app and token the permission this endpoint needs.' };
  }
  const status = typeof input?.httpStatus === 'number' ? input.httpStatus : undefined;
  if (status !== undefined && status >= 500) return { category: 'server', remedy: 'An error on Meta\'s side: retry with backoff.' };
  if (status === 429) return { category: 'rate_limited', remedy: 'Rate limited: slow down and retry later.' };
  if (status === 401) return { category: 'auth', remedy: 'Check the access token.' };
  return { category: 'unknown' };
}
