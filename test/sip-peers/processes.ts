/**
 * Child processes for test peers: started in their own process group, every wait bounded, stopped by
 * the pid (and group) we started — never by name.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';

export const INSTALL_HINT =
  '.ci/run installs it (npm test runs scripts/ensure-test-tools.sh: apt-get install sip-tester kamailio kamailio-tls-modules openssl)';

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
  /** stdout + stderr interleaved, the last 64 KiB (a closure: it may be passed on unbound). */
  output(this: void): string;
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

/** Groups still running; killed if this (test) process exits without stopping them, e.g. after a failed hook. */
const live = new Set<number>();
let exitHook = false;
function track(pgid: number): void {
  live.add(pgid);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const g of live) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
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
  if (pgid !== undefined) {
    track(pgid);
    void exited.then(() => {
      if (!groupAlive(pgid)) live.delete(pgid);
    });
  }
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
      live.delete(pgid);
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

/** Pids of every process in a process group (from /proc; Linux only). */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after ')'.
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/**
 * Local addresses ("ip:port", "proto") of the listening TCP and all UDP sockets that the processes of a
 * group hold, read from /proc (Linux only): proves a peer binds nothing but 127.0.0.1.
 */
export function boundSockets(pgid: number): { proto: string; address: string }[] {
  const inodes = new Set<string>();
  for (const pid of groupPids(pgid)) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  const out: { proto: string; address: string }[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let table: string;
    try {
      table = fs.readFileSync(`/proc/net/${proto}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      if (proto.startsWith('tcp') && f[3] !== '0A') continue; // TCP: listening sockets only
      const [hexIp, hexPort] = f[1].split(':');
      const ip = hexIp.length === 8 ? [3, 2, 1, 0].map((i) => parseInt(hexIp.slice(i * 2, i * 2 + 2), 16)).join('.') : `[${hexIp}]`; // IPv6: anything there is not 127.0.0.1
      out.push({ proto, address: `${ip}:${parseInt(hexPort, 16)}` });
    }
  }
  return out;
}
