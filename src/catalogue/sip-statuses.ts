/**
 * SIP responses from Meta (reference §5.7), classified by status code AND reason text / the
 * `Warning: 399 wa.meta.vc "…"` text, because Meta puts its diagnosis there (several 403s differ
 * only by text).
 */
import type { ErrorCategory, MediaTimeoutKind } from './categories';

export interface SipClassification {
  isError: boolean;
  category?: ErrorCategory;
  title: string;
  remedy?: string;
  mediaTimeoutKind?: MediaTimeoutKind;
  /** Stable snake_case identifier, usable as a low-cardinality label. */
  key: string;
}

export interface SipResponseInput {
  status: number;
  reason?: string;
  /** The raw `Warning` header value (its quoted text is read), or just the text. */
  warning?: string;
  /** The request carried digest credentials (a challenge now means they were wrong). */
  credentialsSent?: boolean;
  /** The business CANCELled the INVITE (so a 487 is expected, not an error). */
  cancelled?: boolean;
}

interface Rule403 {
  test: RegExp;
  key: string;
  category: ErrorCategory;
  title: string;
  remedy: string;
}

const RULES_403: Rule403[] = [
  {
    test: /does not match any sip server configured/i,
    key: 'sip_403_server_mismatch',
    category: 'configuration',
    title: 'SIP server does not match the configured one',
    remedy: 'The From domain must be the SIP hostname configured for this number (or a parent domain of it): fix the From header or the calling settings.',
  },
  {
    test: /no approved call permission/i,
    key: 'sip_403_no_permission',
    category: 'permission',
    title: 'No approved call permission',
    remedy: 'The user has not granted call permission (or is not callable): send a call permission request first.',
  },
  {
    // An app without whatsapp_business_messaging on the number: a setup problem, not the user's choice.
    test: /is not authorized for phone number id/i,
    key: 'sip_403_app_not_authorized',
    category: 'configuration',
    title: 'App not authorized for the phone number',
    remedy: 'The app that configured the SIP server needs whatsapp_business_messaging on this number.',
  },
  {
    test: /per day limit|connected call per day|calls? per day/i,
    key: 'sip_403_daily_limit',
    category: 'daily_quota',
    title: 'Business-initiated connected calls per day limit hit',
    remedy: 'This user received the maximum connected business-initiated calls in the rolling 24 h: wait before calling again.',
  },
  {
    test: /duplicate|already (?:ongoing|in progress|active)|ongoing call/i,
    key: 'sip_403_duplicate_call',
    category: 'duplicate_call',
    title: 'Duplicate call',
    remedy: 'One call per business–user pair at a time: end the ongoing call first.',
  },
  {
    test: /digest|authenticat|credential|password/i,
    key: 'sip_403_bad_credentials',
    category: 'auth',
    title: 'Digest authentication failed',
    remedy: 'Check the SIP password (sip_user_password, per number and app) and that the username is the business number without +.',
  },
];

export function classifySipResponse(input: SipResponseInput): SipClassification {
  try {
    return classify(input);
  } catch {
    return { isError: true, category: 'unknown', title: 'Unclassified SIP response', key: 'sip_unknown' };
  }
}

function classify({ status, reason, warning, credentialsSent, cancelled }: SipResponseInput): SipClassification {
  const code = Number.isInteger(status) ? status : 0;
  const text = `${typeof reason === 'string' ? reason.slice(0, 2048) : ''} ${warningText(warning)}`;
  if (code >= 100 && code < 300) return { isError: false, title: code < 200 ? 'Provisional response' : 'Success', key: `sip_${code}` };
  if (code === 401 || code === 407) {
    return credentialsSent
      ? { isError: true, category: 'auth', title: 'Digest credentials rejected', remedy: RULES_403[5].remedy, key: 'sip_auth_rejected' }
      : { isError: false, title: 'Digest challenge', key: `sip_${code}_challenge` };
  }
  if (code === 487) {
    return cancelled
      ? { isError: false, title: 'Request terminated after CANCEL', key: 'sip_487_cancelled' }
      : { isError: true, category: 'unknown', title: 'Request terminated', key: 'sip_487' };
  }
  if (code === 403) {
    const rule = RULES_403.find((r) => r.test.test(text));
    if (rule) return { isError: true, category: rule.category, title: rule.title, remedy: rule.remedy, key: rule.key };
    if (credentialsSent) return { isError: true, category: 'auth', title: 'Forbidden after credentials', remedy: RULES_403[5].remedy, key: 'sip_403_after_credentials' };
    return { isError: true, category: 'permission', title: 'Forbidden', remedy: 'Meta refused the call: check call permission, payment eligibility and the SDP.', key: 'sip_403' };
  }
  switch (code) {
    case 400:
      return { isError: true, category: 'configuration', title: 'Asset not found, invalid business phone number', remedy: 'The From user must be a Cloud API business number registered for calling (E.164, no +).', key: 'sip_400_asset_not_found' };
    case 404:
      return { isError: true, category: 'configuration', title: 'Not found', remedy: 'Use wa.meta.vc, not an IP address, in the request URI.', key: 'sip_404' };
    case 408:
      return { isError: true, category: 'media_timeout', title: 'RTP timeout', remedy: 'No media reached the user for too long: send media (at least RTCP) from the start and check firewall/NAT for UDP to Meta.', mediaTimeoutKind: 'rtp_timeout', key: 'sip_408_rtp_timeout' };
    case 480:
      return { isError: true, category: 'recipient_unavailable', title: 'Temporarily unavailable', remedy: 'The user was unreachable or did not answer; it counts as unanswered for call permissions.', key: 'sip_480' };
    case 486:
    case 600:
    case 603:
      return { isError: true, category: 'declined', title: 'User declined the call', remedy: 'The user rejected the call; repeated rejections can revoke call permission.', key: `sip_${code}_declined` };
    case 500:
      return { isError: true, category: 'server', title: 'Server error (re-INVITE is not supported)', remedy: 'Meta does not support re-INVITE; otherwise retry later.', key: 'sip_500' };
    case 503:
      return { isError: true, category: 'server', title: 'Service unavailable', remedy: 'A generic error on Meta\'s side: retry later.', key: 'sip_503' };
  }
  if (code >= 500 && code < 600) return { isError: true, category: 'server', title: 'Server error', remedy: 'Retry later.', key: `sip_${code}` };
  return { isError: true, category: 'unknown', title: 'Unclassified SIP response', key: code >= 300 && code < 700 ? `sip_${code}` : 'sip_unknown' };
}

function warningText(warning: string | undefined): string {
  if (typeof warning !== 'string') return '';
  const m = /"((?:[^"\\]|\\.){0,2048})"/.exec(warning);
  return (m ? m[1] : warning).slice(0, 2048);
}
