/**
 * The key metrics, read from what the Prometheus exporter collects (the same numbers a scrape of
 * /metrics returns): active calls against the limit, the 24 h quotas, errors by category, media
 * timeouts, calls by status.
 */
import { renderTable } from './text-table.mjs';

/** name → data points, across scopes. */
function pointsByName(resourceMetrics) {
  const byName = new Map();
  for (const scope of resourceMetrics?.scopeMetrics ?? []) {
    for (const m of scope.metrics) byName.set(m.descriptor.name, [...(byName.get(m.descriptor.name) ?? []), ...m.dataPoints]);
  }
  return byName;
}

const valueOf = (p) => (typeof p.value === 'number' ? p.value : (p.value?.count ?? 0));

function sum(points = []) {
  return points.reduce((acc, p) => acc + valueOf(p), 0);
}

function max(points = []) {
  return points.length ? Math.max(...points.map(valueOf)) : undefined;
}

function groupBy(points = [], key) {
  const out = {};
  for (const p of points) {
    const k = String(p.attributes[key] ?? 'none');
    out[k] = (out[k] ?? 0) + valueOf(p);
  }
  return out;
}

export function summarizeMetrics(resourceMetrics) {
  const m = pointsByName(resourceMetrics);
  const get = (name) => m.get(`whatsapp.calling.${name}`);
  return {
    activeNow: sum(get('calls.active')),
    activeLimit: max(get('calls.active.limit')),
    pairUsageMax: max(get('quota.pair_usage.max')),
    pairLimit: max(get('quota.pair_limit')),
    exhaustedPairs: sum(get('quota.exhausted_pairs')),
    initiations: sum(get('quota.initiations')),
    initiationsLimit: max(get('quota.initiations.limit')),
    errorsByCategory: groupBy(get('errors'), 'whatsapp.error.category'),
    mediaTimeoutsByPhase: groupBy(get('media_timeouts'), 'whatsapp.media_timeout.phase'),
    callsByStatus: groupBy(get('calls'), 'whatsapp.call.status'),
    acceptsWithoutPreAccept: sum(get('accepts_without_pre_accept')),
    businessInitiatedConnected: sum(get('business_initiated.connected')),
    operationsBySignaling: groupBy(get('operation.duration'), 'whatsapp.signaling'),
  };
}

const list = (obj) =>
  Object.entries(obj)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '0';

/** Splits a `a 1, b 2, …` list into parts of at most `width` characters. */
function chunk(value, width) {
  const parts = [];
  let cur = '';
  for (const item of value.split(', ')) {
    if (cur && cur.length + 2 + item.length > width) {
      parts.push(`${cur},`);
      cur = item;
    } else cur = cur ? `${cur}, ${item}` : item;
  }
  parts.push(cur);
  return parts;
}

/** Lines of the key-metrics table. `peakActive`: the highest active count sampled during the run. */
export function metricsLines(s, { peakActive } = {}) {
  const na = (v) => (v === undefined ? '—' : String(v));
  const rows = [
    ['Active calls vs limit', `${na(s.activeNow)} now, peak ${na(peakActive)} of ${na(s.activeLimit)}`, 'whatsapp_calling_calls_active, _calls_active_limit'],
    [
      'BI quota, busiest pair (24 h)',
      `${na(s.pairUsageMax)} of ${na(s.pairLimit)}; ${s.exhaustedPairs} pair(s) exhausted`,
      'whatsapp_calling_quota_pair_usage_max, _pair_limit, _exhausted_pairs',
    ],
    ['Call initiations (24 h)', `${na(s.initiations)} of ${na(s.initiationsLimit)}`, 'whatsapp_calling_quota_initiations, _initiations_limit'],
    ['Errors by category', list(s.errorsByCategory), 'whatsapp_calling_errors_total'],
    ['Media timeouts by phase', list(s.mediaTimeoutsByPhase), 'whatsapp_calling_media_timeouts_total'],
    ['Accepts without pre_accept', String(s.acceptsWithoutPreAccept), 'whatsapp_calling_accepts_without_pre_accept_total'],
    ['Calls by status', list(s.callsByStatus), 'whatsapp_calling_calls_total'],
    ['Operations by signaling', list(s.operationsBySignaling), 'whatsapp_calling_operation_duration_count'],
  ];
  // Long lists continue on the next lines, under the value column.
  const lines = rows.flatMap(([label, value, series]) => chunk(value, 64).map((part, i) => (i === 0 ? [label, part, series] : ['', part, ''])));
  return renderTable([{ header: 'Metric' }, { header: 'Value' }, { header: 'Prometheus series' }], lines);
}
