/** SIP headers whose values must never reach telemetry (digest challenges and credentials). */
import { canonicalHeaderName } from './sip-message';

export const SENSITIVE_SIP_HEADERS: readonly string[] = Object.freeze(['authorization', 'proxy-authorization', 'www-authenticate', 'proxy-authenticate']);

/** True for a header whose value must be redacted (name in any case). */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_SIP_HEADERS.includes(canonicalHeaderName(name));
}
