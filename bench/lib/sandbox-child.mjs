// The Graph API for the benchmarks: the repo's Cloud API sandbox in its own process, so its CPU time
// never counts as the client's. Limits are raised so thousands of connects all succeed.
// As a script: starts the sandbox, prints its URL, exits when stdin closes (the parent died) or on SIGTERM.
// As a module: startSandboxChild() → { url, close() }.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

export async function startSandboxChild(options = {}) {
  const child = spawn(process.execPath, [self, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const killChild = () => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', killChild);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sandbox child did not start in 20 s')), 20_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('http'));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox child exited (${code})`));
    });
  });
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.stdin.end();
        setTimeout(killChild, 2000).unref();
      }),
  };
}

if (process.argv[1] === self) {
  const require = createRequire(import.meta.url);
  const { startSandbox } = require('../../build/sandbox/index.js');
  const options = JSON.parse(process.argv[2] ?? '{}');
  const sandbox = await startSandbox({
    concurrentCallLimit: 1e9,
    businessInitiatedCallLimit: 1e9,
    callInitiationLimit: 1e9,
    maxRecordedRequests: 10,
    ...options,
  });
  process.stdout.write(`${sandbox.url}\n`);
  const stop = () => sandbox.close().finally(() => process.exit(0));
  process.stdin.on('end', stop).resume();
  process.once('SIGTERM', stop);
}
