/**
 * The "WhatsApp Calling" Grafana dashboard, in the two name variants. Panels query the raw metrics
 * (not the recording rules), so the dashboard works on a Prometheus that has not loaded the rules.
 */
import { GRAPH_ERROR_ENTRIES } from '../src/catalogue';
import { DATASOURCE, datasourceVariable, labelValuesVariable, layout } from './grafana';
import type { RowSpec } from './grafana';
import { metricNames } from './metric-names';
import type { MetricNames, Variant } from './metric-names';

const PN = 'whatsapp_phone_number_id';
const SEL = `${PN}=~"$phone_number_id"`;
/** Instances sharing a call store report the same gauges: per-instance sums, then the highest. */
const perNumber = (metric: string) => `max by (${PN}) (sum by (${PN}, job, instance) (${metric}{${SEL}}))`;
const PCT: [number, string][] = [
  [0.8, 'orange'],
  [0.95, 'red'],
];

function capacity(n: MetricNames): RowSpec {
  const active = perNumber(n.callsActive);
  const limit = `max by (${PN}) (${n.callsActiveLimit}{${SEL}})`;
  return {
    title: 'Capacity',
    panels: [
      {
        type: 'timeseries',
        title: 'Active calls vs limit',
        w: 12,
        h: 8,
        description:
          'Calls in progress per business number (both directions, Graph API and SIP) and the concurrent-call limit. At the limit Meta refuses new calls with 138002. Alerts: WhatsAppCallingConcurrencyHigh (80%), WhatsAppCallingConcurrencyCritical (95%).',
        targets: [
          { expr: active, legend: '{{whatsapp_phone_number_id}} active' },
          { expr: limit, legend: '{{whatsapp_phone_number_id}} limit' },
        ],
      },
      {
        type: 'gauge',
        title: 'Active calls, share of limit',
        w: 6,
        h: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: PCT,
        description: 'Calls in progress divided by the concurrent-call limit, per number. Orange at 80%, red at 95% (the alert thresholds).',
        targets: [{ expr: `${active} / on (${PN}) ${limit}`, legend: '{{whatsapp_phone_number_id}}' }],
      },
      {
        type: 'timeseries',
        title: 'Active calls by direction and signaling',
        w: 6,
        h: 8,
        stacked: true,
        description: 'Calls in progress split by direction (business_initiated, user_initiated) and signaling (graph_api, sip).',
        targets: [
          {
            expr: `sum by (whatsapp_call_direction, whatsapp_signaling) (${n.callsActive}{${SEL}})`,
            legend: '{{whatsapp_call_direction}} {{whatsapp_signaling}}',
          },
        ],
      },
    ],
  };
}

function quota(n: MetricNames): RowSpec {
  const max = (metric: string) => `max by (${PN}) (${metric}{${SEL}})`;
  return {
    title: 'Quotas (rolling 24 h)',
    panels: [
      {
        type: 'timeseries',
        title: 'Busiest pair vs per-pair limit',
        w: 8,
        h: 8,
        description:
          'Connected business-initiated calls of the busiest (number, user) pair in the rolling 24 h, and the per-pair limit. At the limit, calling that user fails with 138012 / SIP 403 "per day limit".',
        targets: [
          { expr: max(n.quotaPairUsageMax), legend: '{{whatsapp_phone_number_id}} busiest pair' },
          { expr: max(n.quotaPairLimit), legend: '{{whatsapp_phone_number_id}} limit' },
        ],
      },
      {
        type: 'stat',
        title: 'Exhausted pairs',
        w: 4,
        h: 8,
        thresholds: [[1, 'orange']],
        description:
          'Users who already had the maximum connected business-initiated calls from the number in the rolling 24 h. Alert: WhatsAppCallingQuotaPairsExhausted. Traces: whatsapp.error.category=daily_quota.',
        targets: [{ expr: max(n.quotaExhaustedPairs), legend: '{{whatsapp_phone_number_id}}' }],
      },
      {
        type: 'timeseries',
        title: 'Initiations vs limit',
        w: 8,
        h: 8,
        description:
          'Calls the number started in the rolling 24 h, and the initiation limit. Past it, connects fail with 138005. Alerts: WhatsAppCallingInitiationsNearLimit (80%), WhatsAppCallingInitiationsAtLimit (95%).',
        targets: [
          { expr: max(n.quotaInitiations), legend: '{{whatsapp_phone_number_id}} initiations' },
          { expr: max(n.quotaInitiationsLimit), legend: '{{whatsapp_phone_number_id}} limit' },
        ],
      },
      {
        type: 'gauge',
        title: 'Initiations, share of limit',
        w: 4,
        h: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: PCT,
        description: 'Initiations in the rolling 24 h divided by the limit, per number.',
        targets: [{ expr: `${max(n.quotaInitiations)} / on (${PN}) ${max(n.quotaInitiationsLimit)}`, legend: '{{whatsapp_phone_number_id}}' }],
      },
    ],
  };
}

