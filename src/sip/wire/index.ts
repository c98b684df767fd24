export type { SipHeader, SipMessage, SipRequest, SipResponse } from './sip-message';
export { canonicalHeaderName, COMPACT_HEADERS } from './sip-message';
export { header, headerValues, splitHeaderList } from './header-access';
export {
  callId,
  callIdOf,
  cseq,
  cseqOf,
  fromTag,
  fromTagOf,
  fromUser,
  paramOf,
  requestUser,
  toTag,
  toTagOf,
  topViaBranch,
  topViaBranchOf,
  toUser,
  uriUser,
} from './message-fields';
export { MAX_HEADER_BYTES, MAX_HEADERS, parseSipMessage } from './parse-sip-message';
export { serializeSipMessage } from './serialize-sip-message';
export type { StartLine } from './start-line';
export { isStartLine, parseStartLine } from './start-line';
export type { SipStreamFramerOptions } from './stream-framer';
export { SipStreamFramer } from './stream-framer';
export { isSensitiveHeader, SENSITIVE_SIP_HEADERS } from './redaction';
