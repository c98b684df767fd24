// Sums the self time of a V8 .cpuprofile by function and by area (a file of ours, a package, a node
// internal module, GC…), so "where does the time go" has numbers. With --minus, prints the
// difference per operation between two profiles (e.g. ours − bare), largest first. With --inclusive,
// the total time (self + callees) under each named function instead.
//   node bench/tools/summarize-cpuprofile.mjs A.cpuprofile [--ops 3000] [--minus B.cpuprofile --minus-ops 3000] [--top 40] [--filter build/src]
//   node bench/tools/summarize-cpuprofile.mjs A.cpuprofile --ops 3000 --inclusive recordGraphOperation,ingest,toEvent
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '40' },
    filter: { type: 'string' },
    ops: { type: 'string' },
    minus: { type: 'string' },
    'minus-ops': { type: 'string' },
    inclusive: { type: 'string' },
  },
});

const area = (url) => {
  if (!url) return '';
  if (url.includes('/build/src/') && !url.includes('node_modules')) return 'ours: ' + url.slice(url.indexOf('/build/src/') + 11);
  if (url.startsWith('node:')) return url.replace(/^node:internal\/deps\/undici\/.*/, 'node:undici (bundled)');
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  return url.replace(/^file:\/\/.*\/work\/main\//, '');
};

/** { byFn, byArea } in µs of self time, divided by `ops` when given. */
function load(file, ops) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFn = new Map();
  const byArea = new Map();
  const scale = ops ? 1 / ops : 1 / 1000;
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const name = f.functionName || '(anonymous)';
    if (name === '(idle)' || (args.filter && !f.url.includes(args.filter))) continue;
    const where = area(f.url);
    const fnKey = where ? `${name} ${where}:${f.lineNumber + 1}` : name;
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + us * scale);
    const areaKey = where || (name.startsWith('(') ? name : `(native) ${name}`);
    byArea.set(areaKey, (byArea.get(areaKey) ?? 0) + us * scale);
  }
  return { byFn, byArea };
}

if (args.inclusive) {
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const names = args.inclusive.split(',');
  const totals = new Map(names.map((n) => [n, 0]));
  const ops = Number(args.ops) || 1;
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const name = byId.get(id).callFrame.functionName;
      if (totals.has(name) && !seen.has(name)) {
        seen.add(name);
        totals.set(name, totals.get(name) + (profile.timeDeltas[i] ?? 0) / ops);
      }
    }
  }
  console.log(`— total time under each function (${args.ops ? 'µs per op' : 'µs'}) —`);
  for (const [name, us] of totals) console.log(`${us.toFixed(2).padStart(9)}  ${name}`);
  process.exit(0);
}
const a = load(positionals[0], Number(args.ops) || undefined);
const b = args.minus ? load(args.minus, Number(args['minus-ops']) || Number(args.ops) || undefined) : undefined;
const unit = args.ops ? 'µs per op' : 'ms';
const sub = (x, y) => {
  const out = new Map(x);
  if (y) for (const [k, v] of y) out.set(k, (out.get(k) ?? 0) - v);
  return out;
};
const top = Number(args.top);
const print = (title, m) => {
  const entries = [...m].sort((p, q) => Math.abs(q[1]) - Math.abs(p[1])).slice(0, top);
  const sum = [...m.values()].reduce((s, v) => s + v, 0);
  console.log(`— ${title} (${unit}; total ${sum.toFixed(1)}) —`);
  for (const [k, v] of entries) console.log(`${v.toFixed(2).padStart(9)}  ${k}`);
};
print(b ? 'self time by area, difference' : 'self time by area', sub(a.byArea, b?.byArea));
print(b ? 'self time by function, difference' : 'self time by function', sub(a.byFn, b?.byFn));
