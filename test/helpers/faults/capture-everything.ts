/**
 * Captures everything the instrumentation exports or logs: every finished span (name, attributes,
 * status message, events and their attributes, links and their attributes), every metric (name,
 * description, unit, every data point's attributes and value), and every diag log line at every
 * level with its arguments. `text()` is all of it as one string, for a privacy sweep.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { inspect } from 'node:util';
import type { WhatsAppCallingInstrumentation } from '../../../src';
import type { WhatsAppCallingInstrumentationConfig } from '../../../src';
import { createHarness } from '../otel-harness';

export interface Capture {
  instrumentation: WhatsAppCallingInstrumentation;
  spans: InMemorySpanExporter;
  logs: string[];
  /** Every exported and logged string, as JSON lines. */
  text(): Promise<string>;
  reset(): void;
}

export function captureEverything(config: WhatsAppCallingInstrumentationConfig): Capture {
  const logs: string[] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) =>
      logs.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6 }))).join(' ')}`);
  diag.setLogger({ error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), verbose: log('verbose') }, DiagLogLevel.ALL);
  const harness = createHarness(config);
  const { instrumentation, exporter: spans } = harness;
  return {
    instrumentation,
    spans,
    logs,
    async text() {
      const lines: string[] = [];
      for (const s of spans.getFinishedSpans()) {
        lines.push(
          JSON.stringify({
            name: s.name,
            scope: s.instrumentationScope.name,
            attributes: s.attributes,
            status: s.status,
            events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
            links: s.links.map((l) => ({ attributes: l.attributes })),
          }),
        );
      }
      const { resourceMetrics } = await harness.collect();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const m of scope.metrics) {
          lines.push(JSON.stringify({ metric: m.descriptor, points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })) }));
        }
      }
      lines.push(...logs);
      return lines.join('\n');
    },
    reset: () => {
      spans.reset();
      logs.length = 0;
    },
  };
}
