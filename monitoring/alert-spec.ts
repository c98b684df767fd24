/**
 * The shape of one alert in the source: its rule, its annotations, and the promtool cases that show it
 * fires on the right input and stays silent on the rest. One object per alert, in alerts-*.ts.
 */
import type { MetricKey, MetricNames } from './metric-names';
import type { Text } from './template';
import type { TraceQuery } from './trace-queries';

/** An input series for a promtool test, by metric key so that it works for both name variants. */
export interface SeriesInput {
  /** A metric of the instrumentation, or a raw series name such as `target_info`. */
  metric: MetricKey | { raw: string };
  /** Appended to the name, e.g. `_count` for a histogram's count series. */
  suffix?: '_count' | '_sum' | '_bucket';
  labels: Record<string, string>;
  /** promtool expanding notation, e.g. `0+10x30`, `_x10 1x20`. */
  values: string;
}

/** One promtool case: input, time of evaluation, and the alerts expected then (none = stays silent). */
export interface AlertCase {
  /** What the case shows; written as a comment above it in the test file. */
  title: string;
  series: SeriesInput[];
  /** Minutes after the start of the input. */
  at: number;
  /** Expected firing alerts: their labels (without alertname/severity) and the alert's value. */
  fires?: { labels: Record<string, string>; value: number }[];
}

export interface AlertSpec {
  name: string;
  severity: 'critical' | 'warning';
  /** How long the condition must hold before the alert fires (absent: at once). */
  for?: string;
  expr(n: MetricNames): string;
  /** The condition in words, for the README table and the runbook. */
  threshold: string;
  summary: Text;
  description: Text;
  remedy: Text;
  trace: TraceQuery;
  /** Runbook paragraphs beyond the annotations (what to check first, related panels). */
  runbook: string[];
  cases: AlertCase[];
}

export const PHONE = '106540352242922';
