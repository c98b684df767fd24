/**
 * Reads the few fields we need from a Graph request body prefix: JSON (what every SDK sends) or
 * `application/x-www-form-urlencoded` (what curl -F / form posts send). Never throws; a truncated or
 * hostile body yields whatever could be read safely.
 */
import { mediaSecurityOfSdp } from './media-security';
import type { MediaSecurity } from './media-security';

export interface GraphRequestFields {
  action?: string;
  callId?: string;
  /** Consumer phone number (`to`) or BSUID (`recipient`), `to` winning as Meta documents. */
  to?: string;
  bizOpaqueCallbackData?: string;
  messageType?: string;
  interactiveType?: string;
  /** A template send that carries a `voice_call` button component. */
  templateVoiceCallButton?: boolean;
  /** Whether a `calling` object is present (settings update). */
  hasCalling?: boolean;
  /** The media security mode of `session.sdp` (connect offer, pre_accept/accept answer), when present. */
  mediaSecurity?: MediaSecurity;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 4096 ? v : undefined);

export function parseRequestBody(text: string | undefined): GraphRequestFields {
  if (!text) return {};
  try {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{')) return fromJson(trimmed);
    return fromForm(trimmed);
  } catch {
    return {};
  }
}

function fromJson(text: string): GraphRequestFields {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fromTruncatedJson(text);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const interactive = (typeof b.interactive === 'object' && b.interactive) as Record<string, unknown> | false;
  return {
    action: str(b.action),
    callId: str(b.call_id),
    to: str(b.to) ?? str(b.recipient),
    bizOpaqueCallbackData: str(b.biz_opaque_callback_data),
    messageType: str(b.type),
    interactiveType: interactive ? str(interactive.type) : undefined,
    templateVoiceCallButton: hasVoiceCallButton(b.template),
    hasCalling: typeof b.calling === 'object' && b.calling !== null,
    mediaSecurity: sessionSecurity(b.session),
  };
}

function sessionSecurity(session: unknown): MediaSecurity | undefined {
  if (typeof session !== 'object' || session === null) return undefined;
  const sdp = (session as { sdp?: unknown }).sdp;
  return typeof sdp === 'string' ? mediaSecurityOfSdp(sdp) : undefined;
}

function hasVoiceCallButton(template: unknown): boolean | undefined {
  if (typeof template !== 'object' || template === null) return undefined;
  const components = (template as { components?: unknown }).components;
  if (!Array.isArray(components)) return undefined;
  return components.some((c) => typeof c === 'object' && c !== null && (c as { sub_type?: unknown }).sub_type === 'voice_call');
}

/** A body larger than the inspection limit: pick top-level-looking string fields by pattern. */
function fromTruncatedJson(text: string): GraphRequestFields {
  const field = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]{0,512})"`).exec(text)?.[1];
  const sdpAt = text.search(/"sdp"\s*:\s*"/);
  return {
    action: field('action'),
    callId: field('call_id'),
    to: field('to') ?? field('recipient'),
    mediaSecurity: sdpAt >= 0 ? mediaSecurityOfSdp(text.slice(sdpAt)) : undefined,
  };
}

function fromForm(text: string): GraphRequestFields {
  if (!text.includes('=')) return {};
  const p = new URLSearchParams(text);
  const interactive = p.get('interactive');
  let interactiveType: string | undefined;
  if (interactive) interactiveType = fromJson(`{"interactive":${interactive}}`).interactiveType;
  return {
    action: p.get('action') ?? undefined,
    callId: p.get('call_id') ?? undefined,
    to: p.get('to') ?? p.get('recipient') ?? undefined,
    bizOpaqueCallbackData: p.get('biz_opaque_callback_data') ?? undefined,
    messageType: p.get('type') ?? undefined,
    interactiveType,
    hasCalling: p.has('calling'),
    mediaSecurity: formSessionSecurity(p.get('session')),
  };
}

/** Form posts carry `session` as a JSON text. */
function formSessionSecurity(session: string | null): MediaSecurity | undefined {
  if (!session) return undefined;
  try {
    return sessionSecurity(JSON.parse(session));
  } catch {
    return undefined;
  }
}