/** Graph error codes → "code · title", so the table of top codes reads without the catalogue at hand. */
const CODE_TITLES = Object.fromEntries(GRAPH_ERROR_ENTRIES.map((e) => [String(e.code), `${e.code} · ${e.title}`]));

function errors(n: MetricNames): RowSpec {
  const rate = (metric: string, extra = '') => `rate(${metric}{${SEL}${extra}}[$__rate_interval])`;
  return {
    title: 'Errors',
    panels: [
      {
        type: 'timeseries',
        title: 'Error rate by category',
        w: 12,
        h: 8,
        unit: 'cps',
        stacked: true,
        description:
          'Errors per second by catalogue category (request errors and errors reported only by the terminate webhook). Find the calls: Jaeger tags whatsapp.error.category=<category>, TraceQL { span.whatsapp.error.category = "<category>" }.',
        targets: [{ expr: `sum by (whatsapp_error_category) (${rate(n.errors)})`, legend: '{{whatsapp_error_category}}' }],
      },
      {
        type: 'timeseries',
        title: 'Errors per operation attempt, by category',
        w: 12,
        h: 8,
        unit: 'percentunit',
        description:
          'Errors of each category divided by all Graph requests and SIP transactions. Alerts fire on this ratio for rate_limited (5%), connection (10%) and server (5%) errors; configuration, auth and account_restricted errors alert on the first one.',
        targets: [
          {
            expr: `sum by (whatsapp_error_category) (${rate(n.errors)}) / scalar(sum(${rate(`${n.operationDuration}_count`)}))`,
            legend: '{{whatsapp_error_category}}',
          },
        ],
      },
      {
        type: 'table',
        title: 'Top error codes',
        w: 24,
        h: 8,
        description:
          'The ten most frequent error codes in the selected time range: Graph codes (with their catalogue title) and SIP statuses, by operation. The runbook (examples/prometheus/RUNBOOK.md) has the remedy for each; spans carry it as whatsapp.error.remedy. Traces: Jaeger tags error.type=<code>.',
        targets: [
          {
            expr: `topk(10, sum by (whatsapp_error_category, error_type, whatsapp_operation, whatsapp_signaling) (increase(${n.errors}{${SEL}}[$__range])))`,
            instant: true,
          },
        ],
        valueText: { field: 'error_type', texts: CODE_TITLES },
      },
    ],
  };
}

function calls(n: MetricNames): RowSpec {
  const accepts = `sum(rate(${n.operationDuration}_count{${SEL}, whatsapp_operation="calls.accept"}[$__rate_interval]))`;
  return {
    title: 'Calls',
    panels: [
      {
        type: 'timeseries',
        title: 'Call outcomes',
        w: 12,
        h: 8,
        unit: 'cps',
        stacked: true,
        bars: true,
        description:
          'Ended calls per second by final status: completed, failed, rejected, unanswered (and unknown when the end was not observed). Traces: TraceQL { name = "whatsapp call" && span.whatsapp.call.status = "failed" }.',
        targets: [{ expr: `sum by (whatsapp_call_status) (rate(${n.calls}{${SEL}}[$__rate_interval]))`, legend: '{{whatsapp_call_status}}' }],
      },
      {
        type: 'timeseries',
        title: 'Media timeouts by kind and phase',
        w: 12,
        h: 8,
        unit: 'cps',
        stacked: true,
        bars: true,
        description:
          'Calls ended because media stopped flowing, by kind (receive 138021, transmit 138022, no_media_signals 138023, SIP rtp_timeout) and phase (call_start: within 25 s of the answer; mid_call). Alert: WhatsAppCallingMediaTimeouts. Traces: TraceQL { name = "whatsapp call" && span.whatsapp.media_timeout.kind = "<kind>" }.',
        targets: [
          {
            expr: `sum by (whatsapp_media_timeout_kind, whatsapp_media_timeout_phase) (rate(${n.mediaTimeouts}{${SEL}}[$__rate_interval]))`,
            legend: '{{whatsapp_media_timeout_kind}} {{whatsapp_media_timeout_phase}}',
          },
        ],
      },
      {
        type: 'timeseries',
        title: 'Accepts without pre_accept, share of accepts',
        w: 16,
        h: 8,
        unit: 'percentunit',
        description:
          'User-initiated calls accepted without a pre_accept first, as a share of accept requests, by the media security of the business SDP (dtls, sdes, unknown). Without pre_accept users miss about the first second of audio, worst with DTLS. Alert: WhatsAppCallingAcceptsWithoutPreAccept. Traces: TraceQL { name = "whatsapp call" && span.whatsapp.call.pre_accepted = false }.',
        targets: [
          {
            expr: `sum by (whatsapp_media_security) (rate(${n.acceptsWithoutPreAccept}{${SEL}}[$__rate_interval])) / scalar(${accepts})`,
            legend: '{{whatsapp_media_security}}',
          },
        ],
      },
      {
        type: 'bargauge',
        title: 'Accepts without pre_accept, by media security',
        w: 8,
        h: 8,
        description: 'Accepts without pre_accept in the selected time range, by media security. "dtls" is the clipping-prone case.',
        targets: [
          {
            expr: `sum by (whatsapp_media_security) (increase(${n.acceptsWithoutPreAccept}{${SEL}}[$__range]))`,
            legend: '{{whatsapp_media_security}}',
            instant: true,
          },
        ],
      },
    ],
  };
}

