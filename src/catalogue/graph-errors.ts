/**
 * Graph / Cloud API error codes seen on the calling endpoints and webhooks (reference §7), each with a
 * title, the HTTP status Meta lists, where it reaches the app, our category and an on-call remedy.
 * Logic keys on `error.code` only; Meta warns that titles and messages change.
 */
import type { ErrorCategory, ErrorChannel, MediaTimeoutKind } from './categories';

/** One catalogued Graph / Cloud API error code. */
export interface GraphErrorEntry {
  /** Graph `error.code`. */
  readonly code: number;
  /** Short title, in our words, close to Meta's. */
  readonly title: string;
  /**
   * HTTP status Meta lists for the code, absent where it lists none. For codes that only arrive in a
   * webhook (channel `calls_webhook`) Meta still lists 400, but it has no meaning there.
   */
  readonly httpStatus?: number;
  /** Where the code reaches the app. */
  readonly channel: ErrorChannel;
  readonly category: ErrorCategory;
  /** What the on-call engineer should check or do (1–2 sentences). */
  readonly remedy: string;
  /** Set for the three media-timeout terminations. */
  readonly mediaTimeoutKind?: MediaTimeoutKind;
}

/** Result of {@link classifyGraphError}: always a category, plus what the catalogue knows. */
export interface GraphErrorClassification {
  category: ErrorCategory;
  title?: string;
  remedy?: string;
  mediaTimeoutKind?: MediaTimeoutKind;
}

