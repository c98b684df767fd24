/**
 * examples/grafana/: what grafana/otel-lgtm would load. The dashboard provider points at the folder the
 * dashboard is mounted into; the dashboard is the OTLP-name variant, its data sources are the ones the
 * image provisions, and every recording rule it queries is loaded by this stack's Prometheus; that
 * Prometheus config replaces the image's and loads rules-otlp (checked by promtool).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { metricNames } from '../monitoring/metric-names';
import { environmentOf, hostPathOf, mounts, readCompose, readYaml, rel } from './examples-support';

const COMPOSE = rel('examples/grafana/compose.yaml');
const PROVIDER = rel('examples/grafana/provisioning/whatsapp-calling-dashboards.yaml');
const PROMETHEUS = rel('examples/grafana/prometheus.yaml');
const DASHBOARD = rel('examples/grafana/dashboards/whatsapp-calling-otlp.json');
const RULES_OTLP = rel('examples/prometheus/rules-otlp');

/** Fixed by the image (grafana/docker-otel-lgtm docker/Dockerfile, run-prometheus.sh, grafana-datasources.yaml). */
const LGTM = {
  grafanaDashboardProviders: '/otel-lgtm/grafana/conf/provisioning/dashboards',
  prometheusConfig: '/otel-lgtm/prometheus.yaml', // run-prometheus.sh: --config.file=./prometheus.yaml, cwd /otel-lgtm
  datasourceUids: { prometheus: 'prometheus', tempo: 'tempo', loki: 'loki' } as Record<string, string>,
};

const lgtm = () => readCompose(COMPOSE).services.lgtm;
/** The dashboard file(s) mounted into the provider's folder: what Grafana would really load. */
function provisionedDashboards(): string[] {
  const folder = readYaml(PROVIDER).providers[0].options.path;
  return mounts(COMPOSE, lgtm())
    .filter((m) => m.bind && path.dirname(m.target) === folder)
    .map((m) => m.source);
}
const dashboard = () => {
  const files = provisionedDashboards();
  expect(files).toHaveLength(1);
  return JSON.parse(fs.readFileSync(files[0], 'utf8'));
};

/** Every value of `key` anywhere in a JSON tree. */
function collect(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) node.forEach((n) => collect(n, key, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
  return out;
}

/** Metric names and recording-rule names referenced by PromQL expressions. */
const seriesIn = (expr: string) => [...expr.matchAll(/\b([a-z_]+:[a-z0-9_:]+|whatsapp_calling_[a-z0-9_]+)\b/g)].map((m) => m[1]);

function loadedRules(): { records: string[]; alerts: string[] } {
  const records: string[] = [];
  const alerts: string[] = [];
  for (const f of fs.readdirSync(RULES_OTLP).filter((n) => /\.ya?ml$/.test(n))) {
    for (const g of readYaml(path.join(RULES_OTLP, f)).groups) {
      for (const r of g.rules) {
        if (r.record) records.push(r.record);
        if (r.alert) alerts.push(r.alert);
      }
    }
  }
  return { records, alerts };
}

describe('examples/grafana: dashboard provisioning', () => {
  it("mounts the provider next to the image's own and points it at the folder the dashboard is mounted into", () => {
    const providerMount = mounts(COMPOSE, lgtm()).find((m) => m.source === PROVIDER)!;
    expect(path.dirname(providerMount.target)).toBe(LGTM.grafanaDashboardProviders);
    expect(path.basename(providerMount.target)).not.toBe('grafana-dashboards.yaml'); // the image's file stays
    const provider = readYaml(PROVIDER);
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers).toHaveLength(1);
    const [p] = provider.providers;
    expect(p.type).toBe('file');
    expect(provisionedDashboards()).toEqual([DASHBOARD]);
    expect(hostPathOf(COMPOSE, lgtm(), p.options.path)).toBeUndefined(); // only the file is mounted, not a folder with other JSON
  });

  it('makes the mounted dashboard the home dashboard', () => {
    expect(hostPathOf(COMPOSE, lgtm(), environmentOf(lgtm()).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)).toBe(DASHBOARD);
  });

  it('mounts the OTLP-name dashboard: it queries OTLP-path metric names (none JS-exporter-only) and rules this stack loads', () => {
    const d = dashboard();
    expect(d.uid).toBe('whatsapp-calling-otlp');
    expect(d.__inputs).toBeUndefined(); // file provisioning does not resolve import-time inputs
    const otlp = new Set(Object.values(metricNames('otlp')).flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]));
    const records = new Set(loadedRules().records);
    const exprs = [...collect(d.panels, 'expr'), ...collect(d.templating, 'query').map((q: any) => (typeof q === 'string' ? q : q?.query))].filter(
      (e): e is string => typeof e === 'string',
    );
    const series = exprs.flatMap(seriesIn);
    expect(series.length).toBeGreaterThan(0);
    for (const s of series) expect(s.includes(':') ? records : otlp, s).toContain(s);
    expect(series.some((m) => m.includes('_seconds_'))).toBe(true);
  });

  it('uses the data sources otel-lgtm provisions (by uid, or a data-source variable of that type)', () => {
    const d = dashboard();
    const variables = new Map<string, any>((d.templating?.list ?? []).map((v: any) => [v.name, v]));
    const refs = collect(d, 'datasource').filter((r): r is { type: string; uid: string } => typeof r === 'object' && r !== null);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      if (ref.type === 'grafana') continue; // built-in annotations
      const variable = /^\$\{?(\w+)\}?$/.exec(ref.uid)?.[1];
      if (variable) {
        const v = variables.get(variable);
        expect([v?.type, v?.query], ref.uid).toEqual(['datasource', ref.type]);
      } else expect(ref.uid, JSON.stringify(ref)).toBe(LGTM.datasourceUids[ref.type]);
      expect(Object.keys(LGTM.datasourceUids)).toContain(ref.type);
    }
  });
});

