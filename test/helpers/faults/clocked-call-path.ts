/**
 * A call path (tracker, in-memory store, call telemetry) on a clock the test moves, with its own
 * tracer and meter: spans counted (or kept) as they end, metrics collected on demand, diag captured.
 */
import type { DiagLogger } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CallPath } from '../../../src/call-path';
import type { CallSignal } from '../../../src/events/call-signal';
import { OperationMetrics } from '../../../src/telemetry/operation-metrics';
import type { InMemoryCallStore } from '../../../src/tracker/in-memory-call-store';
import type { WhatsAppCallingInstrumentationConfig } from '../../../src/types';

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Counts ended spans without keeping them (100k calls). */
class CountingProcessor implements SpanProcessor {
  ended = 0;
  onStart(): void {}
  onEnd(): void {
    this.ended++;
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
export const HOUR = 3_600_000;
export const PHONE = '106540352242922';

export function clockedCallPath(config: WhatsAppCallingInstrumentationConfig, opts: { keepSpans?: boolean } = {}) {
  let now = T0;
  const counter = new CountingProcessor();
  const kept = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: opts.keepSpans ? [counter, new SimpleSpanProcessor(kept)] : [counter] });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const meter = meterProvider.getMeter('faults');
  const operationMetrics = new OperationMetrics(meter);
  const logged: string[] = [];
  const log = (level: string) => (message: string) => logged.push(`${level} ${message}`);
  const diag: DiagLogger = { error: log('error'), warn: log('warn'), info: log('info'), debug: () => {}, verbose: () => {} };
  const path = new CallPath({
    tracer: () => tracerProvider.getTracer('faults'),
    meter: () => meter,
    operationMetrics: () => operationMetrics,
    config: () => config,
    diag,
    now: () => now,
  });
  const store = path.store as InMemoryCallStore;
  return {
    path,
    store,
    logged,
    endedSpans: () => counter.ended,
    spans: (): ReadableSpan[] => kept.getFinishedSpans(),
    now: () => now,
    /** Moves the clock (backwards too). */
    jump: (ms: number) => (now += ms),
    async metric(name: string): Promise<MetricData | undefined> {
      const { resourceMetrics } = await reader.collect();
      for (const scope of resourceMetrics.scopeMetrics) {
        const found = scope.metrics.find((m) => m.descriptor.name === name);
        if (found) return found;
      }
      return undefined;
    },
    /** Last value of a gauge's point for the phone, or undefined. */
    async gauge(name: string): Promise<number | undefined> {
      const m = await this.metric(name);
      return (m?.dataPoints as DataPoint<number>[] | undefined)?.find((p) => p.attributes['whatsapp.phone_number_id'] === PHONE)?.value;
    },
    async close() {
      path.stop();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** A business-initiated connect request that succeeded (a call placed through the Graph API). */
export const placed = (callId: string, at: number, consumer = '14085551234'): CallSignal => ({
  callId,
  type: 'connect',
  source: 'graph_api',
  signaling: 'graph_api',
  at,
  dedupeKey: `graph|${callId}`,
  phoneNumberId: PHONE,
  direction: 'business_initiated',
  consumer,
  succeeded: true,
});

/** Meta's ACCEPTED status webhook: the consumer answered. */
export const answered = (callId: string, at: number): CallSignal => ({
  callId,
  type: 'status',
  status: 'accepted',
  source: 'webhook',
  signaling: 'graph_api',
  at,
  dedupeKey: `wh|status|accepted|${callId}`,
  phoneNumberId: PHONE,
  direction: 'business_initiated',
});

/** Meta's terminate webhook (whole-second timestamp, like Meta's). */
export const terminated = (callId: string, at: number, durationS = 3): CallSignal => ({
  callId,
  type: 'terminate',
  status: 'completed',
  source: 'webhook',
  signaling: 'graph_api',
  at: Math.floor(at / 1000) * 1000,
  dedupeKey: `wh|terminate|${callId}`,
  phoneNumberId: PHONE,
  direction: 'business_initiated',
  durationS,
  answeredAt: at - durationS * 1000,
});
