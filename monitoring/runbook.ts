/**
 * examples/prometheus/RUNBOOK.md: one section per alert (the `runbook_url` of its annotations), the
 * recording rules, and the metric names on the two export paths.
 */
import type { AlertSpec } from './alert-spec';
import { ALERTS } from './alerts';
import { INSTRUMENTS, metricNames } from './metric-names';
import { recordingRules } from './recording-rules';

/** Replace `your-org` with the repository's owner when you fork; the anchors stay the same. */
export const RUNBOOK_BASE_URL = 'https://github.com/your-org/opentelemetry-instrumentation-whatsapp-calling/blob/main/examples/prometheus/RUNBOOK.md';

/** GitHub's heading anchor for an alert name (lowercased). */
export const runbookAnchor = (alertName: string) => alertName.toLowerCase();
export const runbookUrl = (alertName: string) => `${RUNBOOK_BASE_URL}#${runbookAnchor(alertName)}`;

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

function alertSection(a: AlertSpec): string {
  const js = metricNames('js');
  return [
    `## ${a.name}`,
    '',
    `**Severity:** ${a.severity} · **Fires when:** ${a.threshold}`,
    '',
    `**Summary.** ${a.summary.doc}`,
    '',
    `**What it means.** ${a.description.doc.trim()}`,
    '',
    // A remedy chosen by label value is a list; a single remedy is a sentence.
    `**What to do.**${a.remedy.doc.startsWith('\n') ? `\n${a.remedy.doc.trimEnd()}` : ` ${a.remedy.doc.trim()}`}`,
    '',
    ...a.runbook.flatMap((p) => [p, '']),
    '**Find the affected calls.**',
    '',
    `- Jaeger, search by Tags: ${code(a.trace.jaeger.doc)}`,
    `- Grafana Tempo, TraceQL: ${code(a.trace.traceql.doc)}`,
    '',
    '**Rule** (JS exporter names; the OTLP variant differs only in metric names):',
    '',
    '```promql',
    a.expr(js),
    '```',
    '',
  ].join('\n');
}

function alertTable(): string {
  const rows = ALERTS.map((a) => `| [${a.name}](#${runbookAnchor(a.name)}) | ${a.severity} | ${a.threshold} |`);
  return ['| Alert | Severity | Fires when |', '| --- | --- | --- |', ...rows].join('\n');
}

export function namesTable(): string {
  const js = metricNames('js');
  const otlp = metricNames('otlp');
  const rows = Object.entries(INSTRUMENTS).map(([key, i]) => {
    const k = key as keyof typeof INSTRUMENTS;
    const suffix = i.type === 'histogram' ? '_{bucket,sum,count}' : '';
    return `| ${code(i.otelName)} | ${i.type} | ${code(i.unit)} | ${code(js[k] + suffix)} | ${js[k] === otlp[k] ? 'same' : code(otlp[k] + suffix)} |`;
  });
  return ['| OpenTelemetry metric | Type | Unit | JS Prometheus exporter | OTLP → Collector / Prometheus |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

function recordingTable(): string {
  const rows = recordingRules(metricNames('js')).map((r) => `| ${code(r.record)} | ${r.help} |`);
  return ['| Record | Meaning |', '| --- | --- |', ...rows].join('\n');
}

export function runbookMarkdown(): string {
  return [
    '# Runbook: WhatsApp Calling alerts',
    '',
    '<!-- Generated from monitoring/ by `node scripts/generate-monitoring.mjs`: edit the source there, not this file. -->',
    '',
    "Every alert carries these annotations: `summary`, `description`, `remedy` (the error catalogue's remedy for the exact code or kind that fired, when the alert has one), `runbook_url` (a section below), `trace_query_jaeger` (paste into the Tags field of Jaeger's search) and `trace_query_traceql` (Grafana Tempo) that list the affected calls. In this page `{label}` stands for a label of the firing alert and `{value}` for its value.",
    '',
    'Thresholds are starting points: copy the rule files and tune them to your traffic. The 80% and 95% alerts of one kind fire together; the Alertmanager inhibit rules in README.md keep one page.',
    '',
    alertTable(),
    '',
    '## Metric names on the two export paths',
    '',
    "Rules and dashboards come in two generated variants with the same alerts and panels: `rules/` and `dashboards/whatsapp-calling.json` for the JS Prometheus exporter, `rules-otlp/` and `dashboards/whatsapp-calling-otlp.json` for metrics sent over OTLP to an OpenTelemetry Collector (`prometheus` or `prometheusremotewrite` exporter, default `add_metric_suffixes: true`) or to Prometheus' OTLP receiver (default translation `UnderscoreEscapingWithSuffixes`). Only the histograms (`_seconds`) and the unit-`1` gauge (`_ratio`) differ. Labels are the same on both paths (attribute keys with `.` → `_`); the rules aggregate by these labels and use `job`/`instance` only to tell app instances apart.",
    '',
    namesTable(),
    '',
    '## Recording rules',
    '',
    "Level names: `number` = by `whatsapp_phone_number_id`; `number_category` adds `whatsapp_error_category`; `number_code` adds `error_type`, `whatsapp_operation`, `whatsapp_signaling`; `number_kind` adds `whatsapp_media_timeout_kind`; `number_security` adds `whatsapp_media_security`. Active calls and quota gauges take the highest reading of any instance, because instances that share a call store all report the same numbers; if each instance keeps its own in-memory store, change `max by` to `sum by` in the first recording rule. An error counter's series only appears with its first error, which `increase()` cannot see; `number_code:whatsapp_calling_errors:increase5m` counts a series that is new in the last 5 minutes at an app whose `target_info` was already there 5 minutes ago (so a Prometheus restart does not re-announce old errors). Without `target_info` (JS exporter `withoutTargetInfo`, Collector `target_info.enabled: false`) the fire-at-once alerts see errors from the second one of each series on.",
    '',
    recordingTable(),
    '',
    ...ALERTS.map(alertSection),
  ].join('\n');
}
