/**
 * Test harness: real SDK providers with in-memory exporters, and one instrumentation per test file
 * (like contrib's load-instrumentation). Spans are asserted from the in-memory exporter; metrics are
 * collected on demand through a pull reader.
 */
import { context, propagation, trace, metrics as metricsApi } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { WhatsAppCallingInstrumentation } from '../../src';
import type { WhatsAppCallingInstrumentationConfig } from '../../src';

class PullMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface Harness {
  instrumentation: WhatsAppCallingInstrumentation;
  exporter: InMemorySpanExporter;
  tracerProvider: NodeTracerProvider;
  meterProvider: MeterProvider;
  /** Finished WhatsApp spans (names starting `whatsapp `), oldest first. */
  whatsappSpans(): ReadableSpan[];
  metric(name: string): Promise<MetricData | undefined>;
  /** Every metric the pull reader collects now. */
  collect(): ReturnType<MetricReader['collect']>;
  reset(): void;
}

export function createHarness(config: WhatsAppCallingInstrumentationConfig = {}): Harness {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  tracerProvider.register();
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metricsApi.setGlobalMeterProvider(meterProvider);
  const instrumentation = new WhatsAppCallingInstrumentation({ ...config, enabled: false });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
  return {
    instrumentation,
    exporter,
    tracerProvider,
    meterProvider,
    whatsappSpans: () => exporter.getFinishedSpans().filter((s) => s.name.startsWith('whatsapp ')),
    async metric(name: string) {
      const { resourceMetrics } = await reader.collect();
      for (const scope of resourceMetrics.scopeMetrics) {
        const found = scope.metrics.find((m) => m.descriptor.name === name);
        if (found) return found;
      }
      return undefined;
    },
    collect: () => reader.collect(),
    reset: () => exporter.reset(),
  };
}

/** Sum of a counter's points whose attributes include `match`. */
export function sumOf(metric: MetricData | undefined, match: Attributes = {}): number {
  if (!metric) return 0;
  return (metric.dataPoints as DataPoint<number>[])
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((acc, p) => acc + p.value, 0);
}

/** Count of a histogram's recordings whose attributes include `match`. */
export function countOf(metric: MetricData | undefined, match: Attributes = {}): number {
  if (!metric) return 0;
  return (metric.dataPoints as DataPoint<Histogram>[])
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((acc, p) => acc + p.value.count, 0);
}

/** Waits until `predicate` holds, polling (bounded: ~2 s), for spans that end asynchronously. */
export async function eventually<T>(probe: () => T | undefined | false, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in time');
}

export { context, propagation, trace };
