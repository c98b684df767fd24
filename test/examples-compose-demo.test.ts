/**
 * The demo service of each compose file, run for real: its command line (`node examples/demo.mjs …`)
 * and environment as the file has them, with the other service's address swapped for a loopback OTLP
 * receiver and the Prometheus host for 127.0.0.1. Traces (and, where the file sends them, metrics)
 * must arrive under the file's service name; the served Prometheus endpoint must answer; SIGTERM (what
 * `docker compose down` sends) must end it cleanly.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, demoArgs, environmentOf, readCompose, rel } from './examples-support';

interface Export {
  path: string;
  serviceNames: string[];
  spans: { name: string; attributes: Record<string, unknown> }[];
  metricNames: string[];
}

/** OTLP/HTTP JSON receiver recording what each export carried (what Jaeger or the Collector would get). */
async function startReceiver() {
  const exports: Export[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = JSON.parse(body || '{}');
      const resources = [...(json.resourceSpans ?? []), ...(json.resourceMetrics ?? [])];
      exports.push({
        path: req.url ?? '',
        serviceNames: resources.map((r: any) => r.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue),
        spans: (json.resourceSpans ?? []).flatMap((r: any) =>
          r.scopeSpans.flatMap((s: any) =>
            s.spans.map((sp: any) => ({
              name: sp.name,
              attributes: Object.fromEntries((sp.attributes ?? []).map((a: any) => [a.key, Object.values(a.value)[0]])),
            })),
          ),
        ),
        metricNames: (json.resourceMetrics ?? []).flatMap((r: any) => r.scopeMetrics.flatMap((s: any) => s.metrics.map((m: any) => m.name))),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, exports, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
  metricsText: string;
}

/** A call span's call ID: the WhatsApp one, or the SIP Call-ID; '' when it has neither. */
function callIdOf(s: Export['spans'][number]): string {
  const id = s.attributes['whatsapp.call.id'] ?? s.attributes['sip.call_id'];
  return typeof id === 'string' ? id : '';
}

/** Starts the demo as the compose file would, waits until it serves, scrapes it, then sends SIGTERM. */
function runComposeDemo(file: string): Promise<DemoRun> {
  const service = readCompose(rel(file)).services.demo;
  const env = environmentOf(service);
  for (const [k, v] of Object.entries(env)) if (/^OTEL_EXPORTER_OTLP_(\w+_)?ENDPOINT$/.test(k)) env[k] = v.replace(/^http:\/\/[^/]+/, receiver.origin);
  env.DEMO_PROMETHEUS_HOST = '127.0.0.1'; // tests bind loopback only; the file's 0.0.0.0 is checked in examples-compose.test.ts
  const args = demoArgs(service)!;
  const calls = args.indexOf('--calls');
  if (calls >= 0) args[calls + 1] = '20'; // the file's count, scaled down; the rest of the command line as written
  // Port 0: no clash with a real 9464 here. --no-sip: the node image has no sipp, so the container skips it too.
  args.push('--prometheus-port', '0', '--no-sip');

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/demo.mjs', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    let metricsText = '';
    let scraping = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stderr.on('data', (c) => (stderr += c));
    const scrapeThenStop = async (url: string) => {
      try {
        metricsText = await (await fetch(url)).text();
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
      child.kill('SIGTERM');
    };
    child.stdout.on('data', (c) => {
      stdout += c;
      const url = /Serving (http:\/\/127\.0\.0\.1:\d+\/metrics) until/.exec(stdout)?.[1];
      if (!url || scraping) return;
      scraping = true;
      void scrapeThenStop(url);
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, metricsText });
    });
  });
}

const FILES = [
  { file: 'examples/jaeger/compose.yaml', sendsMetrics: false },
  { file: 'examples/grafana/compose.yaml', sendsMetrics: true },
  { file: 'examples/collector/compose.yaml', sendsMetrics: true },
];

describe.each(FILES)('$file demo service, run with its command line and environment', ({ file, sendsMetrics }) => {
  let run: DemoRun;
  let exports: Export[];
  beforeAll(async () => {
    receiver.exports.length = 0;
    run = await runComposeDemo(file);
    exports = [...receiver.exports];
  }, 120_000);

  it('serves Prometheus metrics until SIGTERM, then exits cleanly', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.metricsText).toMatch(/^whatsapp_calling_calls_total\{/m);
  });

  it("exports traces under the file's OTEL_SERVICE_NAME, with call spans carrying call IDs and error categories", () => {
    const traces = exports.filter((e) => e.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const serviceName = environmentOf(readCompose(rel(file)).services.demo).OTEL_SERVICE_NAME;
    expect(new Set(traces.flatMap((e) => e.serviceNames))).toEqual(new Set([serviceName]));
    const callSpans = traces.flatMap((e) => e.spans).filter((s) => s.name === 'whatsapp call');
    expect(callSpans.length).toBeGreaterThan(0);
    expect(callSpans.every((s) => callIdOf(s).length > 0)).toBe(true);
    // The categories the READMEs use as examples occur in what the demo exports.
    const categories = new Set(traces.flatMap((e) => e.spans).map((s) => s.attributes['whatsapp.error.category']));
    for (const c of ['media_timeout', 'permission', 'concurrency_limit']) expect(categories, c).toContain(c);
  });

  it(sendsMetrics ? 'exports the WhatsApp metrics over OTLP too' : 'sends no metrics (Jaeger has no metrics endpoint)', () => {
    const metrics = exports.filter((e) => e.path === '/v1/metrics');
    if (!sendsMetrics) {
      expect(metrics).toEqual([]);
      return;
    }
    const names = new Set(metrics.flatMap((e) => e.metricNames));
    expect(names).toContain('whatsapp.calling.calls');
    expect(names).toContain('whatsapp.calling.operation.duration');
    expect(exports.every((e) => ['/v1/traces', '/v1/metrics'].includes(e.path))).toBe(true);
  });
});
