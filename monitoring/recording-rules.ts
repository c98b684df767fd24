/**
 * Recording rules: the ratios the alerts and dashboards compare with thresholds. Names follow
 * `level:metric:operations`, with short level names:
 *   number = whatsapp_phone_number_id; number_category = + whatsapp_error_category;
 *   number_code = + error_type, whatsapp_operation, whatsapp_signaling; number_kind = +
 *   whatsapp_media_timeout_kind; number_security = + whatsapp_media_security.
 * The same record names on both name variants; only the input metric names differ.
 */
import type { MetricNames } from './metric-names';

export interface RecordingRule {
  record: string;
  expr: string;
  /** One line for the generated file and the runbook. */
  help: string;
}

export const RECORD = {
  callsActive: 'number:whatsapp_calling_calls_active:max_instance',
  callsActiveRatio: 'number:whatsapp_calling_calls_active:ratio_limit',
  initiationsRatio: 'number:whatsapp_calling_quota_initiations:ratio_limit',
  operations: 'number:whatsapp_calling_operations:rate5m',
  errorRate: 'number_category:whatsapp_calling_errors:rate5m',
  errorRatio: 'number_category:whatsapp_calling_errors_per_operation:ratio_rate5m',
  errorIncrease: 'number_code:whatsapp_calling_errors:increase5m',
  callsEnded: 'number:whatsapp_calling_calls_ended:rate10m',
  mediaTimeoutRate: 'number_kind:whatsapp_calling_media_timeouts:rate10m',
  mediaTimeoutRatio: 'number_kind:whatsapp_calling_media_timeouts_per_call:ratio_rate10m',
  accepts: 'number:whatsapp_calling_accepts:rate10m',
  noPreAcceptRate: 'number_security:whatsapp_calling_accepts_without_pre_accept:rate10m',
  noPreAcceptRatio: 'number_security:whatsapp_calling_accepts_without_pre_accept_per_accept:ratio_rate10m',
  sipInvites: 'number:whatsapp_calling_sip_invites:rate5m',
  sip503Rate: 'number:whatsapp_calling_sip_503:rate5m',
  sip503Ratio: 'number:whatsapp_calling_sip_503_per_invite:ratio_rate5m',
} as const;

const NUMBER = 'whatsapp_phone_number_id';
const CODE_LABELS = `${NUMBER}, whatsapp_error_category, error_type, whatsapp_operation, whatsapp_signaling`;

export function recordingRules(n: MetricNames): RecordingRule[] {
  const ops = `${n.operationDuration}_count`;
  return [
    {
      record: RECORD.callsActive,
      // Every instance reads the same call store when several share one, so instances are not added up.
      expr: `max by (${NUMBER}) (sum by (${NUMBER}, job, instance) (${n.callsActive}))`,
      help: 'Calls in progress per business number (all directions and signalings; the highest reading of any app instance).',
    },
    {
      record: RECORD.callsActiveRatio,
      expr: `${RECORD.callsActive} / on (${NUMBER}) max by (${NUMBER}) (${n.callsActiveLimit})`,
      help: 'Calls in progress as a fraction of the concurrent-call limit of the number.',
    },
    {
      record: RECORD.initiationsRatio,
      expr: `max by (${NUMBER}) (${n.quotaInitiations}) / on (${NUMBER}) max by (${NUMBER}) (${n.quotaInitiationsLimit})`,
      help: 'Call initiations in the rolling 24 h as a fraction of the per-number initiation limit.',
    },
    { record: RECORD.operations, expr: `sum by (${NUMBER}) (rate(${ops}[5m]))`, help: 'Graph requests and SIP transactions per second, per number.' },
    {
      record: RECORD.errorRate,
      expr: `sum by (${NUMBER}, whatsapp_error_category) (rate(${n.errors}[5m]))`,
      help: 'Errors per second by category, per number (request errors and terminate-webhook errors).',
    },
    {
      record: RECORD.errorRatio,
      expr: `${RECORD.errorRate} / on (${NUMBER}) group_left () ${RECORD.operations}`,
      help: 'Errors of each category per operation attempt, per number.',
    },
    {
      record: RECORD.errorIncrease,
      // increase() needs two samples of a series, and an error counter's series only appears with its
      // first error: the first branch counts a series that is new in the last 5 minutes at an app that
      // was already reporting 5 minutes ago (so a Prometheus restart does not re-announce old errors).
      expr: [
        `sum by (${CODE_LABELS}) (`,
        `  (${n.errors} unless ${n.errors} offset 5m) and on (job, instance) (target_info offset 5m)`,
        `  or`,
        `  increase(${n.errors}[5m])`,
        `)`,
      ].join('\n'),
      help: 'Errors in the last 5 minutes by number, category, code, operation and signaling, including the first error of a new series.',
    },
    { record: RECORD.callsEnded, expr: `sum by (${NUMBER}) (rate(${n.calls}[10m]))`, help: 'Ended calls per second, per number.' },
    {
      record: RECORD.mediaTimeoutRate,
      expr: `sum by (${NUMBER}, whatsapp_media_timeout_kind) (rate(${n.mediaTimeouts}[10m]))`,
      help: 'Calls ended by a media timeout per second, by kind, per number.',
    },
    {
      record: RECORD.mediaTimeoutRatio,
      expr: `${RECORD.mediaTimeoutRate} / on (${NUMBER}) group_left () ${RECORD.callsEnded}`,
      help: 'Fraction of ended calls that ended by a media timeout of each kind, per number.',
    },
    {
      record: RECORD.accepts,
      expr: `sum by (${NUMBER}) (rate(${ops}{whatsapp_operation="calls.accept"}[10m]))`,
      help: 'Accept requests per second, per number.',
    },
    {
      record: RECORD.noPreAcceptRate,
      expr: `sum by (${NUMBER}, whatsapp_media_security) (rate(${n.acceptsWithoutPreAccept}[10m]))`,
      help: 'User-initiated calls accepted without a pre_accept per second, by media security (dtls, sdes, unknown), per number.',
    },
    {
      record: RECORD.noPreAcceptRatio,
      expr: `${RECORD.noPreAcceptRate} / on (${NUMBER}) group_left () ${RECORD.accepts}`,
      help: 'Fraction of accepts that had no pre_accept before them, by media security, per number.',
    },
    {
      record: RECORD.sipInvites,
      expr: `sum by (${NUMBER}) (rate(${ops}{whatsapp_operation="sip.invite"}[5m]))`,
      help: 'SIP INVITE transactions per second, per number.',
    },
    {
      record: RECORD.sip503Rate,
      // 0 rather than no series while INVITEs get no 503, so the ratio below exists for every SIP number.
      expr: `sum by (${NUMBER}) (rate(${n.errors}{whatsapp_signaling="sip", error_type="503"}[5m]))\nor\n0 * ${RECORD.sipInvites}`,
      help: 'SIP 503 Service Unavailable final responses per second, per number.',
    },
    {
      record: RECORD.sip503Ratio,
      expr: `${RECORD.sip503Rate} / on (${NUMBER}) ${RECORD.sipInvites}`,
      help: 'Fraction of SIP INVITEs answered 503, per number.',
    },
  ];
}
