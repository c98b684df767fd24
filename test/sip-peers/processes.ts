/**
 * Child processes for test peers: started in their own process group, every wait bounded, stopped by
 * the pid (and group) we started — never by name.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as dgram from 'node:dgram';

export const INSTALL_HINT = '.ci/run installs it from Debian packages (apt-get install sip-tester kamailio kamailio-tls-modules openssl)';

/** Throws (so the test fails, never skips) when a tool the peers need is missing. */
export function requireTool(name: string, versionArg = '-v'): void {
  const r = spawnSync(name, [versionArg], { stdio: 'ignore', timeout: 10_000 });
  if (r.error) throw new Error(`${name} is not installed (${r.error.message}): ${INSTALL_HINT}`);
}

export interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Peer {
  child: ChildProcess;
  /** stdout + stderr interleaved, the last 64 KiB. */
  output(): string;
  /** Resolves once the started process has exited (code -1 when killed by a signal). */
  exited: Promise<Exit>;
  stop(): Promise<void>;
}

const KEEP = 64 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while any process of the group still exists (zombies included: the caller's bound covers them). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function startProcess(cmd: string, args: string[], opts: { cwd?: string; termGraceMs?: number } = {}): Peer {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => {
    out = (out + c).slice(-KEEP);
    stdout = (stdout + c).slice(-KEEP);
  });
  child.stderr?.on('data', (c: string) => {
    out = (out + c).slice(-KEEP);
    stderr = (stderr + c).slice(-KEEP);
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (e) => resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` }));
    // 'close' (not 'exit'): the pipes are drained, so stdout/stderr are complete.
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  const pgid = child.pid;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (pgid === undefined) return;
      const done = () => child.exitCode !== null || child.signalCode !== null;
      if (!done()) {
        // SIGTERM to the group first: kamailio's main process then stops and reaps its workers.
        try {
          process.kill(-pgid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const grace = Date.now() + (opts.termGraceMs ?? 3000);
        while (!done() && Date.now() < grace) await sleep(25);
      }
      if (groupAlive(pgid)) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
      await Promise.race([exited, sleep(5000)]);
      const until = Date.now() + 5000;
      while (groupAlive(pgid) && Date.now() < until) await sleep(25);
    })());
  return { child, output: () => out, exited, stop };
}

export async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', resolve);
  });
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A port free for both TCP and UDP on 127.0.0.1 (sipp listens on both for t1). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freeTcpPort();
    if (!(await isBound(port, 'udp'))) return port;
  }
  throw new Error('no free loopback port');
}

/** Probes by binding: true when someone already holds 127.0.0.1:port (no packet or connection is made). */
export async function isBound(port: number, proto: 'udp' | 'tcp'): Promise<boolean> {
  if (proto === 'udp') {
    const s = dgram.createSocket('udp4');
    return new Promise<boolean>((resolve) => {
      s.once('error', () => {
        s.close();
        resolve(true);
      });
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
  }
  const s = net.createServer();
  return new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** Waits (bounded) until the peer holds 127.0.0.1:port, probing by bind. */
export async function waitForBind(port: number, proto: 'udp' | 'tcp', peer: Peer, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await isBound(port, proto)) return;
    if (peer.child.exitCode !== null || peer.child.signalCode !== null) break;
    await sleep(25);
  }
  throw new Error(`${peer.child.spawnfile} never bound ${proto} 127.0.0.1:${port}:\n${peer.output()}`);
}

/** Waits (bounded) until a TCP port on 127.0.0.1 accepts connections. */
export async function waitForTcp(port: number, peer: Peer, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (peer.child.exitCode !== null || peer.child.signalCode !== null) break;
    await sleep(50);
  }
  throw new Error(`${peer.child.spawnfile}: port ${port} never accepted a connection:\n${peer.output()}`);
}