/** Calling codes from Meta's calling error table (reference §7). */
const CALLING_CODES = [
  {
    code: 100,
    httpStatus: 400,
    channel: 'sync',
    category: 'invalid_request',
    title: 'Invalid parameter',
    remedy:
      'Read error_data.details for the rejected field and fix the request; for calls it is usually the SDP (CRLF line ends, sha-256 fingerprint, exactly one audio stream).',
  },
  {
    code: 613,
    httpStatus: 429,
    channel: 'sync',
    category: 'rate_limited',
    title: 'Call permission lookup rate limit hit',
    remedy: 'GET /call_permissions is being polled too fast (Meta documents 5 or 100 requests/s); cache permission state per user and back off.',
  },
  {
    code: 131009,
    httpStatus: 400,
    channel: 'sync',
    category: 'invalid_request',
    title: 'Interactive voice_call message not supported',
    remedy:
      'This sender cannot use the interactive voice_call type (only button and list, or the sender country is unsupported); send a button/list message or a call permission request instead.',
  },
  {
    code: 131030,
    httpStatus: 400,
    channel: 'sync',
    category: 'permission',
    title: 'Recipient not in allowed list',
    remedy: 'Test numbers only reach numbers on their allow list; add the recipient in the App Dashboard or switch to a production number.',
  },
  {
    code: 131044,
    httpStatus: 400,
    channel: 'calls_webhook',
    category: 'account_restricted',
    title: 'No valid payment method',
    remedy: 'User-initiated calls fail because the WhatsApp Business Account has no valid payment method; ask the account owner to add or fix one.',
  },
  {
    code: 131055,
    httpStatus: 400,
    channel: 'sync',
    category: 'configuration',
    title: 'Graph calling not allowed on a SIP-enabled number',
    remedy: "The number is in SIP mode, so POST /calls is refused; signal this call over SIP, or turn SIP off in the number's calling settings.",
  },
  {
    code: 138000,
    httpStatus: 401,
    channel: 'sync',
    category: 'configuration',
    title: 'Calling not enabled',
    remedy: 'Enable calling on the number (POST /settings with calling.status ENABLED) and check an app is subscribed to the calls webhook field.',
  },
  {
    code: 138001,
    httpStatus: 400,
    channel: 'sync',
    category: 'recipient_unavailable',
    title: 'Receiver uncallable',
    remedy:
      'The user cannot take calls (not on WhatsApp, terms not accepted, or an unsupported client); do not retry right away, reach them by message instead.',
  },
  {
    code: 138002,
    httpStatus: 429,
    channel: 'sync',
    category: 'concurrency_limit',
    title: 'Concurrent calls limit reached',
    remedy: 'The number already has 1000 calls in progress; queue or shed new calls and look for calls your side never terminated.',
  },
  {
    code: 138003,
    httpStatus: 400,
    channel: 'sync',
    category: 'duplicate_call',
    title: 'Duplicate call',
    remedy: 'A call with this user is still ongoing; end it or wait for its terminate webhook, and check the dialler for double submits.',
  },
  {
    code: 138004,
    httpStatus: 500,
    channel: 'sync',
    category: 'connection',
    title: 'Connection error',
    remedy:
      "Meta could not connect the call; retry with backoff, and if the rate stays high check Meta's status page and that your media endpoint is reachable.",
  },
  {
    code: 138005,
    httpStatus: 429,
    channel: 'sync',
    category: 'rate_limited',
    title: 'Call rate limit exceeded',
    remedy: 'The number started too many calls (10,000 per rolling 24 h); pace the campaign or spread it over more numbers.',
  },
  {
    code: 138006,
    httpStatus: 401,
    channel: 'sync',
    category: 'permission',
    title: 'No approved call permission',
    remedy: 'The user has not granted call permission, or it expired or was revoked; send a permission request and call only after an accept.',
  },
  // Meta does not say how 138007 reaches the app; most likely as a failed call / terminate webhook.
  {
    code: 138007,
    httpStatus: 500,
    channel: 'unknown',
    category: 'connect_timeout',
    title: 'Connect timeout',
    remedy:
      "The SDP offer/answer was not applied in time; measure the delay between the connect webhook and your pre_accept/accept, and your media server's setup time.",
  },
  {
    code: 138009,
    httpStatus: 400,
    channel: 'sync',
    category: 'rate_limited',
    title: 'Call permission request limit hit',
    remedy: 'Only 1 permission request per 24 h and 2 per 7 days per user are allowed; wait for the window (any connected call resets it).',
  },
  // 138011 is in no table and has no definition (only an FAQ hint about dev/test conversations), so we
  // refuse to guess a category: `unknown` keeps it visible without mislabelling dashboards.
  {
    code: 138011,
    channel: 'unknown',
    category: 'unknown',
    title: 'Undocumented calling error',
    remedy:
      'Meta does not define this code; its FAQ suggests exchanging messages with the user before sending the permission request. Quote fbtrace_id to Meta support.',
  },
  {
    code: 138012,
    httpStatus: 400,
    channel: 'sync',
    category: 'daily_quota',
    title: 'Business-initiated calls limit hit',
    remedy:
      'This user already got the maximum connected business-initiated calls (currently 100) in the rolling 24 h; error_data says when the next call is allowed.',
  },
  {
    code: 138013,
    httpStatus: 400,
    channel: 'sync',
    category: 'configuration',
    title: 'Business-initiated calling not available',
    remedy: "Business-initiated calls are not offered in this business number's country; use user-initiated calls or a number from a supported country.",
  },
  {
    code: 138014,
    httpStatus: 400,
    channel: 'sync',
    category: 'account_restricted',
    title: 'Calling temporarily disabled',
    remedy: 'Meta paused calling for low quality or negative feedback (usually 7 days); check account_update webhooks and review call quality.',
  },
  {
    code: 138015,
    httpStatus: 400,
    channel: 'sync',
    category: 'configuration',
    title: 'Calling cannot be enabled',
    remedy: "The portfolio's messaging limit is below 2,000; raise the messaging tier first, then enable calling.",
  },
  {
    code: 138017,
    httpStatus: 400,
    channel: 'sync',
    category: 'permission',
    title: 'Permanent permission already exists',
    remedy: 'No request was sent because the user already granted permanent call permission; call them, and fix the flow that asked again.',
  },
  {
    code: 138018,
    httpStatus: 400,
    channel: 'sync',
    category: 'configuration',
    title: 'Calling prerequisites missing',
    remedy: 'Before enabling calling, subscribe an app to the calls webhook field or configure a SIP server for the number.',
  },
  {
    code: 138019,
    httpStatus: 400,
    channel: 'calls_webhook',
    category: 'connection',
    title: 'Call setup failed',
    remedy:
      'The WhatsApp client failed to set the call up; check the SDP you sent (ICE candidates, DTLS fingerprint, codecs) and whether one user or all are affected.',
  },
  {
    code: 138020,
    httpStatus: 400,
    channel: 'calls_webhook',
    category: 'connection',
    title: 'Relay connection failed',
    remedy:
      "Media could not get through Meta's relay; check firewalls allow UDP both ways to Meta's media addresses and that you are ICE-controlling and DTLS client.",
  },
  {
    code: 138021,
    httpStatus: 400,
    channel: 'calls_webhook',
    category: 'media_timeout',
    mediaTimeoutKind: 'receive',
    title: 'Media receive timeout',
    remedy: "The user's client got no media from you; send audio (at least RTCP) right after accept and check NAT/firewall for outbound UDP.",
  },
  {
    code: 138022,
    httpStatus: 400,
    channel: 'calls_webhook',
    category: 'media_timeout',
    mediaTimeoutKind: 'transmit',
    title: 'Media transmit timeout',
    remedy: "Media the user's client sent never reached you; check your media server is listening and inbound UDP from Meta is not blocked.",
  },
  {
    code: 138023,
    httpStatus: 400,
    channel: 'calls_webhook',
    category: 'media_timeout',
    mediaTimeoutKind: 'no_media_signals',
    title: 'Accepted but no media signals',
    remedy:
      'The call was accepted but no media ever flowed; Meta expects the business to send the first SRTP packet, so make sure your side sends without waiting.',
  },
  {
    code: 131026,
    channel: 'messages_webhook',
    category: 'recipient_unavailable',
    title: 'Message undeliverable',
    remedy: "The user's WhatsApp is too old for call permission requests or call buttons; ask them to update, or use another channel.",
  },
] as const satisfies readonly GraphErrorEntry[];

