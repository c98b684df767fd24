/**
 * The demo's fixed numbers: one business phone number, small limits so the sandbox reaches them in a
 * few calls (the instrumentation is told the same limits, as an operator would configure them).
 */
export const PHONE_NUMBER_ID = '106540352242922';
export const ACCESS_TOKEN = 'demo-token';
export const APP_SECRET = 'sandbox-app-secret';
export const VERIFY_TOKEN = 'demo-verify-token';
export const GRAPH_VERSION = 'v23.0';

/** Calls in progress per number before connect answers 138002 (Meta's real limit is 1000). */
export const CONCURRENT_CALL_LIMIT = 4;
/** Connected business-initiated calls per (number, user) in 24 h before 138012 (Meta's is 100). */
export const BUSINESS_INITIATED_CALL_LIMIT = 3;
/** Connects per number in 24 h before 138005 (Meta's value). */
export const CALL_INITIATION_LIMIT = 10_000;
/** How long a call waits after its terminate for late webhooks before its span ends. */
export const CALL_SETTLE_MS = 200;

export const DEFAULT_PROMETHEUS_PORT = 9464;
export const DEFAULT_SERVICE_NAME = 'demo-contact-centre';
export const MAX_CALLS = 100_000;

/** A WebRTC-style SDP offer/answer (the sandbox only checks that it starts with v=0). */
export const SDP =
  'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE audio\r\n' +
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 126\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:demo\r\na=ice-pwd:demodemodemodemodemodemo\r\n' +
  'a=fingerprint:sha-256 12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0\r\n' +
  'a=setup:active\r\na=mid:audio\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:126 telephone-event/8000\r\n';
