/**
 * Builders for Meta's `calls` (and permission-reply `messages`) webhook deliveries, shaped as in the
 * reference §4 and the real captures: string unix-second timestamps, integer `duration`, uppercase
 * directions and statuses, terminate errors both in `calls[0].errors` and at `value.errors`.
 *
 * Building a delivery is Meta deciding the event happened: a `connect` puts the call in progress for
 * its number (so the app may accept, reject or terminate it), a `terminate` ends it.
 */
import { newMessageId } from './ids';
import { sendWebhook } from './webhook-send';
import type { SendOptions, SendResult } from './webhook-send';

export interface WebhookDelivery {
  object: 'whatsapp_business_account';
  entry: { id: string; changes: { field: 'calls' | 'messages'; value: Record<string, unknown> }[] }[];
}

interface Where {
  /** Default '106540352242922'. */
  phoneNumberId?: string;
  /** Default '15551441906'. */
  displayPhoneNumber?: string;
  /** `entry[0].id`; default '553133154547046'. */
  wabaId?: string;
  /** Unix seconds; default the sandbox clock. */
  timestamp?: number;
}

export interface CallWebhookOptions extends Where {
  callId: string;
  direction: 'USER_INITIATED' | 'BUSINESS_INITIATED';
  /** The consumer's number (omit to simulate the BSUID era without a phone number). */
  user?: string;
  /** The consumer's BSUID (`from_user_id` / `to_user_id`, `contacts[].user_id`). */
  userId?: string;
  /** `contacts[0].profile.name`; default the number. */
  userName?: string;
  bizOpaqueCallbackData?: string;
  /** Connect only: the SDP (UIC: Meta's offer; BIC: Meta's answer). */
  sdp?: string;
  /** UIC: payload of the call button / deep link the user called from. */
  ctaPayload?: string;
  deeplinkPayload?: string;
}

export interface TerminateOptions extends CallWebhookOptions {
  /** Default FAILED when there are errors or the call was not answered, else COMPLETED. */
  status?: 'COMPLETED' | 'FAILED' | 'Completed' | 'Failed';
  /** Seconds of conversation, only for answered calls (adds start_time/end_time/duration). */
  durationS?: number;
  errorCode?: number;
  errorTitle?: string;
  errorDetails?: string;
}

export interface StatusOptions extends Where {
  callId: string;
  status: 'RINGING' | 'ACCEPTED' | 'REJECTED';
  /** `recipient_id` (omitted when not given). */
  user?: string;
  userId?: string;
  bizOpaqueCallbackData?: string;
}

export interface PermissionReplyOptions extends Where {
  user: string;
  userId?: string;
  response: 'accept' | 'reject';
  permanent?: boolean;
  source?: 'user_action' | 'automatic';
  /** `context.id`: the wamid of the permission request (or a wacid for an automatic callback grant). */
  contextId?: string;
}

export interface SandboxWebhooks {
  connect(o: CallWebhookOptions): WebhookDelivery;
  terminate(o: TerminateOptions): WebhookDelivery;
  status(o: StatusOptions): WebhookDelivery;
  permissionReply(o: PermissionReplyOptions): WebhookDelivery;
  /** POSTs the delivery like Meta: JSON body signed with `X-Hub-Signature-256` (and `X-Hub-Signature`). */
  send(targetUrl: string, delivery: WebhookDelivery, opts?: SendOptions): Promise<SendResult>;
}

/** How building a delivery changes the sandbox's calls. */
export interface CallEvents {
  started(callId: string, phoneNumberId: string): void;
  ended(callId: string): void;
}

export const WEBHOOK_DEFAULTS = { wabaId: '553133154547046', displayPhoneNumber: '15551441906', phoneNumberId: '106540352242922' };
const PERMISSION_S = 7 * 86_400;

/** Meta's texts for errors that only arrive in terminate webhooks (reference §7). */
const TERMINATE_ERRORS: Record<number, [title: string, details: string]> = {
  138019: ['Call setup failed on the WhatsApp client. Please try again', 'Call setup failed on the WhatsApp client.'],
  138020: ['Relay connection failed. Please try again', 'The WhatsApp client could not connect to the relay.'],
  138021: [
    'WhatsApp client terminated the call due to not receiving any media for a long time. Please try again',
    'WhatsApp client terminated the call due to not receiving any media for a long time.',
  ],
  138022: [
    'WhatsApp client terminated the call due to not sending any media for a long time. Please try again',
    'WhatsApp client terminated the call due to not sending any media for a long time.',
  ],
  138023: [
    'The call was accepted but ended without media signals. Please try again',
    'The call was accepted but no media signals were received; connection state unknown.',
  ],
};

const SDP_OFFER =
  'v=0\r\no=- 7669997803033704573 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE audio\r\na=ice-lite\r\n' +
  'm=audio 3484 UDP/TLS/RTP/SAVPF 111 126\r\nc=IN IP4 157.240.19.130\r\na=rtcp:9 IN IP4 0.0.0.0\r\n' +
  'a=candidate:1 1 udp 2122260223 157.240.19.130 3484 typ host generation 0\r\na=ice-ufrag:Mb2s\r\na=ice-pwd:Kw4sL0dn8MkZsF1bGq2wVu\r\n' +
  'a=fingerprint:sha-256 4F:2A:9C:11:0B:7E:55:D3:8A:60:1C:9F:E2:47:B8:33:0D:71:6A:C5:92:EE:14:3B:D8:0F:A6:59:C1:27:4E:88\r\n' +
  'a=setup:actpass\r\na=mid:audio\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n' +
  'a=rtpmap:126 telephone-event/8000\r\na=ptime:20\r\na=ssrc:2417316014 cname:WhatsAppAudioStream\r\n';
