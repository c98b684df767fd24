/**
 * The call path's key for a call: the WhatsApp call id for Graph calls, `sip:<Call-ID>` for SIP dialogs
 * (a business-initiated SIP call learns its WhatsApp call id only from Meta's BYE). The one place
 * that knows the format.
 */
const SIP_PREFIX = 'sip:';

export const callKeyOfSipDialog = (sipCallId: string): string => SIP_PREFIX + sipCallId;

/** The SIP Call-ID of a SIP call's key, or undefined for a Graph call's. */
export const sipCallIdOfKey = (callKey: string): string | undefined => (callKey.startsWith(SIP_PREFIX) ? callKey.slice(SIP_PREFIX.length) : undefined);

/** The WhatsApp call id a key stands for, when the key is one. */
export const wacidOfKey = (callKey: string): string | undefined => (callKey.startsWith(SIP_PREFIX) ? undefined : callKey);
