// The protocol between a benchmark process and bench/run.mjs: each result row is one line
// `BENCH_ROW {json}` on stdout; every other line is detail, shown under the table.
// Row: { what, budget, measured, baseline, verdict: 'met' | 'missed' | 'reported', note? }
export function row(r) {
  process.stdout.write(`BENCH_ROW ${JSON.stringify(r)}\n`);
}

export const us = (x) => `${x.toFixed(1)} µs`;
export const verdict = (ok) => (ok ? 'met' : 'missed');
