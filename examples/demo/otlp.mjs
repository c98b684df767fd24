/**
 * OTLP/HTTP export, only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the per-signal variables) is set:
 * traces through a BatchSpanProcessor, metrics through a PeriodicExportingMetricReader. The
 * exporters read the standard OTEL_EXPORTER_OTLP_* variables themselves (headers, timeout, …).
 */
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

const signalUrl = (env, signal) => {
  const own = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/${signal}` : undefined;
};

/** Undefined when OTLP is not configured. */
export async function otlpFromEnv(env, { metricIntervalMs = 5000 } = {}) {
  const tracesUrl = signalUrl(env, 'traces');
  const metricsUrl = signalUrl(env, 'metrics');
  if (!tracesUrl && !metricsUrl) return undefined;
  const [{ OTLPTraceExporter }, { OTLPMetricExporter }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
  ]);
  return {
    tracesUrl,
    metricsUrl,
    spanProcessor: tracesUrl
      ? new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }), { maxQueueSize: 16_384, maxExportBatchSize: 1024, scheduledDelayMillis: 1000 })
      : undefined,
    metricReader: metricsUrl
      ? new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: metricsUrl }), exportIntervalMillis: metricIntervalMs })
      : undefined,
  };
}
