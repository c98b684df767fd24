/**
 * The demo's OpenTelemetry pipeline, built from explicit providers (nothing registered globally but
 * an async context manager, so `runDemo()` can run twice in one process):
 *   spans   → the call log (in memory, rows only) [+ OTLP]
 *   metrics → the Prometheus endpoint [+ OTLP]
 * In your own app the Node SDK does the same wiring: see examples/nodesdk/.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resources } from '@opentelemetry/sdk-node';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { otlpFromEnv } from './otlp.mjs';
import { startPrometheusEndpoint } from './prometheus-endpoint.mjs';

/** Context must follow async work (scenario span → Graph request); one manager per process. */
function ensureContextManager() {
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable(); // one was already registered
}

export async function startTelemetry({ serviceName, env, prometheusHost, prometheusPort, spanExporter, metricIntervalMs }) {
  ensureContextManager();
  const resource = resources.resourceFromAttributes({ 'service.name': serviceName });
  const prometheus = await startPrometheusEndpoint({ host: prometheusHost, port: prometheusPort });
  let otlp;
  try {
    otlp = await otlpFromEnv(env, { metricIntervalMs });
  } catch (err) {
    await prometheus.close();
    throw err;
  }
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(spanExporter), ...(otlp?.spanProcessor ? [otlp.spanProcessor] : [])],
  });
  const meterProvider = new MeterProvider({ resource, readers: [prometheus.exporter, ...(otlp?.metricReader ? [otlp.metricReader] : [])] });

  return {
    tracerProvider,
    meterProvider,
    tracer: tracerProvider.getTracer('demo-contact-centre'),
    prometheus,
    otlp,
    /** The metrics as the Prometheus exporter would serve them now. */
    collect: async () => (await prometheus.exporter.collect()).resourceMetrics,
    /** Sends what is buffered (OTLP batches) without shutting down. */
    flush: async () => {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
    },
    /** Final OTLP export, then everything off. */
    async shutdown() {
      await prometheus.close();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
