// One real OpenTelemetry SDK for every variant of a benchmark: what an app gets from NodeSDK, minus
// exporting. Spans are recorded (sampled, attributes kept) and then dropped by the processor, which
// counts them per instrumentation scope so a benchmark can check each variant did its work.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

class CountingDropProcessor {
  ended = new Map();
  onStart() {}
  onEnd(span) {
    const scope = span.instrumentationScope?.name ?? span.instrumentationLibrary?.name;
    this.ended.set(scope, (this.ended.get(scope) ?? 0) + 1);
  }
  async forceFlush() {}
  async shutdown() {}
}

/** Keeps metric points in the SDK's aggregation (as any reader does) and never exports. */
class HoldingReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

export function createSdk() {
  const spans = new CountingDropProcessor();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [spans] });
  const reader = new HoldingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    tracerProvider,
    meterProvider,
    reader,
    /** Spans ended so far by instrumentation scope name. */
    spanCount: (scope) => spans.ended.get(scope) ?? 0,
    /** Instruments an instrumentation with this SDK (and leaves it disabled). */
    attach(instrumentation) {
      instrumentation.setTracerProvider(tracerProvider);
      instrumentation.setMeterProvider(meterProvider);
      instrumentation.disable();
      return instrumentation;
    },
  };
}
