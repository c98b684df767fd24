export * from './sip-message';
export { MAX_HEADERS, MAX_HEADER_BYTES, parseSipMessage, serializeSipMessage } from './parse-sip-message';
export { SipStreamFramer } from './stream-framer';
