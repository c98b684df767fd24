/** Plain-text tables for the terminal: columns padded to their widest cell, capped per column. */

/** Shortens `s` to `max` characters, keeping its start and end (ids stay recognisable). */
export function middleTruncate(s, max) {
  if (s.length <= max) return s;
  const tail = Math.max(3, Math.floor((max - 1) / 3));
  return `${s.slice(0, max - 1 - tail)}…${s.slice(-tail)}`;
}

/**
 * @param {{ header: string, max?: number, align?: 'left' | 'right' }[]} columns
 * @param {string[][]} rows cells as strings
 * @param {{ indent?: string, after?: (rowIndex: number) => string[] }} [opts] `after`: lines printed under a row
 */
export function renderTable(columns, rows, { indent = '  ', after } = {}) {
  const cells = rows.map((r) => r.map((c, i) => (columns[i].max ? middleTruncate(c, columns[i].max) : c)));
  const widths = columns.map((col, i) => Math.max(col.header.length, ...cells.map((r) => r[i].length)));
  const line = (r) =>
    indent +
    r
      .map((c, i) => (columns[i].align === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), indent + widths.map((w) => '─'.repeat(w)).join('  ')];
  cells.forEach((r, i) => {
    out.push(line(r));
    if (after) out.push(...after(i));
  });
  return out;
}

/** Word-wraps `text` to `width`, the first line prefixed with `first`, the rest with `rest`. */
export function wrap(text, width, first, rest = ' '.repeat(first.length)) {
  const lines = [];
  let line = first;
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    const prefix = lines.length ? rest : first;
    if (line.length > prefix.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else line += (line.length > prefix.length ? ' ' : '') + word;
  }
  lines.push(line);
  return lines;
}
