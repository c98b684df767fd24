/**
 * The dashboards and rules against a real Prometheus (Debian's package) that scraped the demo's
 * traffic every second: every panel query and every recording rule returns series, every rule
 * evaluates without error, and the rules name only metrics the scrape really has.
 *
 * Two Prometheus servers scrape the same demo endpoint. One stores the JS exporter's names and loads
 * rules/. The other renames each metric to its OTLP-path name (metric_relabel_configs built from the
 * naming rules applied to the TYPE/UNIT metadata of the real scrape) and loads rules-otlp/: no Collector
 * is packaged here, so this checks the OTLP variant's queries on real data, and the names by the rules.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS } from '../monitoring/alerts';
import { dashboardPath, rulesDir } from '../monitoring/generate';
import { INSTRUMENTS, VARIANTS, jsExporterName, metricNames, otlpName } from '../monitoring/metric-names';
import type { Instrument, Variant } from '../monitoring/metric-names';
import { ALERTS_FILE, RECORDING_FILE } from '../monitoring/rule-files';
import {
  api,
  countersSettled,
  freePort,
  matchesJaegerTags,
  matchesTraceql,
  promType,
  query,
  startOtlpReceiver,
  startPrometheus,
  stopPrometheus,
  until,
} from './monitoring-support';
import type { OtlpReceiver, PrometheusServer } from './monitoring-support';

const root = path.resolve(__dirname, '..');
const DEMO = path.join(root, 'examples/demo/index.mjs');
/** Metrics the rules and dashboards use: the demo's traffic must produce them. */
const USED = [
  'operationDuration',
  'errors',
  'callsActive',
  'callsActiveLimit',
  'calls',
  'quotaPairUsageMax',
  'quotaPairLimit',
  'quotaExhaustedPairs',
  'quotaInitiations',
  'quotaInitiationsLimit',
  'mediaTimeouts',
  'acceptsWithoutPreAccept',
] as const;

interface Demo {
  prometheusUrl: string;
  problems: string[];
  close(): Promise<void>;
}

let scratch: string;
let demo: Demo | undefined;
let otlp: OtlpReceiver | undefined;
let scrapeText = '';
/** The demo's printed output, shown when a query finds nothing (e.g. a skipped SIP leg). */
let demoOutput = '';
const servers: Partial<Record<Variant, PrometheusServer>> = {};

/** metric_relabel_configs giving each metric (and its histogram series) its OTLP-path name. */
function otlpRenames(): object[] {
  return Object.values(INSTRUMENTS).flatMap((i: Instrument) => {
    const from = jsExporterName(i);
    const to = otlpName(i);
    if (from === to) return [];
    const suffix = i.type === 'histogram' ? '(_bucket|_sum|_count)' : '()';
    return [{ source_labels: ['__name__'], regex: `${from}${suffix}`, target_label: '__name__', replacement: `${to}$1` }];
  });
}

function prometheusFor(variant: Variant, target: string): Promise<PrometheusServer> {
  return startPrometheus(fs.mkdtempSync(path.join(scratch, `${variant}-`)), {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [RECORDING_FILE, ALERTS_FILE].map((f) => path.join(root, rulesDir(variant), f)),
    scrape_configs: [{ job_name: 'demo', static_configs: [{ targets: [target] }], ...(variant === 'otlp' ? { metric_relabel_configs: otlpRenames() } : {}) }],
  });
}

beforeAll(async () => {
  if (spawnSync('prometheus', ['--version']).status !== 0) throw new Error('prometheus is not installed: .ci/run installs it (apt-get install prometheus)');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'monitoring-prom-'));
  // Prometheus first, so it scrapes while the demo's traffic runs (rates are then not all zero).
  const port = await freePort();
  for (const v of VARIANTS) servers[v] = await prometheusFor(v, `127.0.0.1:${port}`);
  otlp = await startOtlpReceiver();
  const { runDemo } = (await import(DEMO)) as { runDemo: (o: object) => Promise<Demo> };
  const sink = new Writable({
    write: (chunk, _e, done) => {
      if (demoOutput.length < 200_000) demoOutput += String(chunk);
      done();
    },
  });
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'demo-contact-centre' };
  // Paced so the generated traffic (every kind twice first) spans several 1 s scrapes: ratio alerts need
  // counters that moved after Prometheus first saw them.
  demo = await runDemo({ calls: 40, rate: 8, prometheusPort: port, out: sink, env });
  const done = await countersSettled(demo.prometheusUrl);
  scrapeText = await (await fetch(demo.prometheusUrl)).text();
  // A few scrapes and rule evaluations after the last counter moved, on both servers.
  for (const v of VARIANTS) {
    await until(`scrapes after the demo (${v})`, async () => {
      const [up] = await query(servers[v]!, 'timestamp(up{job="demo"} == 1)');
      const [rec] = await query(servers[v]!, 'timestamp(number:whatsapp_calling_calls_active:ratio_limit)');
      return Number(up?.value[1]) > done + 3 && Number(rec?.value[1]) > done + 3;
    });
  }
  // The OTLP exports: metrics every 5 s, spans in batches every second; wait until spans stop coming.
  await until('OTLP metrics from the demo', async () => otlp!.metrics.has(INSTRUMENTS.operationDuration.otelName));
  let seen = -1;
  await until('the last OTLP span batches', async () => {
    const settled = otlp!.spans.length === seen;
    seen = otlp!.spans.length;
    if (!settled) await new Promise((r) => setTimeout(r, 1_500));
    return settled;
  });
}, 240_000);

