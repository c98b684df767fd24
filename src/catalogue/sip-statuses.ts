/**
 * SIP final responses from Meta's edge (`wa.meta.vc`) to business-initiated calls (reference §5.7).
 * Meta packs several different diagnoses into `403`, told apart only by the reason phrase or by the
 * text of `Warning: 399 wa.meta.vc "…"` (sometimes the phrase is just `Forbidden`), so both are read.
 */
import type { ErrorCategory, ErrorChannel, MediaTimeoutKind } from './categories';

/** Result of {@link classifySipResponse}. `category` is set exactly when `isError` is true. */
export interface SipClassification {
  isError: boolean;
  category?: ErrorCategory;
  title: string;
  remedy?: string;
  mediaTimeoutKind?: MediaTimeoutKind;
  /** Stable snake_case identifier (e.g. `sip_403_no_permission`), usable as a low-cardinality label. */
  key: string;
}

/** What {@link classifySipResponse} looks at. Every field may be missing or garbage. */
export interface SipResponseInput {
  status: number;
  /** The reason phrase of the status line. */
  reason?: string;
  /** The raw `Warning` header value (`399 wa.meta.vc "text"`); its quoted text is read. */
  warning?: string;
  /** The request carried digest credentials, so a new challenge or a 403 means they were wrong. */
  credentialsSent?: boolean;
  /** The business CANCELled the INVITE, so a 487 is the expected outcome. */
  cancelled?: boolean;
}

/** One catalogued SIP outcome. */
export interface SipStatusEntry {
  readonly key: string;
  readonly status: number;
  /** Meta's reason phrase (placeholders in angle brackets), or a description when it has none. */
  readonly metaReason: string;
  readonly title: string;
  readonly isError: boolean;
  /** Set exactly when `isError`. */
  readonly category?: ErrorCategory;
  readonly remedy?: string;
  readonly mediaTimeoutKind?: MediaTimeoutKind;
  /** SIP responses always come back in the INVITE transaction. */
  readonly channel: ErrorChannel;
}

type Row = Omit<SipStatusEntry, 'key' | 'channel'> & { readonly match?: RegExp };

const DIGEST_REMEDY = 'Check the SIP password for this number and app (sip_user_password) and that the digest username is the business number without +.';

/**
 * The 403 variants, tried in order against reason + Warning text (case-insensitive); first match wins.
 * The specific Meta texts come before the generic duplicate/auth words so that, e.g., "configured"
 * or "authorized" in a Meta text cannot be mistaken for something else.
 */
const RULES_403 = {
  sip_403_server_mismatch: {
    status: 403,
    match: /does not match any sip server configured/i,
    isError: true,
    category: 'configuration',
    metaReason: 'SIP server <domain> from INVITE does not match any SIP server configured for phone number id <ID>',
    title: 'From domain does not match the configured SIP server',
    remedy:
      "Make the INVITE's From domain the SIP hostname configured for this number (or a parent domain of it), or fix the hostname in the calling settings.",
  },
  sip_403_no_permission: {
    status: 403,
    match: /no approved call permission/i,
    isError: true,
    category: 'permission',
    metaReason: 'No Approved Call Permission Found...',
    title: 'No approved call permission',
    remedy:
      'The user has not granted call permission (Meta gives the same answer for non-WhatsApp users); send a permission request and call only after an accept.',
  },
  // `configuration`, not `permission`: the app that configured the SIP server lacks
  // whatsapp_business_messaging on the number, which breaks every call from that number until an
  // admin fixes the setup. In SIP `permission` is dominated by per-user "No Approved Call Permission"
  // noise, where a number-wide break like this would hide.
  sip_403_app_not_authorized: {
    status: 403,
    match: /is not authori[sz]ed for phone number id/i,
    isError: true,
    category: 'configuration',
    metaReason: 'The app <APP_ID> configured for SIP server <host> is not authorized for phone number id <ID>',
    title: 'App that configured SIP is not authorized for the number',
    remedy: 'Give the app that configured the SIP server whatsapp_business_messaging on this number, or configure SIP from an app that has it.',
  },
  sip_403_daily_limit: {
    status: 403,
    match: /per day limit|connected call per day/i,
    isError: true,
    category: 'daily_quota',
    metaReason: 'Business Initiated Connected Call Per Day Limit Hit',
    title: 'Connected business-initiated calls per day limit hit',
    remedy: 'This user already got the maximum connected business-initiated calls in the rolling 24 h (the text still says 5; the limit is 100); retry later.',
  },
  sip_403_duplicate_call: {
    status: 403,
    match: /duplicate|ongoing|already/i,
    isError: true,
    category: 'duplicate_call',
    metaReason: '(text mentioning a duplicate or ongoing call)',
    title: 'Duplicate call',
    remedy: 'Only one call per business number and user at a time; end the ongoing call (BYE) before calling again, and check for double submits.',
  },
  sip_403_bad_digest: {
    status: 403,
    match: /digest|authenticat|credential|password|nonce/i,
    isError: true,
    category: 'auth',
    metaReason: '(text mentioning digest or authentication)',
    title: 'Digest authentication failed',
    remedy: DIGEST_REMEDY,
  },
} as const satisfies Record<string, Row>;