function operations(n: MetricNames): RowSpec {
  const quantile = (q: number) => ({
    expr: `histogram_quantile(${q}, sum by (le, whatsapp_operation) (rate(${n.operationDuration}_bucket{${SEL}}[$__rate_interval])))`,
    legend: `p${q * 100} {{whatsapp_operation}}`,
  });
  return {
    title: 'Operations',
    panels: [
      {
        type: 'timeseries',
        title: 'Operation latency percentiles by operation',
        w: 16,
        h: 9,
        unit: 's',
        description:
          'p50, p95 and p99 duration of Graph requests (calls.connect, calls.pre_accept, calls.accept, calls.terminate, call_permissions.get, …) and SIP transactions (sip.invite: INVITE to final response).',
        targets: [quantile(0.5), quantile(0.95), quantile(0.99)],
      },
      {
        type: 'piechart',
        title: 'SIP final-status mix',
        w: 8,
        h: 9,
        description:
          'Final responses to business-initiated SIP INVITEs in the selected time range, by status code (200, 403, 480, 486, 503, …). Alert: WhatsAppCallingSip503Burst. Traces: TraceQL { name = "whatsapp sip.invite" && span.sip.status_code = 503 }.',
        targets: [
          {
            expr: `sum by (sip_status_code) (increase(${n.operationDuration}_count{${SEL}, whatsapp_operation="sip.invite"}[$__range]))`,
            legend: '{{sip_status_code}}',
            instant: true,
          },
        ],
      },
    ],
  };
}

const TITLES: Record<Variant, string> = { js: 'WhatsApp Calling', otlp: 'WhatsApp Calling (OTLP metric names)' };
const UIDS: Record<Variant, string> = { js: 'whatsapp-calling', otlp: 'whatsapp-calling-otlp' };

export function dashboard(variant: Variant): Record<string, unknown> {
  const n = metricNames(variant);
  return {
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
        {
          datasource: DATASOURCE,
          enable: true,
          hide: false,
          iconColor: 'red',
          name: 'WhatsApp Calling alerts',
          expr: 'ALERTS{alertname=~"WhatsAppCalling.+", alertstate="firing"}',
          step: '1m',
          titleFormat: '{{alertname}}',
          tagKeys: 'severity,whatsapp_phone_number_id',
          useValueForTime: false,
        },
      ],
    },
    description: `WhatsApp Business Calling API: capacity, quotas, errors by catalogue category, media timeouts, clipping risk, latency and SIP outcomes. ${variant === 'js' ? 'Metric names of the JS Prometheus exporter.' : 'Metric names of the OTLP path (Collector / Prometheus OTLP receiver): histograms end in _seconds.'} Alerts and runbook: examples/prometheus/.`,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [],
    panels: layout([capacity(n), quota(n), errors(n), calls(n), operations(n)]),
    refresh: '30s',
    schemaVersion: 39,
    tags: ['whatsapp', 'calling', 'opentelemetry'],
    templating: { list: [datasourceVariable, labelValuesVariable('phone_number_id', 'Phone number id', n.callsActiveLimit, PN)] },
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title: TITLES[variant],
    uid: UIDS[variant],
    version: 1,
    weekStart: '',
  };
}
