/** The end of the run: the call log, the key metrics, and where the telemetry went. */
import { callLogLines } from './call-log-table.mjs';
import { metricsLines } from './metrics-summary.mjs';

/** Rows printed in long mode: every scenario row, then the last few of the generated traffic. */
const TRAFFIC_ROWS_SHOWN = 10;

export function printReport({ say, rows, callLog, summary, peakActive, trafficRan, wide, width, prometheus, otlp, keepServing }) {
  const scenarioRows = rows.filter((r) => r.scenario);
  const trafficRows = rows.filter((r) => !r.scenario);
  const shown = trafficRan ? [...scenarioRows, ...trafficRows.slice(-TRAFFIC_ROWS_SHOWN)] : rows;
  say('');
  say(`Call log — built from the exported spans (${callLog.total} calls, ${callLog.spansSeen} spans), one row per call`);
  for (const l of callLogLines(shown, { wide, width })) say(l);
  if (trafficRan) {
    const hidden = callLog.total - shown.length;
    const byStatus = [...callLog.byStatus].map(([k, v]) => `${k} ${v}`).join(', ');
    say(`  … ${hidden} more calls of generated traffic not shown (kept: the last ${trafficRows.length}); all calls by status: ${byStatus}`);
  }
  say('');
  say('Key metrics — from the Prometheus exporter (what a scrape of /metrics returns)');
  for (const l of metricsLines(summary, { peakActive })) say(l);
  say('');
  say('Where everything went');
  say(`  spans    → the call log above (in memory, rows only)${otlp?.tracesUrl ? ` and OTLP ${otlp.tracesUrl}` : ''}`);
  const until = keepServing ? 'serving until Ctrl-C (SIGINT/SIGTERM)' : 'served until the demo exits; add --serve to keep it up for Prometheus/Grafana';
  say(
    `  metrics  → Prometheus ${prometheus.url} (${until})${prometheus.note ? `; ${prometheus.note}` : ''}${otlp?.metricsUrl ? ` and OTLP ${otlp.metricsUrl}` : ''}`,
  );
  if (!otlp)
    say('  OTLP     → off: set OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 to also send traces and metrics to Jaeger, the LGTM image or a Collector');
}