/** Every other row of §5.7, plus the generic rows the rules above fall back to. */
const ROWS = {
  ...RULES_403,
  sip_403_after_credentials: {
    status: 403,
    isError: true,
    category: 'auth',
    metaReason: 'Forbidden (after sending digest credentials)',
    title: 'Forbidden after digest credentials',
    remedy: DIGEST_REMEDY,
  },
  sip_403: {
    status: 403,
    isError: true,
    category: 'permission',
    metaReason: 'Forbidden (other)',
    title: 'Forbidden',
    remedy:
      "Meta refused the call without a known reason text; check the user's call permission, payment eligibility and the SDP, and capture the Warning header.",
  },
  sip_400_asset_not_found: {
    status: 400,
    isError: true,
    category: 'configuration',
    metaReason: 'Asset not found, invalid business phone number',
    title: 'Asset not found: invalid business phone number',
    remedy: 'The From user must be a Cloud API business number registered for calling, in E.164 without +; check the From header.',
  },
  sip_404_not_found: {
    status: 404,
    isError: true,
    category: 'configuration',
    metaReason: 'Not found',
    title: 'Not found',
    remedy: 'Address Meta by hostname (wa.meta.vc), not by IP address, in the request URI.',
  },
  sip_407_challenge: {
    status: 407,
    isError: false,
    metaReason: 'Proxy Authentication Required',
    title: 'Digest challenge',
  },
  sip_407_bad_digest: {
    status: 407,
    isError: true,
    category: 'auth',
    metaReason: 'Proxy Authentication Required (again, after credentials)',
    title: 'Bad digest: credentials rejected',
    remedy: DIGEST_REMEDY,
  },
  sip_408_rtp_timeout: {
    status: 408,
    isError: true,
    category: 'media_timeout',
    mediaTimeoutKind: 'rtp_timeout',
    metaReason: 'RTP Timeout',
    title: 'RTP timeout',
    remedy: "The user's client got no media for too long; send audio (at least RTCP) from the start and check NAT/firewall for UDP to Meta.",
  },
  sip_480_unavailable: {
    status: 480,
    isError: true,
    category: 'recipient_unavailable',
    metaReason: 'Temporarily Unavailable',
    title: 'Temporarily unavailable',
    remedy: 'The user was unreachable or did not answer, which counts as unanswered for call permissions; avoid immediate redials.',
  },
  sip_486_declined: {
    status: 486,
    isError: true,
    category: 'declined',
    metaReason: '(user declined)',
    title: 'User declined the call',
    remedy: 'The user rejected the call; repeated rejections revoke call permission, so review call timing and targeting.',
  },
  sip_487_cancelled: {
    status: 487,
    isError: false,
    metaReason: 'Request Terminated',
    title: 'Request terminated after CANCEL',
  },
  sip_487_terminated: {
    status: 487,
    isError: true,
    category: 'unknown',
    metaReason: 'Request Terminated (no CANCEL seen)',
    title: 'Request terminated',
    remedy: 'Meta ended the INVITE without a CANCEL from us being seen; check whether another component cancelled the call.',
  },
  sip_500_server_error: {
    status: 500,
    isError: true,
    category: 'server',
    metaReason: '(re-INVITE)',
    title: 'Server error (re-INVITE is not supported)',
    remedy: 'Meta does not support re-INVITE or SDP renegotiation; stop sending them. Otherwise retry later.',
  },
  sip_503_unavailable: {
    status: 503,
    isError: true,
    category: 'server',
    metaReason: 'Service Unavailable',
    title: 'Service unavailable',
    remedy: "A generic error on Meta's side; retry later with backoff.",
  },
  sip_603_declined: {
    status: 603,
    isError: true,
    category: 'declined',
    metaReason: 'Decline',
    title: 'Call declined',
    remedy: 'The call was declined; repeated rejections revoke call permission, so do not redial straight away.',
  },
} as const satisfies Record<string, Row>;

