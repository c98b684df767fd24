/** Loopback Cloud API sandbox for the WhatsApp Calling endpoints and webhooks (tests and demo only). */
export { startSandbox } from './server';
export type { FailureMatch, RecordedRequest, Sandbox, SandboxOptions } from './types';
export { SANDBOX_ERRORS } from './errors';
export type { SandboxError } from './errors';
export { magicCode } from './magic';
/** A new `wacid.…` id, for calls Meta announces by webhook (user-initiated calls). */
export { newCallId } from './ids';
export { DEFAULT_APP_SECRET, signature256 } from './webhook-send';
export type { SendOptions, SendResult } from './webhook-send';
export { WEBHOOK_DEFAULTS } from './webhooks';
export type { CallWebhookOptions, PermissionReplyOptions, SandboxWebhooks, StatusOptions, TerminateOptions, WebhookDelivery } from './webhooks';
