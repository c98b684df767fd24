/**
 * The generated monitoring files (rules, promtool suites, runbook, dashboards) are the generator's
 * current output, read back with a real YAML/JSON parser: every alert carries what the on-call person
 * needs, the remedies are the catalogue's, and the two name variants differ only in metric names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS } from '../monitoring/alerts';
import { generatedFiles, rulesDir } from '../monitoring/generate';
import { INSTRUMENTS, VARIANTS, jsExporterName, metricNames, otlpName } from '../monitoring/metric-names';
import { ALERTS_FILE, RECORDING_FILE } from '../monitoring/rule-files';
import { runbookAnchor } from '../monitoring/runbook';
import { CATEGORY_DESCRIPTIONS, lookupGraphError } from '../src/catalogue';
import * as semconv from '../src/semconv';

const root = path.resolve(__dirname, '..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (variant: (typeof VARIANTS)[number], file: string) =>
  (parse(read(`${rulesDir(variant)}/${file}`)) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe('generated monitoring files', () => {
  it('are committed exactly as the generator writes them (run node scripts/generate-monitoring.mjs)', () => {
    const stale = Object.entries(generatedFiles())
      .filter(([rel, content]) => !fs.existsSync(path.join(root, rel)) || read(rel) !== content)
      .map(([rel]) => rel);
    expect(stale).toEqual([]);
  });

  it('cover every metric the instrumentation defines', () => {
    const defined = Object.entries(semconv)
      .filter(([k]) => k.startsWith('METRIC_'))
      .map(([, v]) => v)
      .sort();
    expect(
      Object.values(INSTRUMENTS)
        .map((i) => i.otelName)
        .sort(),
    ).toEqual(defined);
  });
});

describe('metric names on the two export paths', () => {
  it('follow the JS exporter (no unit suffix) and the OTLP rules (unit suffix, _total on counters)', () => {
    expect(jsExporterName(INSTRUMENTS.operationDuration)).toBe('whatsapp_calling_operation_duration');
    expect(otlpName(INSTRUMENTS.operationDuration)).toBe('whatsapp_calling_operation_duration_seconds');
    expect(otlpName(INSTRUMENTS.callDuration)).toBe('whatsapp_calling_call_duration_seconds');
    for (const key of ['errors', 'calls', 'mediaTimeouts', 'acceptsWithoutPreAccept'] as const) {
      expect(jsExporterName(INSTRUMENTS[key])).toMatch(/_total$/);
      expect(otlpName(INSTRUMENTS[key])).toBe(jsExporterName(INSTRUMENTS[key]));
    }
    // {call}-style units add nothing; an up-down counter is a gauge (no _total) on both paths.
    expect(otlpName(INSTRUMENTS.callsActive)).toBe('whatsapp_calling_calls_active');
    expect(otlpName(INSTRUMENTS.quotaExhaustedPairs)).toBe('whatsapp_calling_quota_exhausted_pairs');
    expect(otlpName({ otelName: 'x.ratio', type: 'gauge', unit: '1' })).toBe('x_ratio');
    expect(otlpName({ otelName: 'x.transferred', type: 'counter', unit: 'By' })).toBe('x_transferred_bytes_total');
  });

  it('differ between the rule variants only where the names differ', () => {
    const js = metricNames('js');
    const otlp = metricNames('otlp');
    for (const file of [RECORDING_FILE, ALERTS_FILE]) {
      const toJs = (expr: string) => Object.keys(js).reduce((e, k) => e.replaceAll(otlp[k as keyof typeof js], js[k as keyof typeof js]), expr);
      expect(rules('otlp', file).map((r) => ({ ...r, expr: toJs(r.expr) }))).toEqual(rules('js', file));
    }
    expect(read(`${rulesDir('otlp')}/${RECORDING_FILE}`)).toContain('whatsapp_calling_operation_duration_seconds_count');
    expect(read(`${rulesDir('js')}/${RECORDING_FILE}`)).not.toContain('_seconds');
  });
});

describe('alert rules', () => {
  const alerts = rules('js', ALERTS_FILE).filter((r) => r.alert);
  const runbook = read('examples/prometheus/RUNBOOK.md');

  it('have one severity each and every annotation the on-call person needs', () => {
    expect(alerts.map((a) => a.alert)).toEqual(ALERTS.map((a) => a.name));
    for (const a of alerts) {
      expect(['critical', 'warning']).toContain(a.labels?.severity);
      for (const key of ['summary', 'description', 'remedy', 'runbook_url', 'trace_query_jaeger', 'trace_query_traceql']) {
        expect(a.annotations?.[key], `${a.alert} ${key}`).toMatch(/\S{3}/);
      }
      expect(a.annotations!.trace_query_traceql).toMatch(/^\{ .+ \}$/);
      // logfmt key=value pairs once the label placeholders are filled in
      expect(a.annotations!.trace_query_jaeger.replace(/\{\{ [^}]+ \}\}/g, 'v')).toMatch(/^[\w.]+=\S+( [\w.]+=\S+)*$/);
    }
  });

  it('link to a runbook section that exists', () => {
    const headings = [...runbook.matchAll(/^## (\S+)$/gm)].map((m) => runbookAnchor(m[1]));
    for (const a of alerts) expect(headings).toContain(a.annotations!.runbook_url.split('#')[1]);
  });

  it('fire configuration, auth and account-restriction errors at once and the rest over a window', () => {
    const byName = Object.fromEntries(alerts.map((a) => [a.alert, a]));
    for (const name of ['WhatsAppCallingConfigurationError', 'WhatsAppCallingAuthError', 'WhatsAppCallingAccountRestricted']) {
      expect(byName[name]!.for).toBeUndefined();
      expect(byName[name]!.expr).toMatch(/> 0$/);
    }
    for (const name of ['WhatsAppCallingRateLimited', 'WhatsAppCallingConnectionErrors', 'WhatsAppCallingServerErrors', 'WhatsAppCallingMediaTimeouts']) {
      expect(byName[name]!.for).toBeDefined();
      expect(byName[name]!.expr).toMatch(/ratio_rate\d+m/);
    }
  });

  it('carry the catalogue remedy of every code of their category', () => {
    const remedy = (name: string) => alerts.find((a) => a.alert === name)!.annotations!.remedy;
    for (const code of [190]) expect(remedy('WhatsAppCallingAuthError')).toContain(lookupGraphError(code)!.remedy);
    for (const code of [131055, 138000, 138013, 138015, 138018]) expect(remedy('WhatsAppCallingConfigurationError')).toContain(lookupGraphError(code)!.remedy);
    for (const code of [131044, 138014]) expect(remedy('WhatsAppCallingAccountRestricted')).toContain(lookupGraphError(code)!.remedy);
    for (const code of [138021, 138022, 138023]) expect(remedy('WhatsAppCallingMediaTimeouts')).toContain(lookupGraphError(code)!.remedy);
    for (const code of [613, 138005, 138009]) expect(remedy('WhatsAppCallingRateLimited')).toContain(lookupGraphError(code)!.remedy);
    expect(remedy('WhatsAppCallingConcurrencyHigh')).toContain(lookupGraphError(138002)!.remedy);
    expect(remedy('WhatsAppCallingServerErrors')).toContain(CATEGORY_DESCRIPTIONS.server);
  });

  it('say which media security an accept without pre_accept had', () => {
    const a = alerts.find((r) => r.alert === 'WhatsAppCallingAcceptsWithoutPreAccept')!;
    expect(a.expr).toContain('number_security:');
    expect(a.annotations!.summary).toContain('{{ $labels.whatsapp_media_security }}');
    expect(a.annotations!.description).toContain('eq $labels.whatsapp_media_security "dtls"');
    expect(a.annotations!.trace_query_traceql).toContain('span.whatsapp.media.security = "{{ $labels.whatsapp_media_security }}"');
  });

  it('each have promtool cases that fire and cases that stay silent', () => {
    for (const a of ALERTS) {
      expect(a.cases.filter((c) => c.fires?.length).length, a.name).toBeGreaterThan(0);
      expect(a.cases.filter((c) => !c.fires?.length).length, a.name).toBeGreaterThan(0);
    }
  });

  it('name only dashboard panels that exist', () => {
    const titles = (JSON.parse(read('examples/grafana/dashboards/whatsapp-calling.json')) as { panels: { title: string }[] }).panels.map((p) => p.title);
    const mentioned = [...`${runbook}\n${alerts.map((a) => a.annotations!.description).join('\n')}`.matchAll(/(?:panel|row) "([^"]+)"/g)].map((m) => m[1]);
    expect(mentioned.length).toBeGreaterThan(3);
    for (const t of mentioned) expect(titles).toContain(t);
  });
});

describe('recording rules', () => {
  it('are the same records on both variants, and every record an alert uses exists', () => {
    const records = rules('js', RECORDING_FILE).map((r) => r.record);
    expect(rules('otlp', RECORDING_FILE).map((r) => r.record)).toEqual(records);
    const used = new Set(rules('js', ALERTS_FILE).flatMap((a) => a.expr.match(/\bnumber\w*:[\w:]+/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    for (const r of used) expect(records).toContain(r);
  });
});