type SipKey = keyof typeof ROWS;

/** Every catalogued SIP outcome, keyed rows of §5.7 plus the challenge/cancel variants. */
export const SIP_STATUS_ENTRIES: readonly SipStatusEntry[] = Object.freeze(
  (Object.entries(ROWS) as [SipKey, Row][]).map(([key, { match: _match, ...row }]) => ({ key, channel: 'sync' as const, ...row })),
);

const MAX_TEXT = 4096;

function fromRow(key: SipKey): SipClassification {
  const row: Row = ROWS[key];
  const out: SipClassification = { isError: row.isError, title: row.title, key };
  if (row.category) out.category = row.category;
  if (row.remedy) out.remedy = row.remedy;
  if (row.mediaTimeoutKind) out.mediaTimeoutKind = row.mediaTimeoutKind;
  return out;
}

/** The quoted texts of a `Warning` value (`399 wa.meta.vc "text"`, possibly several); else the raw value. */
export function warningText(warning: unknown): string {
  if (typeof warning !== 'string') return '';
  try {
    const value = warning.slice(0, MAX_TEXT);
    const quoted = [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
    return quoted.length > 0 ? quoted.join(' ') : value;
  } catch {
    return '';
  }
}

function classify403(text: string, credentialsSent: boolean): SipKey {
  for (const [key, rule] of Object.entries(RULES_403) as [keyof typeof RULES_403, Row][]) {
    if (rule.match!.test(text)) return key;
  }
  return credentialsSent ? 'sip_403_after_credentials' : 'sip_403';
}

function otherStatus(code: number): SipClassification {
  if (code >= 500 && code <= 599) {
    return { isError: true, category: 'server', title: 'Server error', remedy: "An error on Meta's side; retry later with backoff.", key: `sip_${code}` };
  }
  const valid = code >= 300 && code <= 699;
  return {
    isError: true,
    category: 'unknown',
    title: valid ? `Unclassified SIP ${code}` : 'Invalid SIP status',
    key: valid ? `sip_${code}` : 'sip_invalid_status',
  };
}

function classify(input: SipResponseInput): SipClassification {
  const code = Number.isInteger(input?.status) ? input.status : -1;
  const credentialsSent = input?.credentialsSent === true;
  if (code >= 100 && code <= 199) return { isError: false, title: 'Provisional response', key: `sip_${code}` };
  if (code >= 200 && code <= 299) return { isError: false, title: 'Success', key: `sip_${code}` };
  switch (code) {
    case 401:
    case 407:
      // A first challenge is the normal digest handshake; a second one means the credentials were wrong.
      if (!credentialsSent) return { ...fromRow('sip_407_challenge'), key: `sip_${code}_challenge` };
      return { ...fromRow('sip_407_bad_digest'), key: `sip_${code}_bad_digest` };
    case 403: {
      const reason = typeof input.reason === 'string' ? input.reason.slice(0, MAX_TEXT) : '';
      return fromRow(classify403(`${reason}\n${warningText(input.warning)}`, credentialsSent));
    }
    case 487:
      return fromRow(input.cancelled === true ? 'sip_487_cancelled' : 'sip_487_terminated');
    case 400:
      return fromRow('sip_400_asset_not_found');
    case 404:
      return fromRow('sip_404_not_found');
    case 408:
      return fromRow('sip_408_rtp_timeout');
    case 480:
      return fromRow('sip_480_unavailable');
    case 486:
      return fromRow('sip_486_declined');
    case 500:
      return fromRow('sip_500_server_error');
    case 503:
      return fromRow('sip_503_unavailable');
    case 603:
      return fromRow('sip_603_declined');
    default:
      return otherStatus(code);
  }
}

/**
 * Classifies a SIP final (or provisional) response from Meta. 1xx/2xx, a first 401/407 challenge and
 * a 487 after our CANCEL are not errors; everything else gets a category (`unknown` when not
 * catalogued). Text matching is case-insensitive; never throws.
 */
export function classifySipResponse(input: SipResponseInput): SipClassification {
  try {
    return classify(input);
  } catch {
    return { isError: true, category: 'unknown', title: 'Unclassified SIP response', key: 'sip_unknown' };
  }
}
