/**
 * Meta-shaped Graph error responses (reference §3.1, §7): HTTP status, `(#code) Title` message,
 * `type`, `code`, optional `error_subcode`, `error_data { messaging_product, details }`, `fbtrace_id`.
 */

export interface SandboxError {
  status: number;
  type: string;
  title: string;
  details?: string;
  subcode?: number;
}

export const SANDBOX_ERRORS: Record<number, SandboxError> = {
  100: { status: 400, type: 'OAuthException', title: 'Invalid parameter' },
  190: { status: 401, type: 'OAuthException', title: 'Error validating access token: Session has expired' },
  613: { status: 429, type: 'OAuthException', title: 'Calls to this api have exceeded the rate limit' },
  131000: { status: 500, type: 'OAuthException', title: 'Something went wrong' },
  131009: { status: 400, type: 'OAuthException', title: 'Parameter value is not valid', details: 'Interactive type voice_call is not supported for this sender' },
  131016: { status: 503, type: 'OAuthException', title: 'Service unavailable' },
  131030: { status: 400, type: 'OAuthException', title: 'Recipient phone number not in allowed list' },
  131055: { status: 400, type: 'OAuthException', title: 'Method not allowed', details: 'Calling API is not allowed on a SIP enabled phone number' },
  138000: { status: 401, type: 'OAuthException', title: 'Calling not enabled' },
  138001: { status: 400, type: 'OAuthException', title: 'Receiver is uncallable' },
  138002: { status: 429, type: 'OAuthException', title: 'Concurrent Calls limit' },
  138003: { status: 400, type: 'OAuthException', title: 'Duplicate call' },
  138004: { status: 500, type: 'OAuthException', title: 'Connection error' },
  138005: { status: 429, type: 'OAuthException', title: 'Call rate limit exceeded' },
  138006: { status: 401, type: 'OAuthException', title: 'No approved call permission from the recipient' },
  138007: { status: 500, type: 'OAuthException', title: 'Connect timeout' },
  138009: { status: 400, type: 'OAuthException', title: 'Call permission request limit hit' },
  138012: { status: 400, type: 'OAuthException', title: 'Business initiated calls limit hit' },
  138013: { status: 400, type: 'OAuthException', title: 'Business initiated calling not available' },
  138014: { status: 400, type: 'OAuthException', title: 'Calling temporarily disabled due to low call quality' },
  138015: { status: 400, type: 'OAuthException', title: 'Calling cannot be enabled for this phone number' },
  138017: { status: 400, type: 'OAuthException', title: 'Permanent call permission already exists' },
  138018: { status: 400, type: 'OAuthException', title: 'Calling cannot be enabled due to tech prerequisites' },
};

export function errorBody(code: number, fbtraceId: string, details?: string): { status: number; body: object } {
  const e = SANDBOX_ERRORS[code] ?? { status: 400, type: 'OAuthException', title: 'Unknown error' };
  return {
    status: e.status,
    body: {
      error: {
        message: `(#${code}) ${e.title}`,
        type: e.type,
        code,
        ...(e.subcode !== undefined ? { error_subcode: e.subcode } : {}),
        error_data: { messaging_product: 'whatsapp', details: details ?? e.details ?? e.title },
        fbtrace_id: fbtraceId,
      },
    },
  };
}

/** Graph's answer to a path it does not serve. */
export function unsupportedPath(method: string, fbtraceId: string): { status: number; body: object } {
  return {
    status: 400,
    body: {
      error: {
        message: `Unsupported ${method.toLowerCase()} request. Object does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: fbtraceId,
      },
    },
  };
}
