/**
 * Helpers for the real-Prometheus monitoring test: a Prometheus child process per name variant, its
 * HTTP API, an OTLP/HTTP (JSON) receiver for the demo's spans and metrics, and evaluators for the
 * two trace-query forms the alerts carry (Jaeger tags, the TraceQL subset they use).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

export const freePort = async () => {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
};

/** Polls `check` every 250 ms until it is true, or throws when the deadline passes. */
export async function until(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until the app's counters stop moving for `quietMs` (calls end after their settle time, after
 * the traffic itself), and returns when that quiet period began (epoch seconds).
 */
export async function countersSettled(metricsUrl: string, quietMs = 3_000): Promise<number> {
  const counters = async () =>
    (await (await fetch(metricsUrl)).text())
      .split('\n')
      .filter((l) => /^whatsapp_calling_\w+(_total|_count)\{/.test(l))
      .join('\n');
  let last = await counters();
  let since = Date.now();
  await until("the demo's counters to settle", async () => {
    const now = await counters();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= quietMs;
  });
  return since / 1000;
}

export interface PrometheusServer {
  url: string;
  child: ChildProcess;
}
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Starts Debian's prometheus on a free loopback port with `config` (JSON is YAML), data in `dir`. */
export async function startPrometheus(dir: string, config: object): Promise<PrometheusServer> {
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const child = spawn('prometheus', [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  const server = { url: `http://127.0.0.1:${port}`, child };
  await until('Prometheus to be ready', async () => (await fetch(`${server.url}/-/ready`)).ok);
  return server;
}

export async function stopPrometheus(s: PrometheusServer) {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', () => r(true)));
  s.child.kill('SIGTERM');
  if (!(await Promise.race([exited, new Promise((r) => setTimeout(() => r(false), 5_000))]))) s.child.kill('SIGKILL');
}

export async function api<T>(server: PrometheusServer, p: string): Promise<T> {
  const body = (await (await fetch(`${server.url}${p}`)).json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${p}: ${body.error}`);
  return body.data;
}

export const query = (server: PrometheusServer, expr: string) =>
  api<{ result: Sample[] }>(server, `/api/v1/query?query=${encodeURIComponent(expr)}`).then((d) => d.result);

export interface OtlpSpan {
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}
export interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { isMonotonic?: boolean };
  gauge?: object;
  histogram?: object;
}
export interface OtlpReceiver {
  url: string;
  spans: OtlpSpan[];
  metrics: Map<string, OtlpMetric>;
  close(): Promise<void>;
}

/** What an OTLP/HTTP backend (a Collector, Jaeger, Tempo) receives from the demo: JSON traces and metrics. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: OtlpSpan[] = [];
  const metrics = new Map<string, OtlpMetric>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = body ? JSON.parse(body) : {};
      for (const rs of json.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...ss.spans);
      for (const rm of json.resourceMetrics ?? []) for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) metrics.set(m.name, m);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    spans,
    metrics,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The Prometheus type an OTLP metric maps to: monotonic sums are counters, other sums gauges. */
export function promType(m: OtlpMetric): 'counter' | 'gauge' | 'histogram' | undefined {
  if (m.histogram) return 'histogram';
  if (m.sum) return m.sum.isMonotonic ? 'counter' : 'gauge';
  return m.gauge ? 'gauge' : undefined;
}

const attr = (s: OtlpSpan, key: string): unknown => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

/** A scalar attribute value as Jaeger shows it in a tag; undefined for anything else. */
const tagText = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** Jaeger's tag search: every `key=value` pair equals a tag of the span (compared as text). */
export function matchesJaegerTags(span: OtlpSpan, tags: string): boolean {
  return tags.split(' ').every((pair) => {
    const i = pair.indexOf('=');
    const v = tagText(attr(span, pair.slice(0, i)));
    return v !== undefined && v === pair.slice(i + 1);
  });
}

/** The TraceQL the alerts use: `{ a && b }` with `name = "…"` and `span.<attr> = "text" | 123 | true`. */
export function matchesTraceql(span: OtlpSpan, q: string): boolean {
  const inner = /^\{ (.+) \}$/.exec(q);
  if (!inner) throw new Error(`not a TraceQL span set: ${q}`);
  return inner[1].split(' && ').every((cond) => {
    const m = /^(name|span\.[\w.]+) = (".*"|-?\d+|true|false)$/.exec(cond);
    if (!m) throw new Error(`unsupported TraceQL condition: ${cond}`);
    const [, field, literal] = m as unknown as [string, string, string];
    const actual = field === 'name' ? span.name : attr(span, field.slice('span.'.length));
    if (literal.startsWith('"')) return actual === JSON.parse(literal);
    if (literal === 'true' || literal === 'false') return actual === (literal === 'true');
    return actual !== undefined && Number(actual) === Number(literal);
  });
}
