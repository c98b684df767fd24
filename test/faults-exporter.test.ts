/**
 * Faults: the telemetry backend is down (OTLP/HTTP to a closed port) or hanging (a server that accepts
 * and never answers). A real SDK pipeline — BatchSpanProcessor + OTLP trace exporter, periodic OTLP
 * metric reader — with small timeouts. The app's Graph requests (to the Cloud API sandbox) behave the
 * same as with the instrumentation disabled, nothing is thrown or left unhandled, every span we
 * started ends (an in-memory exporter beside the OTLP one sees them), and shutdown settles.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { WhatsAppCallingInstrumentation } from '../src';
import { appView } from './helpers/faults/app-view';
import type { FaultClient } from './helpers/faults/app-view';
import { closedPort, settledWithin, startHangingServer } from './helpers/faults/dead-endpoints';
import type { HangingServer } from './helpers/faults/dead-endpoints';
import { watchProcess } from './helpers/faults/process-watch';
import { eventually } from './helpers/otel-harness';

const PHONE = '106540352242922';
const EXPORT_TIMEOUT_MS = 300;
/** A hang bound for shutdown, far above the exporters' timeouts; not a duration assertion. */
const HANG_BOUND_MS = 10_000;
const CLIENTS: FaultClient[] = ['fetch', 'undici.request', 'node:http', 'axios'];

const watch = watchProcess();
/** What the SDK reported through diag: export failures must show up here, not in the app. */
const reported: string[] = [];
const record = (...args: unknown[]) => reported.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
diag.setLogger({ error: record, warn: record, info: record, debug: () => {}, verbose: () => {} }, DiagLogLevel.INFO);
let sandbox: Sandbox;
let hanging: HangingServer;
let closedUrl: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  hanging = await startHangingServer();
  closedUrl = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(async () => {
  watch.stop();
  await sandbox.close();
  await hanging.close();
});

/** The sandbox makes a fresh call id for every connect: blank ids before comparing bodies. */
const blankIds = (body: Buffer) => Buffer.from(body.toString('utf8').replace(/wacid\.[A-Za-z0-9_-]+/g, 'wacid.X'));

function pipelineTo(endpoint: string) {
  const seen = new InMemorySpanExporter();
  const otlp = new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS });
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(seen),
      new BatchSpanProcessor(otlp, { scheduledDelayMillis: 20, maxExportBatchSize: 4, exportTimeoutMillis: EXPORT_TIMEOUT_MS }),
    ],
  });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics`, timeoutMillis: EXPORT_TIMEOUT_MS }),
        exportIntervalMillis: EXPORT_TIMEOUT_MS,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  const instrumentation = new WhatsAppCallingInstrumentation({ enabled: false, graphApiBaseUrls: [sandbox.url], callSettleMs: 0 });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  return { seen, tracerProvider, meterProvider, instrumentation };
}

describe.each([
  ['down (connection refused)', () => closedUrl, /ECONNREFUSED/],
  ['hanging (accepts, never answers)', () => hanging.url, /Timeout|timed out/],
])('OTLP exporter %s', (_name, endpoint, expectedFailure) => {
  it("leaves the app's Graph requests unchanged, throws nothing, ends every span and shuts down", async () => {
    reported.length = 0;
    const p = pipelineTo(endpoint());
    try {
      const url = `${sandbox.url}/v23.0/${PHONE}/calls`;
      for (const client of CLIENTS) {
        p.instrumentation.disable();
        const without = await appView(client, url, 10_000, undefined, blankIds);
        p.instrumentation.enable();
        const withIt = await appView(client, url, 10_000, undefined, blankIds);
        expect(withIt, client).toEqual(without);
        expect(withIt.status).toBe(200);
        // End the call this connect started, so a call span is exported too.
        const callId = /wacid\.[A-Za-z0-9_-]+/.exec(withIt.body!.toString())![0];
        p.instrumentation.observeWebhook(sandbox.webhooks.terminate({ callId, direction: 'BUSINESS_INITIATED', user: '14085551234', durationS: 3 }));
      }
      // One operation span per instrumented request and one call span per call, all ended.
      const spans = await eventually(() => p.seen.getFinishedSpans().length >= 2 * CLIENTS.length && p.seen.getFinishedSpans());
      expect(spans.filter((s) => s.name === 'whatsapp calls.connect')).toHaveLength(CLIENTS.length);
      expect(spans.filter((s) => s.name === 'whatsapp call')).toHaveLength(CLIENTS.length);
      expect(spans.every((s) => s.ended)).toBe(true);
      // Let the batch and metric exports fail at least once before shutting down.
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      p.instrumentation.disable();
      const [traces, metrics] = await Promise.all([
        settledWithin(p.tracerProvider.shutdown(), HANG_BOUND_MS),
        settledWithin(p.meterProvider.shutdown(), HANG_BOUND_MS),
      ]);
      expect([traces, metrics]).not.toContain('pending');
    }
    // The fault really happened, and the SDK reported it through diag rather than to the app.
    expect(
      reported.some((m) => expectedFailure.test(m)),
      reported.join('\n'),
    ).toBe(true);
    expect(watch.problems).toEqual([]);
  });
});

it('the hanging server was really tried by the exporters', () => {
  expect(hanging.accepted).toBeGreaterThan(0);
});