/** General Graph / Cloud API codes that also show up on calling endpoints (§7, last paragraph). */
const GENERAL_CODES = [
  {
    code: 190,
    channel: 'sync',
    category: 'auth',
    title: 'Access token invalid or expired',
    remedy: 'Replace the token (servers should use a system-user token) and read the www-authenticate header for the exact reason.',
  },
  {
    code: 10,
    channel: 'sync',
    category: 'permission',
    title: 'Application lacks permission',
    remedy: 'Grant the app whatsapp_business_messaging (and whatsapp_business_management for settings), then issue a new token.',
  },
  // Meta gives "capability" no calling meaning: it may be app review, a product or a permission, so
  // we leave it `unknown` rather than pick a category that could send on-call the wrong way.
  {
    code: 3,
    channel: 'sync',
    category: 'unknown',
    title: 'Capability missing',
    remedy: 'The app lacks a capability this endpoint needs; check its app review status and enabled products.',
  },
  {
    code: 4,
    channel: 'sync',
    category: 'rate_limited',
    title: 'Application request limit reached',
    remedy: 'The app hit its platform rate limit; watch x-app-usage, slow down and retry after a pause.',
  },
  {
    code: 80007,
    channel: 'sync',
    category: 'rate_limited',
    title: 'WhatsApp Business Account rate limit hit',
    remedy: 'The account exceeded its rate limit; back off, and check x-business-use-case-usage for when access returns.',
  },
  {
    code: 130429,
    channel: 'sync',
    category: 'rate_limited',
    title: 'Cloud API throughput limit reached',
    remedy: 'Too many requests per second for this number; smooth bursts through a queue.',
  },
  {
    code: 131056,
    channel: 'sync',
    category: 'rate_limited',
    title: 'Pair rate limit hit',
    remedy: 'Too many messages to the same user in a short time; wait before sending this user anything else.',
  },
  {
    code: 1,
    channel: 'sync',
    category: 'server',
    title: 'Unknown API error',
    remedy: 'A transient Graph failure; retry with backoff and open a Meta support case with fbtrace_id if it persists.',
  },
  { code: 2, channel: 'sync', category: 'server', title: 'Service temporarily unavailable', remedy: 'Graph is briefly unavailable; retry with backoff.' },
  {
    code: 131000,
    channel: 'sync',
    category: 'server',
    title: 'Something went wrong',
    remedy: 'A generic Cloud API failure; retry with backoff and quote fbtrace_id to Meta support if it repeats.',
  },
  {
    code: 131016,
    httpStatus: 503,
    channel: 'sync',
    category: 'server',
    title: 'Service unavailable',
    remedy: "Cloud API is down or overloaded; retry later and check Meta's status page.",
  },
] as const satisfies readonly GraphErrorEntry[];

