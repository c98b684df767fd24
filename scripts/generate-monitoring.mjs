#!/usr/bin/env node
// Writes the Prometheus rules (both metric-name variants), their promtool tests, the runbook and the
// Grafana dashboards from monitoring/*.ts (which read the error catalogue in src/catalogue).
//   node scripts/generate-monitoring.mjs           write the files
//   node scripts/generate-monitoring.mjs --check   exit 1 if a committed file differs from the output
import { tsImport } from 'tsx/esm/api';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { generatedFiles } = await tsImport('../monitoring/generate.ts', import.meta.url);
const check = process.argv.includes('--check');
const stale = [];
for (const [rel, content] of Object.entries(generatedFiles())) {
  const file = path.join(root, rel);
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (current === content) continue;
  if (check) {
    stale.push(rel);
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    console.log(`wrote ${rel}`);
  }
}
if (stale.length) {
  console.error(`out of date (run node scripts/generate-monitoring.mjs):\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
