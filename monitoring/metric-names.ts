/**
 * The instrumentation's metrics and the Prometheus names they get on the two documented export paths:
 *
 * - `js`: `@opentelemetry/exporter-prometheus` (scraped by Prometheus): dots → `_`, `_total` on
 *   monotonic counters, no unit suffix.
 * - `otlp`: OTLP → OpenTelemetry Collector `prometheus`/`prometheusremotewrite` exporter, or Prometheus'
 *   own OTLP receiver (the spec's "OTLP metric points to Prometheus" rules, `add_metric_suffixes` /
 *   `UnderscoreEscapingWithSuffixes`, both defaults): the unit becomes a suffix (`s` → `_seconds`;
 *   `{call}`-style annotations add nothing) and counters get `_total`.
 *
 * Both functions are small re-statements of those rules; the real-scrape test checks them against what
 * Prometheus actually stores for the JS path.
 */

export type Variant = 'js' | 'otlp';
export const VARIANTS: readonly Variant[] = ['js', 'otlp'];

/** What the naming rules look at: the OTel name, the Prometheus type it maps to, and the unit. */
export interface Instrument {
  otelName: string;
  /** `counter` = monotonic sum; `gauge` = gauge or non-monotonic sum (up-down counter). */
  type: 'counter' | 'gauge' | 'histogram';
  unit: string;
}

/** Every metric the instrumentation emits (src/semconv.ts METRIC_*; kinds and units from src/telemetry). */
export const INSTRUMENTS = {
  operationDuration: { otelName: 'whatsapp.calling.operation.duration', type: 'histogram', unit: 's' },
  errors: { otelName: 'whatsapp.calling.errors', type: 'counter', unit: '{error}' },
  callsActive: { otelName: 'whatsapp.calling.calls.active', type: 'gauge', unit: '{call}' },
  callsActiveLimit: { otelName: 'whatsapp.calling.calls.active.limit', type: 'gauge', unit: '{call}' },
  calls: { otelName: 'whatsapp.calling.calls', type: 'counter', unit: '{call}' },
  callDuration: { otelName: 'whatsapp.calling.call.duration', type: 'histogram', unit: 's' },
  businessInitiatedConnected: { otelName: 'whatsapp.calling.business_initiated.connected', type: 'counter', unit: '{call}' },
  quotaPairUsageMax: { otelName: 'whatsapp.calling.quota.pair_usage.max', type: 'gauge', unit: '{call}' },
  quotaPairLimit: { otelName: 'whatsapp.calling.quota.pair_limit', type: 'gauge', unit: '{call}' },
  quotaExhaustedPairs: { otelName: 'whatsapp.calling.quota.exhausted_pairs', type: 'gauge', unit: '{pair}' },
  quotaInitiations: { otelName: 'whatsapp.calling.quota.initiations', type: 'gauge', unit: '{call}' },
  quotaInitiationsLimit: { otelName: 'whatsapp.calling.quota.initiations.limit', type: 'gauge', unit: '{call}' },
  mediaTimeouts: { otelName: 'whatsapp.calling.media_timeouts', type: 'counter', unit: '{call}' },
  acceptsWithoutPreAccept: { otelName: 'whatsapp.calling.accepts_without_pre_accept', type: 'counter', unit: '{call}' },
  permissionReplies: { otelName: 'whatsapp.calling.permission_replies', type: 'counter', unit: '{reply}' },
  hepDropped: { otelName: 'whatsapp.calling.hep.dropped', type: 'counter', unit: '{packet}' },
  // Unit `1` on a gauge: the OTLP path appends `_ratio`.
  storeDegraded: { otelName: 'whatsapp.calling.store.degraded', type: 'gauge', unit: '1' },
} as const satisfies Record<string, Instrument>;

export type MetricKey = keyof typeof INSTRUMENTS;
/** Prometheus base names (histograms without `_bucket`/`_sum`/`_count`) by metric key. */
export type MetricNames = Record<MetricKey, string>;

/** `@opentelemetry/exporter-prometheus` (0.223): sanitise, collapse `_`, `_total` on monotonic sums. */
export function jsExporterName(i: Instrument): string {
  const name = i.otelName.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  return i.type === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

const UNIT_SUFFIXES: Record<string, string> = { s: 'seconds', ms: 'milliseconds', min: 'minutes', h: 'hours', d: 'days', By: 'bytes', '1': '', '%': 'percent' };

/** Spec / Collector / Prometheus OTLP rules: tokens, unit suffix unless present or `{…}`, `_total`, `_ratio`. */
export function otlpName(i: Instrument): string {
  let tokens = i.otelName.split(/[^a-zA-Z0-9:]+/).filter(Boolean);
  const [main = '', per] = i.unit.split('/', 2).map((u) => u.trim());
  const mainSuffix = main && !/[{}]/.test(main) ? (UNIT_SUFFIXES[main] ?? main) : '';
  const perSuffix = per && !/[{}]/.test(per) ? `per_${({ s: 'second', m: 'minute', h: 'hour', d: 'day' } as Record<string, string>)[per] ?? per}` : '';
  if (mainSuffix && !tokens.includes(mainSuffix)) tokens.push(mainSuffix);
  if (perSuffix && !tokens.includes(perSuffix)) tokens.push(perSuffix);
  if (i.type === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (i.unit === '1' && i.type === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  return tokens.join('_');
}

/** The Prometheus base name of every metric on one export path. */
export function metricNames(variant: Variant): MetricNames {
  const name = variant === 'js' ? jsExporterName : otlpName;
  return Object.fromEntries(Object.entries(INSTRUMENTS).map(([key, i]) => [key, name(i)])) as MetricNames;
}

/**
 * The labels the two paths put on every series of an app. JS exporter: the scrape job and target;
 * OTLP: `job` from `service.name` (and `service.namespace`), `instance` from `service.instance.id`.
 * Used as promtool test input so each variant's tests look like that path's data.
 */
export const TARGET_LABELS: Record<Variant, Record<string, string>> = {
  js: { job: 'whatsapp-calling-app', instance: '127.0.0.1:9464' },
  otlp: { job: 'demo-contact-centre', instance: '627cc493-f310-47de-96bd-71410b7dec09' },
};
