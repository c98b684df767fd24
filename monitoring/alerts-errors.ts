/**
 * Error alerts. Categories that never heal by themselves (configuration, auth, account restriction,
 * the app's own permissions) fire on the first error; categories that come and go (rate limits,
 * connection, server) fire on their share of operation attempts over 5 minutes.
 */
import { CATEGORY_DESCRIPTIONS } from '../src/catalogue';
import type { ErrorCategory } from '../src/catalogue';
import { PHONE } from './alert-spec';
import type { AlertCase, AlertSpec, SeriesInput } from './alert-spec';
import { RECORD } from './recording-rules';
import { categoryRemedyList, graphRemedy, remedyByCode } from './remedies';
import { choose, label, percent, text } from './template';
import type { Text } from './template';
import { byNumber, traceQuery } from './trace-queries';

const number = label('whatsapp_phone_number_id');
const errorType = label('error_type');
const operation = label('whatsapp_operation');
const signaling = label('whatsapp_signaling');

interface ErrorLabels {
  whatsapp_error_category: string;
  error_type: string;
  whatsapp_operation: string;
  whatsapp_signaling: string;
}

const errors = (l: ErrorLabels, values: string): SeriesInput => ({ metric: 'errors', labels: { whatsapp_phone_number_id: PHONE, ...l }, values });
const targetInfo = (values: string): SeriesInput => ({ metric: { raw: 'target_info' }, labels: { service_name: 'demo-contact-centre' }, values });
const operations = (op: string, sig: string, values: string): SeriesInput => ({
  metric: 'operationDuration',
  suffix: '_count',
  labels: { whatsapp_phone_number_id: PHONE, whatsapp_operation: op, whatsapp_signaling: sig },
  values,
});

/** The five cases every fire-at-once alert proves: two ways to fire, three ways to stay silent. */
function atOnceCases(l: ErrorLabels, other: ErrorLabels): AlertCase[] {
  const fired = { labels: { whatsapp_phone_number_id: PHONE, ...l }, value: 1 };
  return [
    { title: 'fires on the first error ever (a new counter series)', series: [targetInfo('1x30'), errors(l, '_x10 1x10')], at: 12, fires: [fired] },
    { title: 'fires on one more error of a counter that already existed', series: [targetInfo('1x30'), errors(l, '1x10 2x10')], at: 13, fires: [fired] },
    { title: 'stays silent when the counter has not moved for 5 minutes', series: [targetInfo('1x30'), errors(l, '1x10 2x15')], at: 20 },
    {
      title: 'stays silent when Prometheus (or the target) just started and finds old errors',
      series: [targetInfo('_x10 1x10'), errors(l, '_x10 1x10')],
      at: 12,
    },
    {
      title: `stays silent on a new ${other.whatsapp_error_category} error (${other.error_type})`,
      series: [targetInfo('1x30'), errors(other, '_x10 1x10')],
      at: 12,
    },
  ];
}

const atOnceTrace = (category: string) =>
  traceQuery([{ attribute: 'whatsapp.error.category', value: category }, { attribute: 'error.type', value: errorType }, byNumber]);

const atOnceDescription = (category: ErrorCategory, consequence: string): Text =>
  text`${CATEGORY_DESCRIPTIONS[category]} Number ${number}, ${signaling} operation ${operation} failed with ${errorType}. ${consequence}`;

const permission = { whatsapp_error_category: 'permission', error_type: '138006', whatsapp_operation: 'calls.connect', whatsapp_signaling: 'graph_api' };

