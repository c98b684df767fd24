/**
 * Child processes and temp dirs of test helpers (redis-server, instance apps): each child is remembered
 * until it has exited, and SIGKILLed by its pid if the test process exits or is interrupted first (a
 * failed hook, Ctrl-C, a CI timeout's SIGTERM); temp dirs are removed on exit at the latest. Every wait
 * here is bounded. Never kills by name.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TrackedChild {
  child: ChildProcess;
  pid: number;
  /** stdout + stderr interleaved, the last 64 KiB (for failure messages). */
  output(): string;
  /** Resolves once the process has exited and its pipes are closed. */
  exited: Promise<ChildExit>;
  /** True while the process has not exited. */
  running(): boolean;
  /** Sends a signal to this pid (no-op once it has exited). */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM (SIGCONT first, in case it is stopped), then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const KEEP = 64 * 1024;
const live = new Set<TrackedChild>();
let hooked = false;

const tempDirs = new Set<string>();

/** Kills every child still running and removes the temp dirs (synchronous: runs in 'exit' and signal handlers). */
function cleanUpAll(): void {
  for (const c of live) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** On exit and on SIGINT/SIGTERM/SIGHUP: clean up, then let the signal do what it would have done. */
function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', cleanUpAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      cleanUpAll();
      process.removeListener(sig, onSignal);
      // Nobody else handles it: re-raise so the default action (terminate) still happens.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** The executable's path on PATH (or as given when it contains a slash), else undefined. */
function onPath(cmd: string): string | undefined {
  const candidates = cmd.includes('/')
    ? [cmd]
    : (process.env.PATH ?? '')
        .split(':')
        .filter(Boolean)
        .map((d) => path.join(d, cmd));
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

// util-linux's setpriv (Debian: essential) execs the command in place with PR_SET_PDEATHSIG, so the
// child is SIGKILLed by the kernel even when this process is SIGKILLed (no handler can run then).
const SETPRIV = onPath('setpriv');

export interface SpawnTrackedOptions extends SpawnOptions {
  /** Kernel-enforced SIGKILL when this process dies (setpriv --pdeathsig). Default true where setpriv exists. */
  dieWithParent?: boolean;
}

export function spawnTracked(cmd: string, args: string[], opts: SpawnTrackedOptions = {}): TrackedChild {
  hookProcessExit();
  const exe = onPath(cmd);
  if (!exe) throw new Error(`could not start ${cmd}: not found on PATH (npm test runs scripts/ensure-test-tools.sh)`);
  const { dieWithParent = true, ...spawnOpts } = opts;
  const [file, argv] = dieWithParent && SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', exe, ...args]] : [exe, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts });
  if (child.pid === undefined) {
    child.once('error', () => undefined); // reported by 'error' later; we throw now instead
    throw new Error(`could not start ${cmd}`);
  }
  let out = '';
  const keep = (c: Buffer | string) => {
    out = (out + c.toString()).slice(-KEEP);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (e) => {
      keep(`\n[spawn error] ${e.message}\n`);
      resolve({ code: -1, signal: null });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const tracked: TrackedChild = {
    child,
    pid: child.pid,
    output: () => out,
    exited,
    running,
    signal(sig) {
      if (!running()) return;
      try {
        process.kill(child.pid!, sig);
      } catch {
        /* exited meanwhile */
      }
    },
    async stop(graceMs = 3000) {
      if (running()) {
        tracked.signal('SIGCONT');
        tracked.signal('SIGTERM');
        const killed = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
        if (killed) tracked.signal('SIGKILL');
      }
      await Promise.race([exited, sleep(5000)]);
      live.delete(tracked);
    },
  };
  live.add(tracked);
  void exited.then(() => live.delete(tracked));
  return tracked;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    if (Date.now() >= until) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last})` : ''}`);
    await sleep(everyMs);
  }
}

/** A new directory under the OS temp dir, removed by `removeTempDir` or, at the latest, when the process exits. */
export function makeTempDir(prefix: string): string {
  hookProcessExit();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the usual bind-to-0-and-close probe). */
export async function freeLoopbackPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
