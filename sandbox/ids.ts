import { randomBytes } from 'node:crypto';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');

/** `wacid.` + base64-ish, like Meta's WhatsApp call ids. */
export const newCallId = () => `wacid.HBgL${b64(24)}`;
export const newMessageId = () => `wamid.HBgL${b64(24)}`;
/** `x-fb-trace-id` / `fbtrace_id`: 11 base64url characters. */
export const newTraceId = () => b64(8).slice(0, 11);
/** `x-fb-request-id`: 23 characters. */
export const newRequestId = () => `A${b64(17).slice(0, 22)}`;
export const newDebugToken = () => randomBytes(66).toString('base64').slice(0, 88);
export const newRev = () => String(1_002_000_000 + Math.floor(Math.random() * 900_000));
