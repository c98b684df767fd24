/**
 * A real Prometheus (Debian's package, installed by .ci/run) scrapes the OpenTelemetry Prometheus
 * exporter while calls run through the sandbox: the series exist under the names the README documents.
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { send } from './helpers/clients';
import { createHarness } from './helpers/otel-harness';

const PHONE = '106540352242922';
const harness = createHarness({ callSettleMs: 0 });
let sb: Sandbox;
let metricsServer: http.Server;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let dir: string;

const freePort = async () => {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
};
const api = async (p: string) => (await (await fetch(`${promUrl}${p}`)).json()) as { data: unknown };

beforeAll(async () => {
  if (spawnSync('prometheus', ['--version']).status !== 0) throw new Error('prometheus is not installed: .ci/run installs it (apt-get install prometheus)');
  sb = await startSandbox();
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  harness.instrumentation.setMeterProvider(meterProvider);
  harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url], callSettleMs: 0 });
  metricsServer = http.createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
  await new Promise<void>((r) => metricsServer.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(metricsServer.address() as { port: number }).port}`;

  // Traffic: a connect (duration), an error, a media-timeout call (calls, duration, media timeouts,
  // webhook error), a user-initiated accept without pre_accept, an answered BI call (quota).
  const calls = `${sb.url}/v23.0/${PHONE}/calls`;
  const placed = JSON.parse(
    (
      await send('fetch', {
        method: 'POST',
        url: calls,
        body: JSON.stringify({ messaging_product: 'whatsapp', to: '14085551234', action: 'connect', session: { sdp_type: 'offer', sdp: 'v=0' } }),
      })
    ).body.toString(),
  );
  harness.instrumentation.observeWebhook(sb.webhooks.status({ callId: placed.calls[0].id, status: 'ACCEPTED', user: '14085551234' }));
  await send('fetch', {
    method: 'POST',
    url: calls,
    body: JSON.stringify({ messaging_product: 'whatsapp', to: '15550138006', action: 'connect', session: { sdp_type: 'offer', sdp: 'v=0' } }),
  });
  harness.instrumentation.observeWebhook(sb.webhooks.connect({ callId: 'wacid.P1', direction: 'USER_INITIATED', user: '1999' }));
  await send('fetch', {
    method: 'POST',
    url: calls,
    body: JSON.stringify({ messaging_product: 'whatsapp', call_id: 'wacid.P1', action: 'accept', session: { sdp_type: 'answer', sdp: 'v=0' } }),
  });
  harness.instrumentation.observeWebhook(
    sb.webhooks.terminate({ callId: 'wacid.P1', direction: 'USER_INITIATED', user: '1999', durationS: 20, errorCode: 138021 }),
  );

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-'));
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn('prometheus', [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 150; i++) {
    try {
      const r = (await api('/api/v1/query?query=whatsapp_calling_calls_active')) as { data: { result: unknown[] } };
      if (r.data.result.length) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('Prometheus never scraped the exporter');
});

afterAll(async () => {
  prometheus?.kill('SIGKILL');
  await sb?.close();
  await new Promise((r) => metricsServer?.close(r));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus scrape', () => {
  it('holds every documented series name', async () => {
    const names = ((await api('/api/v1/label/__name__/values')) as { data: string[] }).data.filter((n) => n.startsWith('whatsapp_'));
    expect(names).toEqual(
      expect.arrayContaining([
        'whatsapp_calling_operation_duration_bucket',
        'whatsapp_calling_operation_duration_count',
        'whatsapp_calling_errors_total',
        'whatsapp_calling_calls_active',
        'whatsapp_calling_calls_active_limit',
        'whatsapp_calling_calls_total',
        'whatsapp_calling_call_duration_bucket',
        'whatsapp_calling_business_initiated_connected_total',
        'whatsapp_calling_quota_pair_usage_max',
        'whatsapp_calling_quota_pair_limit',
        'whatsapp_calling_quota_exhausted_pairs',
        'whatsapp_calling_quota_initiations',
        'whatsapp_calling_quota_initiations_limit',
        'whatsapp_calling_media_timeouts_total',
        'whatsapp_calling_accepts_without_pre_accept_total',
      ]),
    );
  });

  it('exposes values and labels an alert rule can use', async () => {
    const q = async (expr: string) =>
      ((await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } })
        .data.result;
    expect((await q(`whatsapp_calling_calls_active_limit{whatsapp_phone_number_id="${PHONE}"}`))[0].value[1]).toBe('1000');
    expect((await q(`whatsapp_calling_quota_pair_usage_max{whatsapp_phone_number_id="${PHONE}"}`))[0].value[1]).toBe('1');
    const errors = await q('whatsapp_calling_errors_total');
    expect(errors.map((e) => e.metric.whatsapp_error_category).sort()).toEqual(['media_timeout', 'permission']);
    const timeouts = await q('whatsapp_calling_media_timeouts_total');
    expect(timeouts[0].metric).toMatchObject({ whatsapp_media_timeout_kind: 'receive', whatsapp_media_timeout_phase: 'call_start' });
  });
});
