/**
 * Faults: Graph responses that are truncated, not JSON, broken JSON, gzip-corrupt, 10 MB, served byte
 * by byte, reset after the headers, or never answered (the app's own timeout fires). For each fault
 * and each client, the same request is made with the instrumentation disabled and enabled: the app
 * must observe exactly the same (status, headers, body bytes, error class/code/message), the process
 * must see no unhandled rejection or uncaught exception, and the operation span must end — marked
 * `whatsapp.operation.incomplete` (and with `error.type` when it failed) where the response was cut.
 * Exchanges the app itself never finishes are ended by the exchange timers.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exchangeTimeouts } from '../src/sources/http/graph-exchange';
import { appView, CONNECT_BODY, FAULT_CLIENTS } from './helpers/faults/app-view';
import { GRAPH_FAULTS, startFaultyGraphServer } from './helpers/faults/faulty-graph-server';
import type { FaultyGraphServer, GraphFault } from './helpers/faults/faulty-graph-server';
import { watchProcess } from './helpers/faults/process-watch';
import { createHarness, eventually } from './helpers/otel-harness';

const harness = createHarness();
const watch = watchProcess();
let server: FaultyGraphServer;

beforeAll(async () => {
  server = await startFaultyGraphServer();
  harness.instrumentation.setConfig({ graphApiBaseUrls: [server.url] });
});
afterEach(() => {
  harness.instrumentation.enable();
  expect(watch.problems).toEqual([]);
});
afterAll(async () => {
  watch.stop();
  await server.close();
});

/** The app's own timeout: short where the server never answers, generous elsewhere (not a race). */
const appTimeoutMs = (fault: GraphFault) => (fault === 'never-answered' ? 200 : 15_000);
const settle = () => new Promise((r) => setTimeout(r, 20));

/** What the span of each fault must say. */
function expectSpanFor(fault: GraphFault, span: ReadableSpan): void {
  const a = span.attributes;
  expect(span.name).toBe('whatsapp calls.connect');
  switch (fault) {
    case 'truncated':
    case 'reset-after-headers':
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(a['error.type']).toMatch(/^(UND_ERR_|ECONNRESET)/);
      expect(a['http.response.status_code']).toBe(200);
      expect(a['whatsapp.operation.incomplete']).toBe(true);
      return;
    case 'never-answered':
      expect(a['http.response.status_code']).toBeUndefined();
      expect(a['whatsapp.operation.incomplete']).toBe(true);
      // A timeout the app raised is an error; an AbortError (node-fetch's form of it) is a cancel.
      expect(span.status.code).toBe(a['error.type'] === undefined ? SpanStatusCode.UNSET : SpanStatusCode.ERROR);
      return;
    default:
      // The bytes arrived whole: what they decode to is the app's business.
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(a['http.response.status_code']).toBe(200);
      expect(a['whatsapp.operation.incomplete']).toBeUndefined();
      if (fault === 'byte-by-byte') expect(a['whatsapp.call.id']).toBe('wacid.SLOW');
  }
}

describe.each(GRAPH_FAULTS)('Graph response fault: %s', (fault) => {
  it.each(FAULT_CLIENTS)('%s sees the same with and without the instrumentation, and the span ends', async (client) => {
    harness.instrumentation.disable();
    harness.reset();
    const without = await appView(client, server.callsUrl(fault), appTimeoutMs(fault));
    await settle();
    expect(harness.whatsappSpans()).toHaveLength(0);

    harness.instrumentation.enable();
    const withIt = await appView(client, server.callsUrl(fault), appTimeoutMs(fault));
    expect(withIt).toEqual(without);
    const span = await eventually(() => harness.whatsappSpans()[0]);
    expectSpanFor(fault, span);
    await settle();
    expect(harness.whatsappSpans()).toHaveLength(1);
  });
});

describe('exchanges the app never finishes are ended by the exchange timers', () => {
  it('ends the span of a request that is never answered and never cancelled as an incomplete timeout', async () => {
    const saved = exchangeTimeouts.headersWaitMs;
    exchangeTimeouts.headersWaitMs = 200;
    const controller = new AbortController();
    try {
      harness.reset();
      const pending = fetch(server.callsUrl('never-answered'), { method: 'POST', body: CONNECT_BODY, signal: controller.signal });
      const span = await eventually(() => harness.whatsappSpans()[0], 400);
      expect(span.attributes).toMatchObject({ 'error.type': 'timeout', 'whatsapp.operation.incomplete': true, 'whatsapp.error.category': 'connection' });
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      controller.abort(); // the app gives up later: nothing more is recorded
      await expect(pending).rejects.toThrow();
      await settle();
      expect(harness.whatsappSpans()).toHaveLength(1);
    } finally {
      exchangeTimeouts.headersWaitMs = saved;
      controller.abort();
    }
  });

  it('ends the span of a response whose body the app never reads as incomplete, keeping its status', async () => {
    const saved = exchangeTimeouts.bodyWaitMs;
    exchangeTimeouts.bodyWaitMs = 200;
    let req: http.ClientRequest | undefined;
    try {
      harness.reset();
      const status = await new Promise<number>((resolve, reject) => {
        req = http.request(server.callsUrl('byte-by-byte'), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) =>
          resolve(res.statusCode ?? 0),
        );
        req.on('error', reject);
        req.end(CONNECT_BODY);
      });
      expect(status).toBe(200);
      const span = await eventually(() => harness.whatsappSpans()[0], 400);
      expect(span.attributes).toMatchObject({ 'http.response.status_code': 200, 'whatsapp.operation.incomplete': true });
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    } finally {
      exchangeTimeouts.bodyWaitMs = saved;
      req?.destroy();
    }
  });
});
