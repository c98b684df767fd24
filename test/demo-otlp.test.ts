/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, the same demo run also sends its traces and metrics over
 * OTLP/HTTP: here to a loopback receiver standing in for Jaeger, the LGTM image or a Collector.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printedRows, runCli } from './demo-support';
import type { CliRun } from './demo-support';

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: KeyValue[];
}
interface Received {
  path: string;
  contentType: string;
  body: any;
}

const attr = (kvs: KeyValue[] | undefined, key: string) => {
  const v = kvs?.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue);
};

/** OTLP/HTTP receiver for /v1/traces and /v1/metrics, JSON encoding (gzip accepted). */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = zlib.gunzipSync(raw);
      const contentType = String(req.headers['content-type'] ?? '');
      received.push({ path: req.url ?? '', contentType, body: contentType.includes('json') ? JSON.parse(raw.toString('utf8')) : undefined });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('the demo with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let run: CliRun;
  let spans: OtlpSpan[];
  let serviceNames: Set<unknown>;
  beforeAll(async () => {
    receiver = await startReceiver();
    // PATH without sipp: the SIP leg is skipped (and says why), the rest runs as usual. A directory
    // holding only this node (its own directory may be /usr/bin, next to sipp).
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-node-only-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    run = await runCli(['--prometheus-port', '0'], {
      env: {
        PATH: bin,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'contact-centre-under-test',
      },
    });
    const traces = receiver.received.filter((r) => r.path === '/v1/traces');
    spans = traces.flatMap((t) => t.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
    serviceNames = new Set(traces.flatMap((t) => t.body.resourceSpans.map((rs: any) => attr(rs.resource.attributes, 'service.name'))));
  }, 90_000);
  afterAll(() => receiver?.close());

  it('runs as usual, skipping the SIP leg when sipp is not on PATH, and says where the data went', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}- SIP leg +skipped: sipp is not installed \(Debian\/Ubuntu: apt-get install sip-tester\)$/m);
    expect(run.stdout).toContain('service "contact-centre-under-test"');
    expect(run.stdout).toContain(`spans    → the call log above (in memory, rows only) and OTLP ${receiver.url}/v1/traces`);
    expect(run.stdout).toMatch(new RegExp(`metrics {2}→ Prometheus http://127\\.0\\.0\\.1:\\d+/metrics .* and OTLP ${receiver.url}/v1/metrics`));
  });

  it('sends only OTLP/HTTP JSON to /v1/traces and /v1/metrics', () => {
    expect(receiver.received.length).toBeGreaterThan(0);
    for (const r of receiver.received) {
      expect(['/v1/traces', '/v1/metrics']).toContain(r.path);
      expect(r.contentType).toContain('application/json');
    }
  });

  it('exports the `whatsapp call` spans the call log was built from, each with its whatsapp.call.id', () => {
    expect(serviceNames).toEqual(new Set(['contact-centre-under-test']));
    const calls = spans.filter((s) => s.name === 'whatsapp call');
    const rowsWithCallId = printedRows(run.stdout).filter((r) => /wacid\./.test(r.line));
    expect(calls.length).toBe(rowsWithCallId.length);
    expect(calls.every((s) => String(attr(s.attributes, 'whatsapp.call.id')).startsWith('wacid.'))).toBe(true);
    const categories = new Set(spans.map((s) => attr(s.attributes, 'whatsapp.error.category')));
    for (const c of ['media_timeout', 'concurrency_limit', 'daily_quota', 'permission', 'connection']) expect(categories, c).toContain(c);
  });

  it('puts each business-initiated request in the trace of the scenario that made it', () => {
    const scenario = spans.find((s) => s.name === 'demo scenario: completed BI call');
    expect(scenario).toBeDefined();
    const connect = spans.find((s) => s.name === 'whatsapp calls.connect' && s.traceId === scenario!.traceId);
    expect(connect?.parentSpanId).toBe(scenario!.spanId);
  });

  it("exports the whatsapp.calling.* metrics, with the run's counts in the last export", () => {
    const exports = receiver.received.filter((r) => r.path === '/v1/metrics');
    expect(exports.length).toBeGreaterThan(0);
    const metricsOf = (e: Received) => e.body.resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics));
    const names = new Set(exports.flatMap((e) => metricsOf(e).map((m: any) => m.name)));
    for (const n of [
      'whatsapp.calling.calls',
      'whatsapp.calling.errors',
      'whatsapp.calling.media_timeouts',
      'whatsapp.calling.operation.duration',
      'whatsapp.calling.calls.active.limit',
    ]) {
      expect(names, n).toContain(n);
    }
    const lastErrors = exports
      .map((e) => metricsOf(e).find((m: any) => m.name === 'whatsapp.calling.errors'))
      .filter(Boolean)
      .pop();
    const points = lastErrors.sum.dataPoints as { attributes: KeyValue[]; asInt?: string | number }[];
    const concurrency = points.filter((p) => attr(p.attributes, 'whatsapp.error.category') === 'concurrency_limit');
    expect(concurrency.reduce((a, p) => a + Number(p.asInt ?? 0), 0)).toBe(1);
  });
});
