/**
 * With instrumentation-undici and instrumentation-http registered too — before or after ours — each
 * Graph request yields exactly one WhatsApp span, identical in both orders and without companions,
 * in the same trace as (and a sibling of) the HTTP span.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

interface SpanOut {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: { code: number };
}

const run = (env: Record<string, string>): SpanOut[] =>
  JSON.parse(
    execFileSync(process.execPath, [path.join(__dirname, 'fixtures/companions.cjs')], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 30_000,
    }).toString(),
  );

/** What must not depend on registration order: names, kinds, attributes (ids and ports aside), parents. */
function whatsappShape(spans: SpanOut[]) {
  const app = spans.find((s) => s.name === 'app')!;
  return spans
    .filter((s) => s.name.startsWith('whatsapp '))
    .map((s) => {
      const { 'server.port': _port, 'whatsapp.request.id': _r, 'whatsapp.fbtrace_id': _f, ...attributes } = s.attributes;
      return { name: s.name, kind: s.kind, status: s.status.code, parentIsApp: s.parentSpanId === app.spanId, sameTrace: s.traceId === app.traceId, attributes };
    });
}

describe('registration alongside instrumentation-undici and instrumentation-http', () => {
  const oursFirst = run({ ORDER: 'ours-first' });
  const oursLast = run({ ORDER: 'ours-last' });
  const alone = run({ COMPANIONS: 'none' });

  it('gives exactly one WhatsApp span per request in every setup', () => {
    for (const spans of [oursFirst, oursLast, alone]) {
      expect(spans.filter((s) => s.name.startsWith('whatsapp ')).map((s) => s.name).sort()).toEqual(['whatsapp calls.accept', 'whatsapp calls.reject']);
    }
  });

  it('gives the same WhatsApp spans whichever instrumentation is registered first', () => {
    expect(whatsappShape(oursFirst)).toEqual(whatsappShape(oursLast));
    expect(whatsappShape(oursFirst)).toEqual(whatsappShape(alone));
    expect(whatsappShape(oursFirst).every((s) => s.parentIsApp && s.sameTrace)).toBe(true);
  });

  it('puts the HTTP spans of fetch and node:http in the same trace', () => {
    for (const spans of [oursFirst, oursLast]) {
      const app = spans.find((s) => s.name === 'app')!;
      const httpSpans = spans.filter((s) => s.name === 'POST' && s.kind === 2); // CLIENT (the in-process sandbox adds SERVER spans)
      expect(httpSpans.length).toBe(2);
      expect(httpSpans.every((s) => s.traceId === app.traceId)).toBe(true);
    }
  });

  it('puts each WhatsApp span in the HTTP span\'s trace, as its child, when the app has no active span', () => {
    for (const order of ['ours-first', 'ours-last']) {
      const spans = run({ ORDER: order, NO_APP_SPAN: '1' });
      const httpSpans = spans.filter((s) => s.name === 'POST' && s.kind === 2);
      const ours = spans.filter((s) => s.name.startsWith('whatsapp '));
      expect(httpSpans.length).toBe(2);
      expect(ours.length).toBe(2);
      for (const span of ours) {
        const parent = httpSpans.find((h) => h.spanId === span.parentSpanId);
        expect(parent, `${order}: ${span.name}`).toBeDefined();
        expect(span.traceId).toBe(parent!.traceId);
      }
    }
  });

  it('keeps a WhatsApp span a root when no HTTP instrumentation propagated a context', () => {
    const spans = run({ COMPANIONS: 'none', NO_APP_SPAN: '1' });
    const ours = spans.filter((s) => s.name.startsWith('whatsapp '));
    expect(ours.length).toBe(2);
    expect(ours.every((s) => s.parentSpanId === undefined)).toBe(true);
  });
});
