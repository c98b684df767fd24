/**
 * `node --import <package>/register app.mjs` in a real child process: the SDK starts from OTEL_*
 * variables and exports over OTLP (http/json) to a loopback collector; instrumentation-undici's HTTP
 * span and our span land in the same trace, and an env variable turns the undici companion off.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { otlpAttr, startOtlpCollector } from './helpers/otlp-collector';
import type { OtlpCollector, OtlpSpan } from './helpers/otlp-collector';

const ROOT = path.resolve(__dirname, '..');
let sandbox: Sandbox;
let collector: OtlpCollector;
let collectorUrl: string;
let received: OtlpSpan[];

beforeAll(async () => {
  sandbox = await startSandbox();
  collector = await startOtlpCollector();
  collectorUrl = collector.url;
  received = collector.spans;
});
afterAll(async () => {
  await sandbox.close();
  await collector.close();
});

function runApp(extraEnv: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'opentelemetry-instrumentation-whatsapp-calling/register', path.join(ROOT, 'test/fixtures/register-app.mjs')],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          GRAPH_URL: sandbox.url,
          OTEL_SERVICE_NAME: 'register-test',
          OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
          OTEL_WHATSAPP_GRAPH_API_BASE_URLS: sandbox.url,
          ...extraEnv,
        },
      },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const attr = otlpAttr;

describe('register entry', () => {
  it('exports our span and the undici HTTP span in the same trace as the app span', async () => {
    received.length = 0;
    const { code, stderr } = await runApp({});
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const ours = received.find((s) => s.name === 'whatsapp calls.connect');
    const app = received.find((s) => s.name === 'app work');
    const httpSpan = received.find((s) => s.name === 'POST');
    expect([ours?.name, app?.name, httpSpan?.name]).toEqual(['whatsapp calls.connect', 'app work', 'POST']);
    expect(attr(ours!, 'whatsapp.call.id')).toMatch(/^wacid\./);
    expect(ours!.traceId).toBe(app!.traceId);
    expect(httpSpan!.traceId).toBe(app!.traceId);
    expect(ours!.parentSpanId).toBe(app!.spanId);
    expect(JSON.stringify(received)).not.toContain('app-token');
  });

  it('leaves instrumentation-undici out when OTEL_NODE_DISABLED_INSTRUMENTATIONS names it', async () => {
    received.length = 0;
    const { code } = await runApp({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' });
    expect(code).toBe(0);
    expect(received.map((s) => s.name).sort()).toEqual(['app work', 'whatsapp calls.connect']);
  });
});
