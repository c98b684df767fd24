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
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboardPath, rulesDir } from '../monitoring/generate';
import { INSTRUMENTS, VARIANTS, jsExporterName, otlpName } from '../monitoring/metric-names';
import type { Instrument, Variant } from '../monitoring/metric-names';
import { ALERTS_FILE, RECORDING_FILE } from '../monitoring/rule-files';

const root = path.resolve(__dirname, '..');
const DEMO = path.join(root, 'examples/demo/index.mjs');
/** Metrics the rules and dashboards use: the demo's traffic must produce them. */
const USED = ['operationDuration', 'errors', 'callsActive', 'callsActiveLimit', 'calls', 'quotaPairUsageMax', 'quotaPairLimit', 'quotaExhaustedPairs', 'quotaInitiations', 'quotaInitiationsLimit', 'mediaTimeouts', 'acceptsWithoutPreAccept'] as const;

interface Demo {
  prometheusUrl: string;
  close(): Promise<void>;
}
interface Server {
  url: string;
  child: ChildProcess;
}
interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

let scratch: string;
let demo: Demo | undefined;
let scrapeText = '';
const servers: Partial<Record<Variant, Server>> = {};

const freePort = async () => {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
};

async function api<T>(server: Server, p: string): Promise<T> {
  const body = (await (await fetch(`${server.url}${p}`)).json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${p}: ${body.error}`);
  return body.data;
}
const query = (server: Server, expr: string) => api<{ result: QueryResult[] }>(server, `/api/v1/query?query=${encodeURIComponent(expr)}`).then((d) => d.result);

/** Polls `check` every 250 ms until it is true or the deadline passes. */
async function until(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

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

async function startPrometheus(variant: Variant, target: string): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(scratch, `${variant}-`));
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [RECORDING_FILE, ALERTS_FILE].map((f) => path.join(root, rulesDir(variant), f)),
    scrape_configs: [{ job_name: 'demo', static_configs: [{ targets: [target] }], ...(variant === 'otlp' ? { metric_relabel_configs: otlpRenames() } : {}) }],
  };
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const child = spawn('prometheus', [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const server = { url: `http://127.0.0.1:${port}`, child };
  await until(`Prometheus (${variant}) to start`, async () => (await fetch(`${server.url}/-/ready`)).ok);
  return server;
}

beforeAll(async () => {
  if (spawnSync('prometheus', ['--version']).status !== 0) throw new Error('prometheus is not installed: .ci/run installs it (apt-get install prometheus)');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'monitoring-prom-'));
  // Prometheus first, so it scrapes while the demo's traffic runs (rates are then not all zero).
  const port = await freePort();
  for (const v of VARIANTS) servers[v] = await startPrometheus(v, `127.0.0.1:${port}`);
  const { runDemo } = (await import(DEMO)) as { runDemo(o: object): Promise<Demo> };
  const sink = new Writable({ write: (_c, _e, done) => done() });
  demo = await runDemo({ calls: 40, prometheusPort: port, out: sink });
  scrapeText = await (await fetch(demo.prometheusUrl)).text();
  const done = Date.now() / 1000;
  // A few scrapes and rule evaluations after the traffic ended, on both servers.
  for (const v of VARIANTS) {
    await until(`scrapes after the demo (${v})`, async () => {
      const [up] = await query(servers[v]!, 'timestamp(up{job="demo"} == 1)');
      const [rec] = await query(servers[v]!, 'timestamp(number:whatsapp_calling_calls_active:ratio_limit)');
      return Number(up?.value[1]) > done + 3 && Number(rec?.value[1]) > done + 3;
    });
  }
}, 240_000);

afterAll(async () => {
  await demo?.close().catch(() => {});
  for (const s of Object.values(servers)) {
    s.child.kill('SIGTERM');
    const exited = await new Promise((r) => {
      s.child.once('exit', () => r(true));
      setTimeout(() => r(false), 5_000);
    });
    if (!exited) s.child.kill('SIGKILL');
  }
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

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

describe.each(VARIANTS)('the %s rules and dashboard on a real Prometheus', (variant) => {
  const server = () => servers[variant]!;
  const ruleFile = (f: string) => (parse(fs.readFileSync(path.join(root, rulesDir(variant), f), 'utf8')) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);

  it('gets series for every dashboard panel query', async () => {
    const d = JSON.parse(fs.readFileSync(path.join(root, dashboardPath(variant)), 'utf8')) as { panels: { title: string; targets?: { refId: string; expr: string }[] }[] };
    const empty: string[] = [];
    for (const p of d.panels) {
      for (const t of p.targets ?? []) if ((await query(server(), concrete(t.expr))).length === 0) empty.push(`${p.title} ${t.refId}: ${t.expr}`);
    }
    expect(empty).toEqual([]);
  });

  it('gets series for every recording rule', async () => {
    const empty: string[] = [];
    for (const r of ruleFile(RECORDING_FILE)) if ((await query(server(), r.record!)).length === 0) empty.push(r.record!);
    expect(empty).toEqual([]);
  });

  it('evaluates every recording and alerting rule without error', async () => {
    const data = await api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>(server(), '/api/v1/rules');
    const rules = data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(ruleFile(RECORDING_FILE).length + ruleFile(ALERTS_FILE).length);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });

  it('names only metrics the scrape has, in every rule expression', async () => {
    const names = new Set(await api<string[]>(server(), '/api/v1/label/__name__/values'));
    const used = new Set([...ruleFile(RECORDING_FILE), ...ruleFile(ALERTS_FILE)].flatMap((r) => r.expr.match(/(?<![:\w])(?:whatsapp_calling_\w+|target_info)\b/g) ?? []));
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
    expect(used.size).toBeGreaterThan(8);
  });
});