export const ConfigurationError: AlertSpec = {
  name: 'WhatsAppCallingConfigurationError',
  severity: 'critical',
  expr: () => `${RECORD.errorIncrease}{whatsapp_error_category="configuration"} > 0`,
  threshold: 'any configuration error (at once)',
  summary: text`Calling is misconfigured on number ${number}: ${errorType} on ${operation}`,
  description: atOnceDescription('configuration', 'This does not heal by itself: every call that needs the missing setting fails until it is fixed.'),
  remedy: remedyByCode('configuration'),
  trace: atOnceTrace('configuration'),
  runbook: [
    "Compare the number's calling settings (GET /<PHONE_NUMBER_ID>/settings) with what the failing operation needs: calling enabled, SIP on or off, the SIP server hostname, the app subscribed to the calls webhook field.",
  ],
  cases: atOnceCases(
    { whatsapp_error_category: 'configuration', error_type: '138000', whatsapp_operation: 'calls.connect', whatsapp_signaling: 'graph_api' },
    permission,
  ),
};

export const AuthError: AlertSpec = {
  name: 'WhatsAppCallingAuthError',
  severity: 'critical',
  expr: () => `${RECORD.errorIncrease}{whatsapp_error_category="auth"} > 0`,
  threshold: 'any auth error (at once)',
  summary: text`Credentials rejected on number ${number}: ${errorType} on ${operation}`,
  description: atOnceDescription('auth', 'This does not heal by itself: every request with the same token or SIP password fails until it is replaced.'),
  remedy: remedyByCode('auth'),
  trace: atOnceTrace('auth'),
  runbook: [
    "Graph 190: check when the token was issued and by whom; a system-user token does not expire with a person's session. SIP 407/403 after credentials: the digest password is per number and app (sip_user_password in the settings).",
  ],
  cases: atOnceCases({ whatsapp_error_category: 'auth', error_type: '190', whatsapp_operation: 'calls.connect', whatsapp_signaling: 'graph_api' }, permission),
};

export const AccountRestricted: AlertSpec = {
  name: 'WhatsAppCallingAccountRestricted',
  severity: 'critical',
  expr: () => `${RECORD.errorIncrease}{whatsapp_error_category="account_restricted"} > 0`,
  threshold: 'any account-restriction error (at once)',
  summary: text`Meta restricted calling on number ${number}: ${errorType}`,
  description: atOnceDescription(
    'account_restricted',
    'This does not heal by itself: Meta lifts the restriction only after the account owner acts, or after the restriction period.',
  ),
  remedy: remedyByCode('account_restricted'),
  trace: atOnceTrace('account_restricted'),
  runbook: [
    "Tell the WhatsApp Business Account owner: restrictions are lifted in Business Manager (payment method) or end after Meta's review period (quality). Check the account_update webhooks for the reason and end date.",
  ],
  cases: atOnceCases(
    { whatsapp_error_category: 'account_restricted', error_type: '138014', whatsapp_operation: 'calls.connect', whatsapp_signaling: 'graph_api' },
    permission,
  ),
};

/** Graph code 10 and the 200–299 range: the app's own permissions, not a user's call permission. */
const APP_PERMISSION_CODES = '10|2[0-9][0-9]';

export const AppPermissionError: AlertSpec = {
  name: 'WhatsAppCallingAppPermissionError',
  severity: 'critical',
  expr: () => `${RECORD.errorIncrease}{whatsapp_error_category="permission", whatsapp_signaling="graph_api", error_type=~"${APP_PERMISSION_CODES}"} > 0`,
  threshold: 'any Graph error 10 or 200–299 (the app lacks an API permission; at once)',
  summary: text`The app lacks a Graph API permission for number ${number}: ${errorType} on ${operation}`,
  description: text`The app's token is missing a permission that ${operation} needs (Graph error ${errorType}). Unlike a user's missing call permission (138006), this fails every request of that kind until the app is granted the permission.`,
  remedy: choose('error_type', [{ equals: '10', then: graphRemedy(10) }], graphRemedy(200)),
  trace: atOnceTrace('permission'),
  runbook: ['Look at the permissions granted to the system user behind the token (Business Settings → System users); after granting, issue a new token.'],
  cases: atOnceCases(
    { whatsapp_error_category: 'permission', error_type: '10', whatsapp_operation: 'calls.connect', whatsapp_signaling: 'graph_api' },
    permission,
  ),
};

