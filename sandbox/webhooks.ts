/**
 * Builders for Meta's webhook deliveries (reference §4, shapes as in real captures: string unix
 * timestamps, uppercase directions and statuses, terminate errors both in `calls[]` and at `value`)
 * and a sender that POSTs them to an app with `X-Hub-Signature-256`.
 */
import { createHmac } from 'node:crypto';
import * as http from 'node:http';

export interface WebhookDelivery {
  object: 'whatsapp_business_account';
  entry: { id: string; changes: { field: string; value: Record<string, unknown> }[] }[];
}

export interface CallWebhookOptions {
  callId: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  direction: 'USER_INITIATED' | 'BUSINESS_INITIATED';
  /** The consumer's number (omit to simulate the BSUID era without a phone number). */
  user?: string;
  userId?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  bizOpaqueCallbackData?: string;
}

export interface TerminateOptions extends CallWebhookOptions {
  status?: 'COMPLETED' | 'FAILED' | 'Completed' | 'Failed';
  /** Seconds of conversation: only for answered calls (adds start_time/end_time/duration). */
  durationS?: number;
  errorCode?: number;
  errorTitle?: string;
}

export interface StatusOptions extends Omit<CallWebhookOptions, 'direction'> {
  status: 'RINGING' | 'ACCEPTED' | 'REJECTED';
}

export interface PermissionReplyOptions {
  phoneNumberId?: string;
  user: string;
  response: 'accept' | 'reject';
  permanent?: boolean;
  source?: 'user_action' | 'automatic';
  timestamp?: number;
}

export interface SandboxWebhooks {
  connect(o: CallWebhookOptions): WebhookDelivery;
  terminate(o: TerminateOptions): WebhookDelivery;
  status(o: StatusOptions): WebhookDelivery;
  permissionReply(o: PermissionReplyOptions): WebhookDelivery;
  send(targetUrl: string, delivery: WebhookDelivery, opts?: { appSecret?: string }): Promise<{ status: number; body: string }>;
}

const WABA_ID = '553133154547046';
const BUSINESS = '15551441906';
const PHONE_ID = '106540352242922';
const SDP_OFFER = 'v=0\r\no=- 7669997803033704573 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\nm=audio 3484 UDP/TLS/RTP/SAVPF 111 126\r\na=ice-ufrag:abcd\r\na=ice-pwd:WEBHOOKSECRETPWD\r\na=fingerprint:sha-256 AA:BB\r\na=rtpmap:111 opus/48000/2\r\n';

export function createWebhooks(now: () => number): SandboxWebhooks {
  const ts = (t?: number) => String(t ?? Math.floor(now() / 1000));
  const envelope = (field: string, phoneNumberId: string | undefined, value: Record<string, unknown>, display?: string): WebhookDelivery => ({
    object: 'whatsapp_business_account',
    entry: [{ id: WABA_ID, changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { display_phone_number: display ?? BUSINESS, phone_number_id: phoneNumberId ?? PHONE_ID }, ...value } }] }],
  });
  const parties = (o: CallWebhookOptions) => {
    const user = { ...(o.user ? { wa_id: o.user } : {}), ...(o.userId ? { user_id: o.userId } : {}) };
    const business = o.displayPhoneNumber ?? BUSINESS;
    return o.direction === 'USER_INITIATED'
      ? { from: o.user, ...(o.userId ? { from_user_id: o.userId } : {}), to: business, contacts: [{ profile: { name: 'Caller' }, ...user }] }
      : { from: business, to: o.user, ...(o.userId ? { to_user_id: o.userId } : {}), contacts: [{ profile: { name: 'Callee' }, ...user }] };
  };
  return {
    connect(o) {
      const { contacts, ...who } = parties(o);
      const call = {
        id: o.callId,
        ...who,
        event: 'connect',
        timestamp: ts(o.timestamp),
        direction: o.direction,
        ...(o.bizOpaqueCallbackData ? { biz_opaque_callback_data: o.bizOpaqueCallbackData } : {}),
        session: { sdp_type: o.direction === 'USER_INITIATED' ? 'offer' : 'answer', sdp: SDP_OFFER },
      };
      return envelope('calls', o.phoneNumberId, { contacts, calls: [call] }, o.displayPhoneNumber);
    },
    terminate(o) {
      const { contacts, ...who } = parties(o);
      const end = o.timestamp ?? Math.floor(now() / 1000);
      const errors = o.errorCode
        ? [{ code: o.errorCode, title: o.errorTitle ?? 'Call failed', message: o.errorTitle ?? 'Call failed', error_data: { details: o.errorTitle ?? 'Call failed' } }]
        : undefined;
      const call = {
        id: o.callId,
        ...who,
        event: 'terminate',
        timestamp: String(end),
        direction: o.direction,
        ...(o.bizOpaqueCallbackData ? { biz_opaque_callback_data: o.bizOpaqueCallbackData } : {}),
        ...(o.durationS !== undefined ? { start_time: String(end - o.durationS), end_time: String(end), duration: o.durationS } : {}),
        status: o.status ?? (errors ? 'FAILED' : 'COMPLETED'),
        ...(errors ? { errors } : {}),
      };
      return envelope('calls', o.phoneNumberId, { contacts, calls: [call], ...(errors ? { errors } : {}) }, o.displayPhoneNumber);
    },
    status(o) {
      return envelope('calls', o.phoneNumberId, {
        statuses: [{ id: o.callId, type: 'call', status: o.status, timestamp: ts(o.timestamp), ...(o.user ? { recipient_id: o.user } : {}), ...(o.bizOpaqueCallbackData ? { biz_opaque_callback_data: o.bizOpaqueCallbackData } : {}) }],
      });
    },
    permissionReply(o) {
      return envelope('messages', o.phoneNumberId, {
        contacts: [{ profile: { name: 'User' }, wa_id: o.user }],
        messages: [{
          from: o.user,
          id: `wamid.reply${Math.floor(now())}`,
          timestamp: ts(o.timestamp),
          type: 'interactive',
          interactive: {
            type: 'call_permission_reply',
            call_permission_reply: {
              response: o.response,
              is_permanent: o.permanent ?? false,
              ...(o.response === 'accept' && !o.permanent ? { expiration_timestamp: String(Math.floor(now() / 1000) + 7 * 86_400) } : {}),
              response_source: o.source ?? 'user_action',
            },
          },
        }],
      });
    },
    send(targetUrl, delivery, opts = {}) {
      const body = Buffer.from(JSON.stringify(delivery));
      const signature = `sha256=${createHmac('sha256', opts.appSecret ?? 'sandbox-app-secret').update(body).digest('hex')}`;
      return new Promise((resolve, reject) => {
        const req = http.request(targetUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-hub-signature-256': signature, 'user-agent': 'facebookexternalua' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
