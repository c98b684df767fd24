/**
 * `GET` / `POST /{id}/settings` (reference §2.5): the `calling` object per business number. POSTed
 * fields are merged into what GET returns; `call_hours` and `sip.servers` are replaced as a whole
 * (leaving out `holiday_schedule` deletes it, like Meta). GET never shows `sip_user_password` unless
 * asked with `include_sip_credentials=true`, and shows `srtp_key_exchange_protocol` only once set.
 */
import { randomBytes } from 'node:crypto';

type Calling = Record<string, unknown>;
interface SipServer {
  hostname?: unknown;
  port?: unknown;
  request_uri_user_params?: unknown;
}

const APP_ID = 123456789012345;
const ENUMS: Record<string, string[]> = {
  status: ['ENABLED', 'DISABLED'],
  call_icon_visibility: ['DEFAULT', 'DISABLE_ALL'],
  callback_permission_status: ['ENABLED', 'DISABLED'],
  srtp_key_exchange_protocol: ['DTLS', 'SDES'],
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An enum field's value is one of its allowed strings (anything else, a non-string too, is error 100). */
const isOneOf = (allowed: readonly string[], v: unknown): v is string => typeof v === 'string' && allowed.includes(v);

function defaults(): Calling {
  return {
    status: 'ENABLED',
    call_icon_visibility: 'DEFAULT',
    callback_permission_status: 'ENABLED',
    call_hours: { status: 'DISABLED' },
    // A server configured earlier while SIP stays disabled (disabling SIP keeps the servers).
    sip: { status: 'DISABLED', servers: [{ app_id: APP_ID, hostname: 'sip.example.com', port: 5061 }] },
  };
}

export class SettingsStore {
  private readonly numbers = new Map<string, Calling>();
  private readonly passwords = new Map<string, string>();

  private of(phoneNumberId: string): Calling {
    let c = this.numbers.get(phoneNumberId);
    if (!c) this.numbers.set(phoneNumberId, (c = defaults()));
    return c;
  }

  /** The GET body. */
  read(phoneNumberId: string, withCredentials: boolean): { calling: Calling } {
    const calling = structuredClone(this.of(phoneNumberId));
    const sip = calling.sip as { servers: Record<string, unknown>[] };
    if (withCredentials) for (const s of sip.servers) s.sip_user_password = this.password(phoneNumberId);
    return { calling };
  }

  /** Applies a POST body; returns what is wrong with it (for error 100) or undefined. */
  update(phoneNumberId: string, body: Record<string, unknown> | undefined): string | undefined {
    const patch = body?.calling;
    if (!isObject(patch)) return 'Param calling is required and must be an object.';
    for (const [field, allowed] of Object.entries(ENUMS)) {
      if (patch[field] !== undefined && !isOneOf(allowed, patch[field])) return `Param calling.${field} must be one of {${allowed.join(', ')}}.`;
    }
    if (patch.call_hours !== undefined && !isObject(patch.call_hours)) return 'Param calling.call_hours must be an object.';
    const sipPatch = patch.sip;
    if (sipPatch !== undefined) {
      if (!isObject(sipPatch)) return 'Param calling.sip must be an object.';
      if (sipPatch.status !== undefined && !isOneOf(ENUMS.status, sipPatch.status)) return 'Param calling.sip.status must be one of {ENABLED, DISABLED}.';
      if (sipPatch.servers !== undefined && !Array.isArray(sipPatch.servers)) return 'Param calling.sip.servers must be an array.';
    }
    const current = this.of(phoneNumberId);
    const next: Calling = { ...current, ...patch };
    if (sipPatch !== undefined) {
      const sip = current.sip as { status: string; servers: Record<string, unknown>[] };
      const servers = Array.isArray(sipPatch.servers)
        ? (sipPatch.servers as SipServer[]).map((s) => ({ app_id: APP_ID, ...s, port: s.port ?? 5061 }))
        : sip.servers;
      // Checked above: an absent status keeps the current one.
      const status = isOneOf(ENUMS.status, sipPatch.status) ? sipPatch.status : sip.status;
      if (status === 'ENABLED' && servers.length === 0) return 'At least one SIP server is required when SIP is enabled.';
      next.sip = { ...sip, ...sipPatch, status, servers };
    }
    this.numbers.set(phoneNumberId, next);
    return undefined;
  }

  callingEnabled(phoneNumberId: string): boolean {
    return this.of(phoneNumberId).status === 'ENABLED';
  }

  sipEnabled(phoneNumberId: string): boolean {
    return (this.of(phoneNumberId).sip as { status?: string }).status === 'ENABLED';
  }

  reset(): void {
    this.numbers.clear();
    this.passwords.clear();
  }

  /** Meta generates one password per business number + app. */
  private password(phoneNumberId: string): string {
    let p = this.passwords.get(phoneNumberId);
    if (!p) this.passwords.set(phoneNumberId, (p = randomBytes(24).toString('base64url')));
    return p;
  }
}
