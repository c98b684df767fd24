/**
 * Renders the Prometheus rule files (recording rules, alerts) and the promtool test suite of one name
 * variant from the alert specs.
 */
import { Document } from 'yaml';
import type { AlertCase, AlertSpec, SeriesInput } from './alert-spec';
import { ALERTS } from './alerts';
import { TARGET_LABELS, metricNames } from './metric-names';
import type { Variant } from './metric-names';
import { recordingRules } from './recording-rules';
import type { Text } from './template';
import { runbookUrl } from './runbook';

export const RECORDING_FILE = 'whatsapp-calling-recording.rules.yml';
export const ALERTS_FILE = 'whatsapp-calling-alerts.rules.yml';
/** Tests live in tests/, not next to the rules, so a `rules/*.yml` glob in prometheus.yml never loads them. */
export const testsFileName = (variant: Variant) => (variant === 'js' ? 'whatsapp-calling-alerts.test.yml' : 'whatsapp-calling-alerts-otlp.test.yml');
export const rulesDirName = (variant: Variant) => (variant === 'js' ? 'rules' : 'rules-otlp');

const VARIANT_NOTE: Record<Variant, string> = {
  js: 'Metric names of the JS Prometheus exporter (@opentelemetry/exporter-prometheus), e.g. whatsapp_calling_operation_duration_count.',
  otlp: 'Metric names of the OTLP path (Collector prometheus/prometheusremotewrite exporter, Prometheus OTLP receiver), e.g. whatsapp_calling_operation_duration_seconds_count.',
};

function header(variant: Variant, what: string): string {
  return ` ${what}\n ${VARIANT_NOTE[variant]}\n Generated from monitoring/ by node scripts/generate-monitoring.mjs: edit the source there, not this file.`;
}

function yamlDoc(contents: unknown, comment: string): string {
  const doc = new Document(contents);
  doc.commentBefore = comment;
  return doc.toString({ lineWidth: 0 });
}

/** Every annotation of an alert, in the order they appear in the rule file. */
export function annotationTexts(a: AlertSpec): Record<string, Text> {
  const url = runbookUrl(a.name);
  return {
    summary: a.summary,
    description: a.description,
    remedy: a.remedy,
    runbook_url: { go: url, render: () => url, doc: url },
    trace_query_jaeger: a.trace.jaeger,
    trace_query_traceql: a.trace.traceql,
  };
}

const mapValues = <T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

export function recordingFile(variant: Variant): string {
  const rules = recordingRules(metricNames(variant)).map((r) => ({ record: r.record, expr: r.expr }));
  return yamlDoc({ groups: [{ name: 'whatsapp-calling.recording', rules }] }, header(variant, 'Recording rules of the WhatsApp Calling instrumentation.'));
}

export function alertsFile(variant: Variant): string {
  const n = metricNames(variant);
  const rules = ALERTS.map((a) => ({
    alert: a.name,
    expr: a.expr(n),
    ...(a.for ? { for: a.for } : {}),
    labels: { severity: a.severity },
    annotations: mapValues(annotationTexts(a), (t) => t.go),
  }));
  return yamlDoc(
    { groups: [{ name: 'whatsapp-calling.alerts', rules }] },
    header(variant, 'Alerts of the WhatsApp Calling instrumentation; runbook: examples/prometheus/RUNBOOK.md.'),
  );
}

function seriesSelector(s: SeriesInput, variant: Variant): string {
  const base = typeof s.metric === 'string' ? metricNames(variant)[s.metric] : s.metric.raw;
  const labels = { ...TARGET_LABELS[variant], ...s.labels };
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${base}${s.suffix ?? ''}{${inner}}`;
}

/** promtool compares labels and every annotation exactly, so the expectation renders them all. */
function expectedAlerts(a: AlertSpec, c: AlertCase) {
  return (c.fires ?? []).map((f) => ({
    exp_labels: { ...f.labels, severity: a.severity },
    exp_annotations: mapValues(annotationTexts(a), (t) => t.render({ labels: f.labels, value: f.value })),
  }));
}

export function testsFile(variant: Variant): string {
  const doc = new Document({
    rule_files: [RECORDING_FILE, ALERTS_FILE].map((f) => `../${rulesDirName(variant)}/${f}`),
    evaluation_interval: '1m',
    tests: ALERTS.flatMap((a) =>
      a.cases.map((c) => ({
        interval: '1m',
        input_series: c.series.map((s) => ({ series: seriesSelector(s, variant), values: s.values })),
        alert_rule_test: [{ eval_time: `${c.at}m`, alertname: a.name, exp_alerts: expectedAlerts(a, c) }],
      })),
    ),
  });
  // The case titles as comments, so a failing promtool case can be found in the file.
  const tests = doc.get('tests') as { items: { commentBefore?: string }[] };
  ALERTS.flatMap((a) => a.cases.map((c) => `${a.name} ${c.title}`)).forEach((title, i) => {
    tests.items[i].commentBefore = ` ${title}`;
  });
  doc.commentBefore = header(variant, `promtool test rules ${testsFileName(variant)}: every alert fires on the right input and stays silent on the rest.`);
  return doc.toString({ lineWidth: 0 });
}
