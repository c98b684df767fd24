/**
 * An app that installed the packed package (`npm pack` of the built repo) beside exact versions of
 * its peers (`@opentelemetry/api`, the SDK) and the compatibility apps' clients, like a user's app.
 *
 * Installing takes ~10 s, and `npm test` runs this file on three Node majors, so an installed app is
 * kept in node_modules/.cache/whatsapp-compat-apps/<name>-<key>: the key hashes what the install
 * depends on (the built package's code and manifest, the specs), so any change installs afresh, and
 * older entries of the same name are removed. npm runs with --prefer-offline: tarballs come from the
 * npm cache when it has them. The fixtures are copied in on every use.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir } from '../../helpers/child-processes';
import { FIXTURES, REPO_ROOT } from './graph-apps';

const CACHE = path.join(REPO_ROOT, 'node_modules/.cache/whatsapp-compat-apps');
const FIXTURE_FILES = ['graph-app.cjs', 'graph-app.mjs', 'graph-traffic.cjs', 'in-memory-telemetry.cjs'];

/** The child's environment without the `npm_*` variables an outer `npm test` sets (they would configure the inner npm). */
const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, env: cleanEnv(), timeout: 150_000, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** The version of a package in the repo's own install. */
export const repoVersion = (name: string): string => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** A hash of what a packed install of this repo depends on: the built code and the manifest's package fields. */
function packageKey(specs: string[]): string {
  const hash = createHash('sha256');
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const { name, version, main, exports, dependencies, peerDependencies, peerDependenciesMeta } = manifest;
  hash.update(JSON.stringify({ name, version, main, exports, dependencies, peerDependencies, peerDependenciesMeta, specs }));
  const build = path.join(REPO_ROOT, 'build/src');
  for (const file of filesUnder(build)
    .filter((f) => f.endsWith('.js'))
    .sort()) {
    hash.update(path.relative(build, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The directory of an app named `name` with the packed package and `specs` installed; the fixtures copied in. */
export function packedApp(name: string, specs: string[]): string {
  if (!fs.existsSync(path.join(REPO_ROOT, 'build/src/index.js'))) throw new Error('build/ is missing: run `npm run build` first');
  const dir = path.join(CACHE, `${name}-${packageKey(specs)}`);
  if (!fs.existsSync(path.join(dir, '.installed'))) install(name, dir, specs);
  for (const file of FIXTURE_FILES) fs.copyFileSync(path.join(FIXTURES, file), path.join(dir, file));
  return dir;
}

function install(name: string, dir: string, specs: string[]): void {
  const work = makeTempDir('wa-compat-pack-');
  // --ignore-scripts: pack what is built; a prepack build would race other builds of the tree.
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], REPO_ROOT));
  const staging = `${dir}.installing-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: `compat-${name}`, version: '1.0.0', private: true }));
  try {
    npm(
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', path.join(work, packed.filename), ...specs],
      staging,
    );
    fs.writeFileSync(path.join(staging, '.installed'), `${specs.join('\n')}\n`);
    for (const old of fs.readdirSync(CACHE).filter((d) => d.startsWith(`${name}-`) && !d.includes('.installing-'))) {
      fs.rmSync(path.join(CACHE, old), { recursive: true, force: true });
    }
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}
