/**
 * examples/nodesdk/: the CommonJS app, the ES module app and the `--import …/register` form run as real
 * child processes against the Cloud API sandbox and export over OTLP/HTTP (JSON) to a loopback
 * collector — the same path as Jaeger or the Collector in the compose examples.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { otlpAttr, startOtlpCollector } from './helpers/otlp-collector';
import type { OtlpCollector, OtlpSpan } from './helpers/otlp-collector';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples/nodesdk');
const TOKEN = 'example-token-4711';
const REGISTER = ['--import', 'opentelemetry-instrumentation-whatsapp-calling/register'];

let sandbox: Sandbox;
let collector: OtlpCollector;

beforeAll(async () => {
  sandbox = await startSandbox({ accessToken: TOKEN });
  collector = await startOtlpCollector();
});
afterAll(async () => {
  await sandbox?.close();
  await collector?.close();
});
beforeEach(() => {
  collector.spans.length = 0;
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an example app the way its README says, with the sandbox as Graph and our collector as the backend. */
function runExample(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    // cwd is the examples folder: the package resolves by its own name (package.json "exports" self-reference).
    const child = spawn(process.execPath, args, {
      cwd: EXAMPLES,
      env: {
        PATH: process.env.PATH,
        GRAPH_API_BASE_URL: sandbox.url,
        WHATSAPP_ACCESS_TOKEN: TOKEN,
        OTEL_SERVICE_NAME: 'nodesdk-example',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const placedCallId = (stdout: string) => /placed call (\S+)/.exec(stdout)?.[1];
const connectSpans = (): OtlpSpan[] => collector.spans.filter((s) => s.name === 'whatsapp calls.connect');
const statusCode = (s: OtlpSpan) => (s as unknown as { status?: { code?: number } }).status?.code ?? 0;

/** The three ways the README shows, each a separate process. */
const FORMS: [string, string[]][] = [
  ['CommonJS app (app.cjs)', ['app.cjs']],
  ['ES module app (app.mjs)', ['app.mjs']],
  ['--import register with an app without OTel code (plain-app.mjs)', [...REGISTER, 'plain-app.mjs']],
];

describe('examples/nodesdk', () => {
  for (const [form, args] of FORMS) {
    it(`${form}: exports the calls.connect span with the call ID the app was given`, async () => {
      // The register form learns the sandbox origin from OTEL_WHATSAPP_GRAPH_API_BASE_URLS; the two
      // NodeSDK apps from GRAPH_API_BASE_URL, which they pass as graphApiBaseUrls. Only the one each reads is set.
      const env: Record<string, string> = args.includes('--import') ? { OTEL_WHATSAPP_GRAPH_API_BASE_URLS: sandbox.url } : {};
      const run = await runExample(args, env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const callId = placedCallId(run.stdout);
      expect(callId).toMatch(/^wacid\./);
      const spans = connectSpans();
      expect(spans.map((s) => otlpAttr(s, 'whatsapp.call.id'))).toEqual([callId]);
      expect(otlpAttr(spans[0], 'whatsapp.operation')).toBe('calls.connect');
      expect(statusCode(spans[0])).not.toBe(2);
      expect(JSON.stringify(collector.spans)).not.toContain(TOKEN);
    });
  }

  it('an app that does not name the sandbox origin exports no WhatsApp span (the option is what makes it Graph)', async () => {
    const run = await runExample([...REGISTER, 'plain-app.mjs']);
    expect(run.code).toBe(0);
    expect(placedCallId(run.stdout)).toMatch(/^wacid\./);
    expect(connectSpans()).toEqual([]);
    expect(collector.spans.map((s) => s.name)).toContain('POST'); // instrumentation-undici still traced it
  });

  it('CommonJS app: a connect Meta refuses (138006, no call permission) is an error span with its category', async () => {
    const run = await runExample(['app.cjs'], { CALL_TO: '15550138006' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('call failed: 138006');
    const [span] = connectSpans();
    expect(statusCode(span)).toBe(2);
    expect([otlpAttr(span, 'whatsapp.error.code'), otlpAttr(span, 'whatsapp.error.category')]).toEqual([138006, 'permission']);
  });

  it('ES module app with OTEL_TRACES_EXPORTER=console prints the span (trying it without a backend)', async () => {
    const run = await runExample(['app.mjs'], { OTEL_TRACES_EXPORTER: 'console' });
    expect(run.code).toBe(0);
    const callId = placedCallId(run.stdout);
    expect(run.stdout).toContain("name: 'whatsapp calls.connect'");
    expect(run.stdout).toContain(`'whatsapp.call.id': '${callId}'`);
    expect(collector.spans).toEqual([]);
  });
});