/** Every individually catalogued Graph code (the 200–299 permission range is handled by lookup). */
export const GRAPH_ERROR_ENTRIES: readonly GraphErrorEntry[] = Object.freeze([...CALLING_CODES, ...GENERAL_CODES]);

const BY_CODE: ReadonlyMap<number, GraphErrorEntry> = new Map(GRAPH_ERROR_ENTRIES.map((e) => [e.code, e]));

/** Graph reserves 200–299 for permission errors (e.g. 200 "requires extended permission"). */
const PERMISSION_RANGE = { min: 200, max: 299 } as const;

function permissionRangeEntry(code: number): GraphErrorEntry {
  return {
    code,
    channel: 'sync',
    category: 'permission',
    title: 'Permission error',
    remedy: 'The token or app lacks a permission this endpoint needs; check the granted permissions and issue a new token.',
  };
}

/** Fallbacks when the code is absent or not catalogued; the HTTP status is the only evidence left. */
const HTTP_FALLBACKS = {
  server: {
    category: 'server',
    title: 'Server error from Graph',
    remedy: "Meta returned a 5xx; retry with backoff and check Meta's status page if it persists.",
  },
  rate_limited: { category: 'rate_limited', title: 'Too many requests', remedy: 'Graph answered 429; slow down and honour Retry-After when present.' },
  auth: { category: 'auth', title: 'Unauthorized', remedy: 'Graph answered 401; check the access token is present, valid and not expired.' },
} as const satisfies Record<string, GraphErrorClassification>;

/** Accepts an integer or a decimal-integer string (codes sometimes arrive as strings); else undefined. */
function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The catalogue entry for a Graph `error.code` (codes 200–299 get a generic permission entry), or
 * `undefined` when the code is not catalogued. Never throws.
 */
export function lookupGraphError(code: number): GraphErrorEntry | undefined {
  const c = toInteger(code);
  if (c === undefined) return undefined;
  const entry = BY_CODE.get(c);
  if (entry) return entry;
  return c >= PERMISSION_RANGE.min && c <= PERMISSION_RANGE.max ? permissionRangeEntry(c) : undefined;
}

function byHttpStatus(status: number | undefined): GraphErrorClassification {
  if (status === undefined) return { category: 'unknown' };
  if (status >= 500 && status <= 599) return { ...HTTP_FALLBACKS.server };
  if (status === 429) return { ...HTTP_FALLBACKS.rate_limited };
  if (status === 401) return { ...HTTP_FALLBACKS.auth };
  return { category: 'unknown' };
}

/**
 * Classifies a Graph error: by `code` when catalogued, else by HTTP status (5xx → `server`,
 * 429 → `rate_limited`, 401 → `auth`), else `unknown`. A catalogued code wins over the status.
 * Tolerates missing or garbage input and never throws.
 */
export function classifyGraphError(input: { code?: number; httpStatus?: number }): GraphErrorClassification {
  try {
    const entry = lookupGraphError(input?.code as number);
    if (entry) {
      const { category, title, remedy, mediaTimeoutKind } = entry;
      return mediaTimeoutKind ? { category, title, remedy, mediaTimeoutKind } : { category, title, remedy };
    }
    return byHttpStatus(toInteger(input?.httpStatus));
  } catch {
    return { category: 'unknown' };
  }
}
