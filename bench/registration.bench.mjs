// Registration cost: a fresh process per sample requires the package and creates + enables the
// instrumentation (what an app pays once at start-up, before its SDK starts), and — separately —
// requires the register entry as `node --import` would. Reported in ms (wall and CPU), median of
// several processes. No budget: reported.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './lib/cpu-rounds.mjs';
import { row } from './lib/rows.mjs';

const SAMPLES = 7;
const root = fileURLToPath(new URL('..', import.meta.url));
// Measured inside the child from just before the require to just after enable().
const probe = `
const t0 = performance.now(); const c0 = process.cpuUsage();
const { WhatsAppCallingInstrumentation } = require('./build/src/index.js');
const t1 = performance.now(); const c1 = process.cpuUsage();
const inst = new WhatsAppCallingInstrumentation(); inst.enable();
const t2 = performance.now(); const c2 = process.cpuUsage();
const cpu = (a, b) => (b.user + b.system - a.user - a.system) / 1000;
process.stdout.write(JSON.stringify({ requireMs: t1 - t0, requireCpuMs: cpu(c0, c1), enableMs: t2 - t1, enableCpuMs: cpu(c1, c2) }));
inst.disable(); process.exit(0);`;
const samples = Array.from({ length: SAMPLES }, () =>
  JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8', timeout: 30_000 })),
);
const m = (k) => median(samples.map((s) => s[k]));
console.log(
  `registration: require ${m('requireMs').toFixed(1)} ms (CPU ${m('requireCpuMs').toFixed(1)}), create + enable ${m('enableMs').toFixed(1)} ms (CPU ${m('enableCpuMs').toFixed(1)}); median of ${SAMPLES} processes`,
);
row({
  what: 'registration (require + enable)',
  budget: 'reported in ms',
  measured: `${(m('requireMs') + m('enableMs')).toFixed(1)} ms (require ${m('requireMs').toFixed(1)}, create + enable ${m('enableMs').toFixed(1)})`,
  baseline: `CPU ${(m('requireCpuMs') + m('enableCpuMs')).toFixed(1)} ms`,
  verdict: 'reported',
});
