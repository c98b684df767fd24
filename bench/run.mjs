// `npm run bench`: every benchmark in its own process (memory figures need a clean heap, CPU figures
// a process of their own), then one table — what | budget | measured | baseline | verdict — from the
// `BENCH_ROW` lines they print (lib/rows.mjs); their other lines are the details, shown above it.
// A benchmark never fails the build: exit code 0 whatever the verdicts (a crashed one is a row too).
// Bounded: each benchmark has a timeout; the whole takes a few minutes on a 2-core machine.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benches = [
  ['http-overhead.bench.mjs', [], 420_000],
  ['webhook.bench.mjs', [], 120_000],
  ['sip-parser.bench.mjs', ['--expose-gc'], 120_000],
  ['hep-ingest.bench.mjs', [], 180_000],
  ['call-memory.bench.mjs', ['--expose-gc'], 180_000],
  ['call-store.bench.mjs', ['--expose-gc'], 300_000], // Redis vs in-memory, when present
  ['registration.bench.mjs', [], 120_000],
];

// Inside npm scripts `node` may resolve to a dev dependency's binary (node_modules/.bin/node: the
// Node 22 used by the compatibility tests): benchmark the Node that runs npm instead.
const node = process.env.npm_node_execpath && process.execPath.includes('node_modules') ? process.env.npm_node_execpath : process.execPath;

function runOne(file, flags, timeoutMs) {
  return new Promise((resolve) => {
    const rows = [];
    const child = spawn(node, [...flags, fileURLToPath(new URL(file, import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let pending = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (line.startsWith('BENCH_ROW ')) rows.push(JSON.parse(line.slice(10)));
        else console.log(line);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) console.log(pending);
      if (code !== 0) rows.push({ what: file, budget: '', measured: `did not finish (${signal ?? `exit ${code}`})`, baseline: '', verdict: 'error' });
      resolve(rows);
    });
  });
}

const started = Date.now();
const rows = [];
for (const [file, flags, timeoutMs] of benches) {
  if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) continue;
  console.log(`\n— ${file}`);
  rows.push(...(await runOne(file, flags, timeoutMs)));
}

const cols = ['what', 'budget', 'measured', 'baseline', 'verdict'];
const cell = (s) => String(s ?? '').replace(/\|/g, '\\|');
const version = (await import('node:child_process')).execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
console.log(`\nPerformance budgets (node ${version}, ${(await import('node:os')).cpus().length} CPUs, ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
console.log(`| ${cols.join(' | ')} |`);
console.log(`|${cols.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${cols.map((c) => cell(r[c])).join(' | ')} |`);
