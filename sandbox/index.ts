export { startSandbox } from './server';
export type { RecordedRequest, Sandbox, SandboxOptions } from './server';
export { SANDBOX_ERRORS } from './errors';
export type { CallWebhookOptions, PermissionReplyOptions, SandboxWebhooks, StatusOptions, TerminateOptions, WebhookDelivery } from './webhooks';