describe('examples/grafana/prometheus.yaml', () => {
  it("replaces the image's Prometheus config and loads the rules from the mounted rules-otlp folder", () => {
    expect(hostPathOf(COMPOSE, lgtm(), LGTM.prometheusConfig)).toBe(PROMETHEUS);
    const globs: string[] = readYaml(PROMETHEUS).rule_files;
    expect(new Set(globs.map((g) => hostPathOf(COMPOSE, lgtm(), path.dirname(g))))).toEqual(new Set([RULES_OTLP]));
  });

  it("keeps the OTLP receiver's suffixed naming and the out-of-order window OTLP pushes need", () => {
    const cfg = readYaml(PROMETHEUS);
    expect(cfg.otlp.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    expect(cfg.otlp.promote_resource_attributes).toContain('service.name');
    expect(cfg.storage.tsdb.out_of_order_time_window).toMatch(/^\d+m$/);
    expect(cfg.scrape_configs ?? []).toEqual([]); // metrics arrive over OTLP; scraping the demo too would double-count counters
  });

  it('passes promtool check config and loads every alert rule of rules-otlp', () => {
    const cfg = readYaml(PROMETHEUS);
    // promtool here is 2.42; these two settings came with Prometheus 3 (the image runs 3.x) and are
    // checked above instead. The rule globs become the repo paths they are mounted from.
    delete cfg.otlp;
    delete cfg.global.scrape_native_histograms;
    cfg.rule_files = (cfg.rule_files as string[]).map((g) => path.join(hostPathOf(COMPOSE, lgtm(), path.dirname(g))!, path.basename(g)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgtm-prom-'));
    try {
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(cfg));
      const out = execFileSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { timeout: 20_000 }).toString();
      expect(out).not.toContain('FAILED');
      const found = Number(/SUCCESS: (\d+) rule files found/.exec(out)?.[1]);
      expect(found).toBe(fs.readdirSync(RULES_OTLP).filter((n) => /\.ya?ml$/.test(n)).length);
      const rulesFound = [...out.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      const { records, alerts } = loadedRules();
      expect(rulesFound).toBe(records.length + alerts.length);
      expect(alerts.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
