/**
 * `runDemo()` in process, the way the dashboard tests call it: it resolves with the Prometheus URL,
 * which serves the whatsapp_calling_* series until `close()`. Two runs in one process don't share
 * telemetry, and a busy Prometheus port falls back to a free one.
 */
import * as net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_INDEX } from './demo-support';

interface Demo {
  prometheusUrl: string;
  callLog: { status: string; errorCode?: string; errorCategory?: string; scenario?: string; callId?: string }[];
  problems: string[];
  close(): Promise<void>;
}
type RunDemo = (o: Record<string, unknown>) => Promise<Demo>;

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Sum of the samples of `name` whose labels include every `label="value"` given. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

let runDemo: RunDemo;
beforeAll(async () => {
  ({ runDemo } = (await import(DEMO_INDEX)) as { runDemo: RunDemo });
});

describe('runDemo({ calls, prometheusPort: 0, out })', () => {
  let demo: Demo;
  let metrics: string;
  const out = new Sink();
  beforeAll(async () => {
    demo = await runDemo({ calls: 12, prometheusPort: 0, out, sip: false });
    metrics = await (await fetch(demo.prometheusUrl)).text();
  }, 60_000);
  afterAll(() => demo?.close());

  it('resolves with a /metrics URL that serves the whatsapp_calling_* series of the run', () => {
    expect(demo.prometheusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(demo.problems).toEqual([]);
    expect(sample(metrics, 'whatsapp_calling_calls_total', { whatsapp_call_status: 'completed' })).toBeGreaterThanOrEqual(10);
    expect(sample(metrics, 'whatsapp_calling_errors_total', { whatsapp_error_category: 'concurrency_limit', error_type: '138002' })).toBe(1);
    expect(sample(metrics, 'whatsapp_calling_errors_total', { whatsapp_error_category: 'daily_quota', error_type: '138012' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'whatsapp_calling_media_timeouts_total', { whatsapp_media_timeout_phase: 'call_start' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'whatsapp_calling_media_timeouts_total', { whatsapp_media_timeout_phase: 'mid_call' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'whatsapp_calling_calls_active_limit', { whatsapp_phone_number_id: '106540352242922' })).toBe(4);
    expect(sample(metrics, 'whatsapp_calling_quota_pair_limit')).toBe(3);
    expect(metrics).toMatch(/^whatsapp_calling_operation_duration_bucket\{/m);
  });

  it('returns the call log rows it printed, the refused attempts included', () => {
    const codes = demo.callLog.map((r) => r.errorCode);
    expect(codes).toContain('138002');
    expect(codes).toContain('138012');
    expect(demo.callLog.filter((r) => r.scenario === 'completed BI call')).toHaveLength(1);
    expect(out.text).toContain('Call log — built from the exported spans');
    expect(out.text).toMatch(/traffic 12\/12 calls/);
  });

  it('stops serving at close()', async () => {
    await demo.close();
    await expect(fetch(demo.prometheusUrl)).rejects.toThrow();
  });
});

describe('a second run in the same process, on a busy Prometheus port', () => {
  let busy: net.Server;
  let demo: Demo;
  const out = new Sink();
  beforeAll(async () => {
    busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    demo = await runDemo({ prometheusPort: (busy.address() as net.AddressInfo).port, out, sip: false });
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
    await new Promise((r) => busy.close(r));
  });

  it('falls back to a free port and says so', () => {
    const busyPort = (busy.address() as net.AddressInfo).port;
    expect(new URL(demo.prometheusUrl).port).not.toBe(String(busyPort));
    expect(out.text).toContain(`port ${busyPort} was busy, using ${new URL(demo.prometheusUrl).port} instead`);
  });

  it('counts only its own calls (a fresh instrumentation and meter each run)', async () => {
    const metrics = await (await fetch(demo.prometheusUrl)).text();
    // The scenarios without SIP complete 10 calls: 1 BI, 2 UIC, 4 at the concurrency limit, 3 for the quota.
    expect(sample(metrics, 'whatsapp_calling_calls_total', { whatsapp_call_status: 'completed' })).toBe(10);
    expect(sample(metrics, 'whatsapp_calling_errors_total', { error_type: '138002' })).toBe(1);
  });
});
