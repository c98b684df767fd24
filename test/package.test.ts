/** The published surface: ESM and CommonJS apps can load the package and its register entry. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version';

const ROOT = path.resolve(__dirname, '..');
const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: ROOT, timeout: 20_000 }).toString().trim();

describe('package', () => {
  it('keeps src/version.ts in step with package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect([PACKAGE_NAME, PACKAGE_VERSION]).toEqual([pkg.name, pkg.version]);
  });

  it('gives ESM apps named exports', () => {
    expect(
      run([
        '--input-type=module',
        '-e',
        "import { WhatsAppCallingInstrumentation, classifyGraphError } from 'opentelemetry-instrumentation-whatsapp-calling'; console.log(typeof WhatsAppCallingInstrumentation, classifyGraphError({ code: 138002 }).category)",
      ]),
    ).toBe('function concurrency_limit');
  });

  it('gives CommonJS apps the same exports', () => {
    expect(
      run([
        '-e',
        "const m = require('opentelemetry-instrumentation-whatsapp-calling'); console.log(typeof m.WhatsAppCallingInstrumentation, new m.WhatsAppCallingInstrumentation().instrumentationName)",
      ]),
    ).toBe('function opentelemetry-instrumentation-whatsapp-calling');
  });

  it('lists only the build, README, LICENSE and CHANGELOG as package files', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files.filter((f: string) => !f.startsWith('build/src/')).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md']);
  });

  it('depends at runtime on the instrumentation base and semantic conventions only; the SDK, instrumentation-undici and ioredis are optional peers', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@opentelemetry/instrumentation', '@opentelemetry/semantic-conventions']);
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([
      '@opentelemetry/api',
      '@opentelemetry/instrumentation-undici',
      '@opentelemetry/sdk-node',
      'ioredis',
    ]);
    expect(pkg.peerDependenciesMeta).toEqual({
      '@opentelemetry/instrumentation-undici': { optional: true },
      '@opentelemetry/sdk-node': { optional: true },
      ioredis: { optional: true },
    });
    // The repo's own tests and demo run the register entry, so every peer is also a dev dependency.
    expect(Object.keys(pkg.peerDependencies).filter((name) => !pkg.devDependencies[name])).toEqual([]);
  });
});
