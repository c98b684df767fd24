/**
 * The published package as a user gets it: `npm pack` of the built repo, installed with
 * `@opentelemetry/api` into an empty app in a temp dir. Reports the install size and the
 * `@opentelemetry/*` packages it brings (runtime: instrumentation + semantic-conventions only; the SDK
 * and instrumentation-undici are optional peers). The SDK-starting entries then fail with the
 * `npm install` command until the app installs those peers, and start once it has.
 *
 * npm runs with `--prefer-offline`: the tarballs come from the npm cache that the repo's own install
 * filled (the peers and the API are installed at the repo's versions for that reason), the registry
 * is asked only for what the cache lacks. Needs `npm run build` first (as `npm test` does).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import { startOtlpCollector } from './helpers/otlp-collector';

const ROOT = path.resolve(__dirname, '..');
const PKG = 'opentelemetry-instrumentation-whatsapp-calling';
const RUNTIME_OTEL_PACKAGES = ['@opentelemetry/api', '@opentelemetry/api-logs', '@opentelemetry/instrumentation', '@opentelemetry/semantic-conventions'];
const MB = 1024 * 1024;

let tmp: string;
let app: string;
let packedFiles: string[];

/** The version of a package in the repo's own install (what the tests run against). */
const repoVersion = (name: string): string => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** The child's environment without the `npm_*` variables an outer `npm test` sets (they would configure the inner npm). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, ...extra };
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env: cleanEnv(), timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function npmInstall(specs: string[]): void {
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...specs], app);
}

/** Every installed package (any nesting depth), by name. */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dirs = entry.name.startsWith('@') ? fs.readdirSync(path.join(nodeModules, entry.name)).map((n) => path.join(entry.name, n)) : [entry.name];
    for (const dir of dirs) {
      const full = path.join(nodeModules, dir);
      if (!fs.existsSync(path.join(full, 'package.json'))) continue;
      names.push(dir.split(path.sep).join('/'));
      if (fs.existsSync(path.join(full, 'node_modules'))) names.push(...installedPackages(path.join(full, 'node_modules')));
    }
  }
  return names;
}

function fileBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += fileBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** Runs a short-lived node process in the app; SIGKILLed if it outlives the timeout. */
function runInApp(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, { cwd: app, env: cleanEnv(env), timeout: 20_000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'build/src/index.js'))) throw new Error('build/ is missing: run `npm run build` first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-packed-'));
  // --ignore-scripts: pack what is built; a prepack build would race other builds of the tree.
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT));
  packedFiles = packed.files.map((f: { path: string }) => f.path);
  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'empty-app', version: '1.0.0', private: true }));
  npmInstall([path.join(tmp, packed.filename), `@opentelemetry/api@${repoVersion('@opentelemetry/api')}`]);
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds only the build, README.md, LICENSE, CHANGELOG.md and package.json', () => {
    const others = packedFiles.filter((f) => !f.startsWith('build/src/'));
    expect(others.sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
    expect(packedFiles).toContain('build/src/index.js');
    expect(packedFiles).toContain('build/src/register.d.ts');
    expect(packedFiles.filter((f) => f.startsWith('build/src/') && !/\.(js|d\.ts|js\.map)$/.test(f))).toEqual([]);
  });

  it('installs into an empty app without the SDK, grpc-js or protobufjs, and reports the size', () => {
    const nodeModules = path.join(app, 'node_modules');
    const packages = installedPackages(nodeModules);
    const otel = [...new Set(packages.filter((p) => p.startsWith('@opentelemetry/')))].sort();
    const bytes = fileBytes(nodeModules);
    const du = spawnSync('du', ['-sk', nodeModules]);
    const onDisk = du.status === 0 ? `${(Number(du.stdout.toString().split('\t')[0]) / 1024).toFixed(1)} MB on disk, ` : '';
    console.log(
      `packed install: ${onDisk}${(bytes / MB).toFixed(1)} MB of files, ${packages.length} packages, ${otel.length} @opentelemetry/*: ${otel.join(' ')}`,
    );

    expect(otel.filter((p) => !RUNTIME_OTEL_PACKAGES.includes(p))).toEqual([]);
    expect(packages).not.toContain('@opentelemetry/sdk-node');
    expect(packages).not.toContain('@opentelemetry/instrumentation-undici');
    expect(packages).not.toContain('@grpc/grpc-js');
    expect(packages).not.toContain('protobufjs');
    // With the SDK as a dependency the same install was 47 MB of files in 34 packages.
    expect(bytes).toBeLessThan(25 * MB);
  });

  it('loads with require() in the app and creates an instrumentation', () => {
    const r = runInApp([
      '-e',
      `const m = require('${PKG}'); const i = new m.WhatsAppCallingInstrumentation({ enabled: false }); console.log(i.instrumentationName, typeof i.enable)`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`${PKG} function`);
  });

  it('register entry without the SDK: exits 1 before the app runs, naming the npm install command', () => {
    const r = runInApp(['--import', `${PKG}/register`, '-e', "console.log('app ran')"]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('app ran');
    expect(r.stderr).toContain(`${PKG}/register: @opentelemetry/sdk-node and @opentelemetry/instrumentation-undici are not installed`);
    expect(r.stderr).toContain('\n  npm install @opentelemetry/sdk-node @opentelemetry/instrumentation-undici\n');
    // Before Node 22.15 the newest sdk-node would not run: the message names the line that does.
    const [major, minor] = process.versions.node.split('.').map(Number);
    const sdk3 = major > 22 || (major === 22 && minor >= 15);
    expect(r.stderr.includes('@opentelemetry/api@1.9 @opentelemetry/sdk-node@0.223 @opentelemetry/instrumentation-undici')).toBe(!sdk3);
    expect(r.stderr).toContain('OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici');
    expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
  });

  it('register entry with undici disabled names only the SDK', () => {
    const r = runInApp(['--import', `${PKG}/register`, '-e', "console.log('app ran')"], { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('app ran');
    expect(r.stderr).toContain('\n  npm install @opentelemetry/sdk-node\n');
    expect(r.stderr).not.toContain('instrumentation-undici');
  });

  it('HEP sidecar bin without the SDK exits 1 naming the npm install command', () => {
    const r = runInApp([path.join(app, 'node_modules/.bin/whatsapp-calling-hep-sidecar')], { OTEL_WHATSAPP_HEP_PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('whatsapp-calling-hep-sidecar: @opentelemetry/sdk-node is not installed');
    expect(r.stderr).toContain('\n  npm install @opentelemetry/sdk-node\n');
    expect(r.stdout).not.toContain('listening');
  });

  // Runs last: it adds the peers to the app the tests above need without them.
  it('register entry starts once the app installs the peers it named, and exports our span in the app trace', async () => {
    npmInstall(['@opentelemetry/sdk-node', '@opentelemetry/instrumentation-undici'].map((name) => `${name}@${repoVersion(name)}`));
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/register-app.mjs'), path.join(app, 'app.mjs'));
    const sandbox = await startSandbox();
    const collector = await startOtlpCollector();
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', `${PKG}/register`, 'app.mjs'], {
          cwd: app,
          env: cleanEnv({
            GRAPH_URL: sandbox.url,
            OTEL_SERVICE_NAME: 'packed-install-test',
            OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
            OTEL_METRICS_EXPORTER: 'none',
            OTEL_LOGS_EXPORTER: 'none',
            OTEL_WHATSAPP_GRAPH_API_BASE_URLS: sandbox.url,
          }),
        });
        let err = '';
        child.stderr.on('data', (c) => (err += c));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve({ code: exitCode, stderr: err });
        });
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const names = collector.spans.map((s) => s.name).sort();
      expect(names).toEqual(['POST', 'app work', 'whatsapp calls.connect']);
      expect(new Set(collector.spans.map((s) => s.traceId)).size).toBe(1);
    } finally {
      await sandbox.close();
      await collector.close();
    }
  }, 120_000);
});
