/**
 * Prints the call log: WhatsApp Manager's Call Logs columns (timestamp, direction, signaling, call ID,
 * request ID) plus status, duration and error, and under each failed call the remedy the span
 * carries. Consumer numbers are not in the spans, so they cannot be here either.
 */
import { renderTable, wrap } from './text-table.mjs';

const FAILED = new Set(['failed', 'rejected', 'unanswered', 'unknown']);

export function formatDuration(s) {
  if (s === undefined) return '—';
  const whole = Math.round(s);
  return whole >= 60 ? `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

function errorCell(row) {
  if (!row.errorCode && !row.errorCategory) return '—';
  const phase = row.mediaTimeoutPhase ? ` (${row.mediaTimeoutPhase})` : '';
  return `${row.errorCode ?? '?'} ${row.errorCategory ?? ''}${phase}`.trim();
}

function statusCell(row) {
  if (row.status === 'completed' && row.preAccepted === false) return 'completed*';
  return row.status;
}

/** Lines of the call-log table; `wide` prints call and request ids in full. */
export function callLogLines(rows, { wide = false, width = 120 } = {}) {
  const columns = [
    { header: 'Timestamp (UTC)' },
    { header: 'Direction' },
    { header: 'Signaling' },
    { header: 'Call ID', max: wide ? undefined : 20 },
    { header: 'Request ID', max: wide ? undefined : 14 },
    { header: 'Status' },
    { header: 'Duration', align: 'right' },
    { header: 'Error code / category' },
    { header: 'Scenario' },
  ];
  const cells = rows.map((r) => [
    r.timestamp.slice(11, 23),
    r.direction,
    r.signaling,
    r.callId ?? (r.operation ? '— (refused)' : '—'),
    r.requestId ?? '—',
    statusCell(r),
    formatDuration(r.durationS),
    errorCell(r),
    r.scenario ?? 'traffic',
  ]);
  const under = (i) => {
    const r = rows[i];
    if (!FAILED.has(r.status)) return [];
    if (r.remedy) return wrap(r.remedy, width, '      ↳ remedy: ');
    if (r.detail) return wrap(r.detail, width, '      ↳ ');
    return [];
  };
  const lines = renderTable(columns, cells, { after: under });
  if (rows.some((r) => r.status === 'completed' && r.preAccepted === false)) {
    lines.push('  * accepted without pre_accept: the caller misses the first second of audio (whatsapp.call.pre_accepted=false)');
  }
  return lines;
}