/** Share of operation attempts over 5 minutes, with a floor on the count so a quiet number's one failure does not page. */
function ratioAlert(o: {
  name: string;
  category: ErrorCategory;
  severity: AlertSpec['severity'];
  over: number;
  errorType: string;
  summary: string;
  runbook: string[];
}): AlertSpec {
  const sel = `{whatsapp_error_category="${o.category}"}`;
  const l = { whatsapp_error_category: o.category, error_type: o.errorType, whatsapp_operation: 'calls.connect', whatsapp_signaling: 'graph_api' };
  const labels = { whatsapp_phone_number_id: PHONE, whatsapp_error_category: o.category };
  return {
    name: o.name,
    severity: o.severity,
    for: '5m',
    expr: () => `${RECORD.errorRatio}${sel} > ${o.over}\nand\n${RECORD.errorRate}${sel} * 300 >= 3`,
    threshold: `${o.category} errors > ${o.over * 100}% of operation attempts over 5 min (and at least 3), for 5 min`,
    summary: text`${percent} of operations on number ${number} fail with ${o.summary}`,
    description: text`${CATEGORY_DESCRIPTIONS[o.category]} Over the last 5 minutes ${percent} of the Graph requests and SIP transactions of number ${number} failed with a ${o.category} error. The dashboard panel "Top error codes" shows which codes.`,
    remedy: text`${categoryRemedyList(o.category)}`,
    trace: traceQuery([{ attribute: 'whatsapp.error.category', value: o.category }, byNumber]),
    runbook: o.runbook,
    cases: [
      {
        title: `fires when 1 in 5 operations fails with ${o.category}`,
        series: [operations('calls.connect', 'graph_api', '0+10x30'), errors(l, '0+2x30')],
        at: 15,
        fires: [{ labels, value: 0.2 }],
      },
      {
        title: `stays silent when 1 in 50 operations fails with ${o.category}`,
        series: [operations('calls.connect', 'graph_api', '0+50x30'), errors(l, '0+1x30')],
        at: 15,
      },
      {
        title: 'stays silent on a single error on a quiet number (under 3 in 5 minutes)',
        series: [operations('calls.connect', 'graph_api', '0+2x30'), errors(l, '0x10 1x20')],
        at: 12,
      },
      {
        title: 'stays silent when the errors belong to another category',
        series: [operations('calls.connect', 'graph_api', '0+10x30'), errors({ ...l, whatsapp_error_category: 'declined', error_type: '486' }, '0+2x30')],
        at: 15,
      },
    ],
  };
}

export const RateLimited = ratioAlert({
  name: 'WhatsAppCallingRateLimited',
  category: 'rate_limited',
  severity: 'warning',
  over: 0.05,
  errorType: '138005',
  summary: 'rate-limit errors',
  runbook: [
    'Rate limits recover when traffic slows: find the caller that bursts (the trace query, grouped by whatsapp.operation). 613 means GET /call_permissions is polled too often: cache it.',
  ],
});

export const ConnectionErrors = ratioAlert({
  name: 'WhatsAppCallingConnectionErrors',
  category: 'connection',
  severity: 'critical',
  over: 0.1,
  errorType: '138004',
  summary: 'connection errors',
  runbook: [
    "If one user is affected, it is their network; if all are, check your media endpoint and firewall (UDP both ways to Meta's relays), then Meta's status page. Transport errors (ECONNREFUSED, timeouts) mean Graph itself was unreachable from the app.",
  ],
});

export const ServerErrors = ratioAlert({
  name: 'WhatsAppCallingServerErrors',
  category: 'server',
  severity: 'warning',
  over: 0.05,
  errorType: '131000',
  summary: "server errors on Meta's side",
  runbook: [
    "Server errors are Meta's: retry with backoff and check Meta's status page. If they persist, open a support case quoting the fbtrace_id of a failing span (attribute whatsapp.fbtrace_id).",
  ],
});

export const ERROR_ALERTS: AlertSpec[] = [ConfigurationError, AuthError, AccountRestricted, AppPermissionError, RateLimited, ConnectionErrors, ServerErrors];