const SDP_ANSWER = SDP_OFFER.replace('a=setup:actpass', 'a=setup:passive');

export function createWebhooks(now: () => number, events: CallEvents): SandboxWebhooks {
  const ts = (t?: number) => String(t ?? Math.floor(now() / 1000));
  const envelope = (field: 'calls' | 'messages', w: Where, value: Record<string, unknown>): WebhookDelivery => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: w.wabaId ?? WEBHOOK_DEFAULTS.wabaId,
        changes: [
          {
            field,
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: w.displayPhoneNumber ?? WEBHOOK_DEFAULTS.displayPhoneNumber,
                phone_number_id: w.phoneNumberId ?? WEBHOOK_DEFAULTS.phoneNumberId,
              },
              ...value,
            },
          },
        ],
      },
    ],
  });
  const contacts = (o: { user?: string; userId?: string; userName?: string }) =>
    o.user || o.userId
      ? [{ profile: { name: o.userName ?? o.user ?? 'WhatsApp User' }, ...(o.user ? { wa_id: o.user } : {}), ...(o.userId ? { user_id: o.userId } : {}) }]
      : undefined;
  /** id, from, to (+ BSUID), as the real payloads order them. */
  const parties = (o: CallWebhookOptions) => {
    const business = o.displayPhoneNumber ?? WEBHOOK_DEFAULTS.displayPhoneNumber;
    return o.direction === 'USER_INITIATED'
      ? { id: o.callId, ...(o.user ? { from: o.user } : {}), ...(o.userId ? { from_user_id: o.userId } : {}), to: business }
      : { id: o.callId, from: business, ...(o.user ? { to: o.user } : {}), ...(o.userId ? { to_user_id: o.userId } : {}) };
  };
  const payloads = (o: CallWebhookOptions) => ({
    ...(o.ctaPayload !== undefined ? { cta_payload: o.ctaPayload } : {}),
    ...(o.deeplinkPayload !== undefined ? { deeplink_payload: o.deeplinkPayload } : {}),
    ...(o.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: o.bizOpaqueCallbackData } : {}),
  });
  const withContacts = (o: CallWebhookOptions, value: Record<string, unknown>) => {
    const c = contacts(o);
    return c ? { contacts: c, ...value } : value;
  };

  return {
    connect(o) {
      events.started(o.callId, o.phoneNumberId ?? WEBHOOK_DEFAULTS.phoneNumberId);
      const uic = o.direction === 'USER_INITIATED';
      const call = {
        ...parties(o),
        event: 'connect',
        timestamp: ts(o.timestamp),
        direction: o.direction,
        ...payloads(o),
        session: { sdp_type: uic ? 'offer' : 'answer', sdp: o.sdp ?? (uic ? SDP_OFFER : SDP_ANSWER) },
      };
      return envelope('calls', o, withContacts(o, { calls: [call] }));
    },

    terminate(o) {
      events.ended(o.callId);
      const end = o.timestamp ?? Math.floor(now() / 1000);
      const known = o.errorCode !== undefined ? TERMINATE_ERRORS[o.errorCode] : undefined;
      const title = o.errorTitle ?? known?.[0] ?? 'Call failed';
      const errors =
        o.errorCode !== undefined ? [{ code: o.errorCode, title, message: title, error_data: { details: o.errorDetails ?? known?.[1] ?? title } }] : undefined;
      const answered = o.durationS !== undefined;
      const call = {
        ...parties(o),
        event: 'terminate',
        timestamp: String(end),
        direction: o.direction,
        ...payloads(o),
        ...(answered ? { start_time: String(end - o.durationS!), end_time: String(end), duration: o.durationS } : {}),
        status: o.status ?? (errors || !answered ? 'FAILED' : 'COMPLETED'),
        ...(errors ? { errors } : {}),
      };
      return envelope('calls', o, withContacts(o, { calls: [call], ...(errors ? { errors } : {}) }));
    },

    status(o) {
      const status = {
        id: o.callId,
        type: 'call',
        status: o.status,
        timestamp: ts(o.timestamp),
        ...(o.user ? { recipient_id: o.user } : {}),
        ...(o.userId ? { recipient_user_id: o.userId } : {}),
        ...(o.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: o.bizOpaqueCallbackData } : {}),
      };
      return envelope('calls', o, { statuses: [status] });
    },

    permissionReply(o) {
      const at = o.timestamp ?? Math.floor(now() / 1000);
      const temporaryAccept = o.response === 'accept' && !o.permanent;
      const message = {
        from: o.user,
        ...(o.userId ? { from_user_id: o.userId } : {}),
        id: newMessageId(),
        timestamp: String(at),
        type: 'interactive',
        ...(o.contextId ? { context: { from: o.user, id: o.contextId } } : {}),
        interactive: {
          type: 'call_permission_reply',
          call_permission_reply: {
            response: o.response,
            is_permanent: o.permanent ?? false,
            ...(temporaryAccept ? { expiration_timestamp: String(at + PERMISSION_S) } : {}),
            response_source: o.source ?? 'user_action',
          },
        },
      };
      return envelope('messages', o, { contacts: contacts(o), messages: [message] });
    },

    send: sendWebhook,
  };
}
