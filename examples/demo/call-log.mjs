/**
 * The call log, built from exported spans like WhatsApp Manager's Call Logs: one row per `whatsapp
 * call` span, plus one per failed `whatsapp calls.connect` that never got a call id (the attempt
 * Meta refused: 138006, 138002, 138012 …). A span exporter, so it sees exactly what a tracing backend
 * would; spans are turned into small rows at once and not kept.
 *
 * Bounded: rows of the named scenarios are all kept; generated traffic keeps only its last `maxRows`
 * rows, plus counts by status and error category for every row.
 */
const EXPORT_SUCCESS = { code: 0 };
const REMEDY_EVENT = 'whatsapp.error.remedy';
const CONNECT_SPANS = new Set(['whatsapp calls.connect', 'whatsapp calls']);

const hrTimeMs = ([s, ns]) => s * 1000 + ns / 1e6;

function directionOf(value) {
  if (value === 'business_initiated') return 'Outbound';
  if (value === 'user_initiated') return 'Inbound';
  return '—';
}

/** The row for a span, or undefined when the span is not a call (or failed call attempt). */
export function rowOfSpan(span) {
  const a = span.attributes;
  const isCall = span.name === 'whatsapp call';
  // A request that never reached Meta (connection refused) may not have shown its action yet: `whatsapp calls`.
  const isFailedAttempt = CONNECT_SPANS.has(span.name) && span.status.code === 2 && !a['whatsapp.call.id'];
  if (!isCall && !isFailedAttempt) return undefined;
  const remedyEvent = span.events.find((e) => e.name === REMEDY_EVENT);
  const signaling = String(a['whatsapp.signaling'] ?? 'graph_api');
  const errorCode = a['whatsapp.error.code'] ?? (isFailedAttempt ? a['error.type'] : undefined);
  return {
    startMs: hrTimeMs(span.startTime),
    timestamp: new Date(hrTimeMs(span.startTime)).toISOString(),
    direction: directionOf(a['whatsapp.call.direction'] ?? (span.name === 'whatsapp calls.connect' ? 'business_initiated' : undefined)),
    signaling: signaling === 'sip' ? 'SIP' : 'GRAPH_API',
    callId: a['whatsapp.call.id'] === undefined ? undefined : String(a['whatsapp.call.id']),
    // Graph: x-fb-request-id of the request that initiated the call; SIP: the INVITE's Call-ID.
    requestId:
      a['whatsapp.request.id'] !== undefined ? String(a['whatsapp.request.id']) : a['sip.call_id'] !== undefined ? String(a['sip.call_id']) : undefined,
    status: isFailedAttempt ? 'failed' : String(a['whatsapp.call.status'] ?? 'unknown'),
    durationS: typeof a['whatsapp.call.duration'] === 'number' ? a['whatsapp.call.duration'] : undefined,
    errorCode: errorCode === undefined ? undefined : String(errorCode),
    errorCategory: a['whatsapp.error.category'] === undefined ? undefined : String(a['whatsapp.error.category']),
    remedy: remedyEvent?.attributes?.[REMEDY_EVENT] === undefined ? undefined : String(remedyEvent.attributes[REMEDY_EVENT]),
    /** Why it failed when there is no remedy (e.g. a connection refused before Meta answered). */
    detail: span.status.code === 2 && !remedyEvent ? span.status.message : undefined,
    mediaTimeoutPhase: a['whatsapp.media_timeout.phase'] === undefined ? undefined : String(a['whatsapp.media_timeout.phase']),
    preAccepted: typeof a['whatsapp.call.pre_accepted'] === 'boolean' ? a['whatsapp.call.pre_accepted'] : undefined,
    operation: isFailedAttempt ? String(a['whatsapp.operation'] ?? span.name.slice('whatsapp '.length)) : undefined,
    traceId: span.spanContext().traceId,
  };
}

export class CallLogExporter {
  /** @param {{ maxRows?: number, labelOf?: (row: object) => string | undefined }} [opts] */
  constructor({ maxRows = 1000, labelOf } = {}) {
    this.maxRows = maxRows;
    this.labelOf = labelOf ?? (() => undefined);
    this.pinned = [];
    this.recent = [];
    this.total = 0;
    this.spansSeen = 0;
    this.byStatus = new Map();
    this.byCategory = new Map();
    this.listeners = new Set();
  }

  export(spans, done) {
    for (const span of spans) {
      this.spansSeen++;
      const row = rowOfSpan(span);
      if (row) this.add(row);
    }
    done(EXPORT_SUCCESS);
  }

  add(row) {
    const scenario = this.labelOf(row);
    if (scenario) row.scenario = scenario;
    this.total++;
    this.byStatus.set(row.status, (this.byStatus.get(row.status) ?? 0) + 1);
    if (row.errorCategory) this.byCategory.set(row.errorCategory, (this.byCategory.get(row.errorCategory) ?? 0) + 1);
    if (scenario) this.pinned.push(row);
    else {
      this.recent.push(row);
      if (this.recent.length > this.maxRows) this.recent.splice(0, this.recent.length - this.maxRows);
    }
    for (const l of this.listeners) l(row);
  }

  /** Rows kept, oldest call first. */
  rows() {
    return [...this.pinned, ...this.recent].sort((a, b) => a.startMs - b.startMs);
  }

  /** Rows of generated traffic that were dropped to stay bounded. */
  get dropped() {
    return this.total - this.pinned.length - this.recent.length;
  }

  onRow(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async forceFlush() {}
  async shutdown() {}
}
