/**
 * Extracts identifiers and Meta's error object from a (decoded, bounded) Graph response body.
 * Never throws. When the body is cut at the inspection limit, the error code and trace id are
 * still recovered by pattern so a huge error page does not hide the category.
 */

export interface GraphErrorFields {
  code?: number;
  subcode?: number;
  type?: string;
  message?: string;
  fbtraceId?: string;
  isTransient?: boolean;
  details?: string;
}

export interface CallPermissionLimit {
  timePeriod?: string;
  maxAllowed?: number;
  currentUsage?: number;
  limitExpirationTime?: number;
}

export interface GraphResponseFields {
  callId?: string;
  messageId?: string;
  success?: boolean;
  error?: GraphErrorFields;
  /** `GET /call_permissions`: the `start_call` action's limits (Meta's own quota counters). */
  startCallLimits?: CallPermissionLimit[];
  permissionStatus?: string;
}

const str = (v: unknown, max = 2048): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function parseResponseBody(text: string | undefined): GraphResponseFields {
  if (!text) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fromTruncated(text);
  }
  try {
    return fromJson(rec(body) ?? {});
  } catch {
    return {};
  }
}

function fromJson(b: Record<string, unknown>): GraphResponseFields {
  const out: GraphResponseFields = {};
  const calls = Array.isArray(b.calls) ? b.calls : undefined;
  out.callId = str(rec(calls?.[0])?.id, 512);
  const messages = Array.isArray(b.messages) ? b.messages : undefined;
  out.messageId = str(rec(messages?.[0])?.id, 512);
  if (typeof b.success === 'boolean') out.success = b.success;
  const e = rec(b.error);
  if (e) {
    out.error = {
      code: num(e.code),
      subcode: num(e.error_subcode),
      type: str(e.type, 128),
      message: str(e.message),
      fbtraceId: str(e.fbtrace_id, 128),
      isTransient: typeof e.is_transient === 'boolean' ? e.is_transient : undefined,
      details: str(rec(e.error_data)?.details),
    };
  }
  const permission = rec(b.permission);
  if (permission) out.permissionStatus = str(permission.status, 64);
  if (Array.isArray(b.actions)) {
    const startCall = b.actions.map(rec).find((a) => a?.action_name === 'start_call');
    if (startCall && Array.isArray(startCall.limits)) {
      out.startCallLimits = startCall.limits
        .map(rec)
        .filter((l) => l !== undefined)
        .map((l) => ({
          timePeriod: str(l.time_period, 32),
          maxAllowed: num(l.max_allowed),
          currentUsage: num(l.current_usage),
          limitExpirationTime: num(l.limit_expiration_time),
        }));
    }
  }
  return out;
}

function fromTruncated(text: string): GraphResponseFields {
  if (!/"error"\s*:/.test(text)) return {};
  const code = /"code"\s*:\s*(\d{1,9})/.exec(text)?.[1];
  const fbtrace = /"fbtrace_id"\s*:\s*"([A-Za-z0-9_-]{1,64})"/.exec(text)?.[1];
  return { error: { code: code === undefined ? undefined : Number(code), fbtraceId: fbtrace } };
}
