/**
 * Meta-shaped Graph error responses (reference §3.1, §7). Cloud API errors carry the title prefixed
 * with `(#code)`, `type: OAuthException`, `code`, `error_data { messaging_product, details }` and the
 * response's `fbtrace_id`. Graph-level errors (token, unknown path) keep Graph's own shape: no `(#code)`
 * prefix and no `error_data`.
 */

export interface SandboxError {
  /** HTTP status Meta answers with. */
  status: number;
  type: 'OAuthException' | 'GraphMethodException';
  /** Meta's title for the code (§7), used in `message`. */
  title: string;
  /** Default `error_data.details`. */
  details: string;
  subcode?: number;
  /** Graph-level error: `message` is the bare title and there is no `error_data`. */
  graph?: boolean;
}

const e = (status: number, title: string, details: string, extra: Partial<SandboxError> = {}): SandboxError => ({
  status,
  type: 'OAuthException',
  title,
  details,
  ...extra,
});

/** Every error the sandbox can answer with, keyed by code. */
export const SANDBOX_ERRORS: Readonly<Record<number, SandboxError>> = {
  100: e(400, 'Invalid parameter', 'The Graph API call you are making has an invalid parameter.'),
  190: e(401, 'Invalid OAuth access token - Cannot parse access token', 'Invalid OAuth access token', { graph: true }),
  613: e(429, 'Fetch Call Permission For Consumer Phone Number API Limit Hit', 'Limit reached for requests to the fetch call permission status API.'),
  131000: e(500, 'Something went wrong', 'Message failed to send because of an unknown error.'),
  131009: e(400, 'Parameter value is not valid', 'Interactive Message type, voice_call not supported. Supported types [button, list].'),
  131016: e(503, 'Service unavailable', 'A service is temporarily unavailable. Please try again later.'),
  131030: e(400, 'Recipient phone number not in allowed list', 'Add recipient phone number to recipient list and try again.'),
  131055: e(400, 'Method not allowed', 'Calling API requests are not allowed on a phone number with SIP enabled.'),
  138000: e(401, 'Calling not enabled', 'Calling is not enabled for this business phone number.'),
  138001: e(400, 'Receiver is uncallable', 'The receiver cannot be called: not a WhatsApp user, terms not accepted, or an unsupported client.'),
  138002: e(429, 'Concurrent Calls limit', 'Limit reached for maximum concurrent calls (1000) for the given number.'),
  138003: e(400, 'Duplicate call', 'A call with this user is already ongoing.'),
  138004: e(500, 'Connection error', 'Call failed due to a connection error. Please try again.'),
  138005: e(429, 'Call rate limit exceeded', 'Limit reached for the number of calls the business phone number can initiate.'),
  138006: e(401, 'No approved call permission from the recipient', 'No approved call permission from the recipient.'),
  138007: e(500, 'Connect timeout', 'The call was not connected because the offer/answer SDP was not applied in time.'),
  138009: e(400, 'Call permission request limit hit', 'Limit reached for call permission requests sent to this user.'),
  138012: e(400, 'Business initiated calls limit hit', 'Limit reached for connected business-initiated calls to this user in 24 hours.'),
  138013: e(400, 'Business initiated calling not available', 'Business-initiated calling is not available for this business phone number.'),
  138014: e(400, 'Calling temporarily disabled', 'Calling is temporarily disabled for this business phone number due to low call quality.'),
  138015: e(400, 'Calling cannot be enabled', 'Calling cannot be enabled: the messaging limit of this business phone number is below 2000.'),
  138017: e(400, 'Call permission request not sent', 'The user already granted a permanent call permission.'),
  138018: e(400, 'Calling cannot be enabled', 'Calling cannot be enabled: no app is subscribed to the calls webhook field and SIP is not configured.'),
};

export interface ErrorResult {
  status: number;
  body: { error: Record<string, unknown> };
  headers?: Record<string, string>;
}

/** The response for `code`, with `fbtrace_id` equal to the response's `x-fb-trace-id`. */
export function errorBody(code: number, fbtraceId: string, details?: string): ErrorResult {
  const err = SANDBOX_ERRORS[code] ?? e(400, 'Unknown error', 'Unknown error');
  if (err.graph) {
    const result: ErrorResult = { status: err.status, body: { error: { message: err.title, type: err.type, code, fbtrace_id: fbtraceId } } };
    if (code === 190) result.headers = { 'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${err.title}"` };
    return result;
  }
  return {
    status: err.status,
    body: {
      error: {
        message: `(#${code}) ${err.title}`,
        type: err.type,
        code,
        ...(err.subcode !== undefined ? { error_subcode: err.subcode } : {}),
        error_data: { messaging_product: 'whatsapp', details: details ?? err.details },
        fbtrace_id: fbtraceId,
      },
    },
  };
}

/** 138012's `error_data.details`, naming when the next call to the user is allowed (unix seconds). */
export function nextCallDetails(limit: number, nextAllowedS: number): string {
  return (
    `Limit reached for connected business-initiated calls (${limit} in 24 hours) to this user. ` +
    `The next call is allowed at ${new Date(nextAllowedS * 1000).toISOString()} (${nextAllowedS}).`
  );
}

/** Graph's answer to a path or method it does not serve (code 100, subcode 33). */
export function unsupportedPath(method: string, objectId: string | undefined, fbtraceId: string): ErrorResult {
  const object =
    objectId !== undefined
      ? ` Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`
      : '';
  return {
    status: 400,
    body: {
      error: {
        message: `Unsupported ${method.toLowerCase()} request.${object} Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: fbtraceId,
      },
    },
  };
}
