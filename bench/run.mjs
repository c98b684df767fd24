// Runs every benchmark in its own process (memory numbers need a clean heap). Bounded in count.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const benches = [
  ['http-overhead.bench.mjs', []],
  ['call-memory.bench.mjs', ['--expose-gc']],
  ['sip-parser.bench.mjs', ['--expose-gc']],
  ['call-store.bench.mjs', ['--expose-gc']],
];
for (const [file, flags] of benches) {
  const path = new URL(file, import.meta.url).pathname;
  if (!existsSync(path)) continue;
  execFileSync(process.execPath, [...flags, path], { stdio: 'inherit', timeout: 300_000 });
}
