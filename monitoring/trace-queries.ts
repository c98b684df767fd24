/**
 * Trace queries that list the calls behind an alert: the Jaeger UI's "Tags" search field (logfmt
 * `key=value` pairs) and TraceQL for Grafana Tempo. Span attributes are the ones in src/semconv.ts.
 */
import { concat, label } from './template';
import type { Text } from './template';

/** One span attribute condition; `value` may come from the alert's labels. */
export interface SpanCondition {
  attribute: string;
  value: string | Text;
  /** Attribute type, for TraceQL quoting (`= "auth"` vs `= 503` vs `= false`). Default string. */
  type?: 'string' | 'int' | 'bool';
}

export interface TraceQuery {
  jaeger: Text;
  traceql: Text;
}

/** The alert's phone number id as a span condition (most alerts are per number). */
export const byNumber: SpanCondition = { attribute: 'whatsapp.phone_number_id', value: label('whatsapp_phone_number_id') };

/**
 * Jaeger: `operation` (span name) is a separate field there, so it is only in the TraceQL; the tags
 * alone already select the spans that carry the error.
 */
export function traceQuery(conditions: SpanCondition[], spanName?: string): TraceQuery {
  const jaeger = concat(...conditions.flatMap((c, i) => [i === 0 ? '' : ' ', `${c.attribute}=`, c.value]));
  const traceqlValue = (c: SpanCondition) => ((c.type ?? 'string') === 'string' ? concat('"', c.value, '"') : c.value);
  const clauses = [...(spanName ? [`name = "${spanName}"`] : []), ...conditions.map((c) => concat(`span.${c.attribute} = `, traceqlValue(c)))];
  const traceql = concat('{ ', ...clauses.flatMap((c, i) => (i === 0 ? [c] : [' && ', c])), ' }');
  return { jaeger, traceql };
}
