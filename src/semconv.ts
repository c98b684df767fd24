/**
 * Attribute and metric names emitted by this instrumentation.
 *
 * Stable HTTP/server/network/error names come from `@opentelemetry/semantic-conventions` (main entry,
 * stable names only; the contrib guideline is to copy *unstable* names, never to import them from the
 * `/incubating` entry) and are re-exported here so the rest of the code imports every name from one
 * place. Everything WhatsApp-specific lives in the `whatsapp.*` namespace (semconv: product attributes
 * use a system prefix, never `http.*`/`error.*`).
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';

export const ATTR_WA_OPERATION = 'whatsapp.operation';
export const ATTR_WA_SIGNALING = 'whatsapp.signaling';
export const ATTR_WA_PHONE_NUMBER_ID = 'whatsapp.phone_number_id';
export const ATTR_WA_CALL_ID = 'whatsapp.call.id';
export const ATTR_WA_CALL_ACTION = 'whatsapp.call.action';
export const ATTR_WA_CALL_DIRECTION = 'whatsapp.call.direction';
export const ATTR_WA_REQUEST_ID = 'whatsapp.request.id';
export const ATTR_WA_FBTRACE_ID = 'whatsapp.fbtrace_id';
export const ATTR_WA_API_VERSION = 'whatsapp.api.version';
export const ATTR_WA_ERROR_CODE = 'whatsapp.error.code';
export const ATTR_WA_ERROR_SUBCODE = 'whatsapp.error.subcode';
export const ATTR_WA_ERROR_TYPE = 'whatsapp.error.type';
export const ATTR_WA_ERROR_CATEGORY = 'whatsapp.error.category';
export const ATTR_WA_ERROR_REMEDY = 'whatsapp.error.remedy';
export const ATTR_WA_ERROR_TITLE = 'whatsapp.error.title';
export const ATTR_WA_USER_ID = 'whatsapp.user.id';
export const ATTR_WA_MESSAGE_ID = 'whatsapp.message.id';
/** `true` on an operation span not seen to its end (transport failure, abort, timeout); SIP: no final response. */
export const ATTR_WA_OPERATION_INCOMPLETE = 'whatsapp.operation.incomplete';

export const EVENT_WA_ERROR_REMEDY = 'whatsapp.error.remedy';

export const SIGNALING_GRAPH_API = 'graph_api';
export const SIGNALING_SIP = 'sip';

export const METRIC_OPERATION_DURATION = 'whatsapp.calling.operation.duration';
export const METRIC_ERRORS = 'whatsapp.calling.errors';

/** Bucket advice for Graph/SIP operation latency: Graph requests take 50 ms–2 s, SIP setup up to ~60 s. */
export const OPERATION_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

// Call lifecycle (call span and call metrics)
export const ATTR_WA_CALL_STATUS = 'whatsapp.call.status';
export const ATTR_WA_CALL_DURATION = 'whatsapp.call.duration';
export const ATTR_WA_CALL_ANSWERED = 'whatsapp.call.answered';
export const ATTR_WA_CALL_PRE_ACCEPTED = 'whatsapp.call.pre_accepted';
export const ATTR_WA_CALL_PRE_ACCEPT_DELAY = 'whatsapp.call.pre_accept.delay';
export const ATTR_WA_CALL_ACCEPT_DELAY = 'whatsapp.call.accept.delay';
export const ATTR_WA_MEDIA_TIMEOUT_KIND = 'whatsapp.media_timeout.kind';
export const ATTR_WA_MEDIA_TIMEOUT_PHASE = 'whatsapp.media_timeout.phase';
export const ATTR_WA_SIGNAL_SOURCE = 'whatsapp.signal.source';
export const ATTR_WA_SIGNAL_STATUS = 'whatsapp.signal.status';
export const ATTR_WA_PERMISSION_RESPONSE = 'whatsapp.permission.response';
export const ATTR_WA_PERMISSION_RESPONSE_SOURCE = 'whatsapp.permission.response_source';

export const METRIC_CALLS_ACTIVE = 'whatsapp.calling.calls.active';
export const METRIC_CALLS_ACTIVE_LIMIT = 'whatsapp.calling.calls.active.limit';
export const METRIC_CALLS = 'whatsapp.calling.calls';
export const METRIC_CALL_DURATION = 'whatsapp.calling.call.duration';
export const METRIC_BI_CONNECTED = 'whatsapp.calling.business_initiated.connected';
export const METRIC_QUOTA_PAIR_USAGE_MAX = 'whatsapp.calling.quota.pair_usage.max';
export const METRIC_QUOTA_PAIR_LIMIT = 'whatsapp.calling.quota.pair_limit';
export const METRIC_QUOTA_EXHAUSTED_PAIRS = 'whatsapp.calling.quota.exhausted_pairs';
export const METRIC_QUOTA_INITIATIONS = 'whatsapp.calling.quota.initiations';
export const METRIC_QUOTA_INITIATIONS_LIMIT = 'whatsapp.calling.quota.initiations.limit';
export const METRIC_MEDIA_TIMEOUTS = 'whatsapp.calling.media_timeouts';
export const METRIC_ACCEPTS_WITHOUT_PRE_ACCEPT = 'whatsapp.calling.accepts_without_pre_accept';
export const METRIC_PERMISSION_REPLIES = 'whatsapp.calling.permission_replies';
/** 1 while a shared call store (Redis) is unreachable and this instance's figures are partial. */
export const METRIC_STORE_DEGRADED = 'whatsapp.calling.store.degraded';

/** Call durations run from seconds to hours. */
export const CALL_DURATION_BUCKETS = [5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

// SIP
export const ATTR_SIP_METHOD = 'sip.method';
export const ATTR_SIP_CALL_ID = 'sip.call_id';
export const ATTR_SIP_STATUS_CODE = 'sip.status_code';
export const ATTR_SIP_REASON = 'sip.reason';
export const ATTR_WA_BUSINESS_NUMBER = 'whatsapp.business.phone_number';

// Media
/** `dtls` | `sdes` | `unknown`: the media security mode the business's SDP declares (never the SDP). */
export const ATTR_WA_MEDIA_SECURITY = 'whatsapp.media.security';

// HEP listener caps (src/sources/sip/hep-receiver.ts): packets dropped over a cap, by reason —
// too_large | rate_limited | auth_failed | malformed | buffer_full | too_many_connections.
export const METRIC_HEP_DROPPED = 'whatsapp.calling.hep.dropped';
export const ATTR_WA_HEP_DROP_REASON = 'whatsapp.hep.drop_reason';