afterAll(async () => {
  await demo?.close().catch(() => {});
  await otlp?.close();
  for (const s of Object.values(servers)) await stopPrometheus(s);
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const diagnosis = () =>
  `demo problems: ${JSON.stringify(demo?.problems)}\ndemo output:\n${demoOutput
    .split('\n')
    .filter((l) => /SIP|✗|skipped/.test(l))
    .join('\n')}`;

/** Grafana's variables as a query test would see them: every number, 1-minute rates, a 5-minute range. */
const concrete = (expr: string) => expr.replaceAll('$phone_number_id', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m');

describe('the scrape of the demo (JS Prometheus exporter)', () => {
  it('has every metric under its JS exporter name, with the type and unit the OTLP names are derived from', () => {
    const types = new Map([...scrapeText.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    const units = new Map([...scrapeText.matchAll(/^# UNIT (\S+) (.+)$/gm)].map((m) => [m[1], m[2]]));
    for (const key of USED) expect(types.has(jsExporterName(INSTRUMENTS[key])), key).toBe(true);
    // Every metric present (some need traffic the demo does not make, e.g. a shared call store).
    for (const i of Object.values(INSTRUMENTS).filter((x: Instrument) => types.has(jsExporterName(x)))) {
      const name = jsExporterName(i);
      expect(types.get(name), name).toBe(i.type);
      expect(units.get(name), name).toBe(i.unit);
    }
  });

  it('has target_info, which the fire-at-once error rule joins on', () => {
    expect(scrapeText).toMatch(/^target_info\{/m);
  });
});

describe('the same metrics over OTLP (what a Collector or a Prometheus OTLP receiver gets)', () => {
  it("get the OTLP variant's names from the OpenTelemetry → Prometheus naming rules", () => {
    const names = metricNames('otlp');
    for (const key of USED) {
      const m = otlp!.metrics.get(INSTRUMENTS[key].otelName);
      expect(m, key).toBeDefined();
      expect(otlpName({ otelName: m!.name, unit: m!.unit ?? '', type: promType(m!)! }), key).toBe(names[key]);
    }
  });
});

/** Alerts about things the demo does not do (no Graph 10 / 2xx permission error, no SIP 503). */
const NOT_IN_DEMO = new Set(['WhatsAppCallingAppPermissionError', 'WhatsAppCallingSip503Burst']);

describe("the alerts' trace queries", () => {
  it("find the affected calls among the demo's exported spans, in Jaeger tags and in TraceQL", async () => {
    const js = metricNames('js');
    const unmatched: string[] = [];
    for (const a of ALERTS) {
      // The alert's series with its thresholds taken out: the label sets it would fire with.
      const labelSets = (await query(servers.js!, a.expr(js).replace(/(>=|>)\s*[0-9.]+/g, '>= -Inf'))).map((r) => r.metric);
      const found = labelSets.some((labels) => {
        const jaeger = a.trace.jaeger.render({ labels, value: 0 });
        const traceql = a.trace.traceql.render({ labels, value: 0 });
        return otlp!.spans.some((span) => matchesTraceql(span, traceql) && matchesJaegerTags(span, jaeger));
      });
      if (!found) unmatched.push(a.name);
    }
    expect(
      unmatched.filter((name) => !NOT_IN_DEMO.has(name)),
      diagnosis(),
    ).toEqual([]);
  });
});

describe.each(VARIANTS)('the %s rules and dashboard on a real Prometheus', (variant) => {
  const server = () => servers[variant]!;
  const ruleFile = (f: string) =>
    (
      parse(fs.readFileSync(path.join(root, rulesDir(variant), f), 'utf8')) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] }
    ).groups.flatMap((g) => g.rules);

  it('gets series for every dashboard panel query', async () => {
    const d = JSON.parse(fs.readFileSync(path.join(root, dashboardPath(variant)), 'utf8')) as {
      panels: { title: string; targets?: { refId: string; expr: string }[] }[];
    };
    const empty: string[] = [];
    for (const p of d.panels) {
      for (const t of p.targets ?? []) if ((await query(server(), concrete(t.expr))).length === 0) empty.push(`${p.title} ${t.refId}: ${t.expr}`);
    }
    expect(empty, diagnosis()).toEqual([]);
  });

  it('gets series for every recording rule', async () => {
    const empty: string[] = [];
    for (const r of ruleFile(RECORDING_FILE)) if ((await query(server(), r.record!)).length === 0) empty.push(r.record!);
    expect(empty, diagnosis()).toEqual([]);
  });

  it('evaluates every recording and alerting rule without error', async () => {
    const data = await api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>(server(), '/api/v1/rules');
    const rules = data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(ruleFile(RECORDING_FILE).length + ruleFile(ALERTS_FILE).length);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });

  it('names only metrics the scrape has, in every rule expression', async () => {
    const names = new Set(await api<string[]>(server(), '/api/v1/label/__name__/values'));
    const used = new Set(
      [...ruleFile(RECORDING_FILE), ...ruleFile(ALERTS_FILE)].flatMap((r) => r.expr.match(/(?<![:\w])(?:whatsapp_calling_\w+|target_info)\b/g) ?? []),
    );
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
    expect(used.size).toBeGreaterThan(8);
  });
});
