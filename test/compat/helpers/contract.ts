/**
 * The WhatsApp span and metric contract of one app run, with what legitimately differs between runs
 * taken out (ids, trace ids, the sandbox's port, end order), so runs can be compared with toEqual:
 * span names, kinds, status, attributes, what each span's parent is (the app's span, an HTTP client
 * span of a companion instrumentation, none), which operation spans a call span links to; metric
 * names, attribute sets and counts (histograms) or values (counters, gauges).
 */
import type { PointOut, SpanOut, TrafficSpans } from './graph-apps';

export const OUR_SCOPE = 'opentelemetry-instrumentation-whatsapp-calling';
const SPAN_KIND_CLIENT = 2;

export type ParentKind = 'app span' | 'http client span' | 'none' | 'whatsapp span' | 'missing';

export interface SpanContract {
  name: string;
  kind: number;
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  parent: ParentKind;
  links: string[];
}

export interface PointContract {
  name: string;
  attributes: Record<string, unknown>;
  count?: number;
  value?: number;
}

export interface Contract {
  spans: SpanContract[];
  metrics: PointContract[];
}

/** JSON with object keys sorted: a stable sort key and an order-free comparison. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

const sortedKeys = (o: Record<string, unknown>) => JSON.parse(canonical(o)) as Record<string, unknown>;
const byCanonical = <T>(items: T[]) => items.sort((a, b) => canonical(a).localeCompare(canonical(b)));

/** `whatsapp calls.connect 401`: an operation span by name and HTTP status (unique in the traffic). */
const operationLabel = (s: SpanOut) => {
  const status = s.attributes['http.response.status_code'];
  return typeof status === 'number' || typeof status === 'string' ? `${s.name} ${status}` : s.name;
};

export const ourSpans = (out: TrafficSpans): SpanOut[] => out.spans.filter((s) => s.scope === OUR_SCOPE);
export const appSpan = (out: TrafficSpans): SpanOut | undefined => out.spans.find((s) => s.name === 'app' && s.scope === 'compat-app');
export const httpClientSpans = (out: TrafficSpans): SpanOut[] =>
  out.spans.filter((s) => s.scope.startsWith('@opentelemetry/instrumentation-') && s.kind === SPAN_KIND_CLIENT);

export function contractOf(out: TrafficSpans & { metrics?: PointOut[] }): Contract {
  const byId = new Map(out.spans.map((s) => [s.spanId, s]));
  const app = appSpan(out);
  const operations = ourSpans(out).filter((s) => s.name !== 'whatsapp call');
  const stand = new Map<unknown, string>([[out.connectCallId, '<connect call id>']]);
  for (const s of operations) {
    stand.set(s.attributes['whatsapp.request.id'], `<request id of ${operationLabel(s)}>`);
    stand.set(s.attributes['whatsapp.fbtrace_id'], `<fbtrace id of ${operationLabel(s)}>`);
  }
  const attributes = (s: SpanOut) =>
    sortedKeys(Object.fromEntries(Object.entries(s.attributes).map(([k, v]) => [k, k === 'server.port' ? '<port>' : (stand.get(v) ?? v)])));
  const parent = (s: SpanOut): ParentKind => {
    if (!s.parentSpanId) return 'none';
    if (app && s.parentSpanId === app.spanId) return 'app span';
    const p = byId.get(s.parentSpanId);
    if (!p) return 'missing';
    if (p.scope === OUR_SCOPE) return 'whatsapp span';
    return p.kind === SPAN_KIND_CLIENT && p.traceId === s.traceId ? 'http client span' : 'missing';
  };
  const spans = ourSpans(out).map((s) => ({
    name: s.name,
    kind: s.kind,
    status: s.status,
    attributes: attributes(s),
    parent: parent(s),
    links: s.links.map((id) => (byId.has(id) ? operationLabel(byId.get(id)!) : '<not exported>')).sort(),
  }));
  const metrics = (out.metrics ?? [])
    .filter((p) => p.scope === OUR_SCOPE)
    .map(({ name, attributes: a, count, value }) => ({ name, attributes: sortedKeys(a), ...(count !== undefined ? { count } : { value }) }));
  return { spans: byCanonical(spans), metrics: byCanonical(metrics) };
}
