/** Child processes for test peers: started bounded, stopped by the pid (and group) we started. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as dgram from 'node:dgram';

export function requireTool(name: string, versionArg = '-v'): void {
  const r = spawnSync(name, [versionArg], { stdio: 'ignore' });
  if (r.error) throw new Error(`${name} is not installed: .ci/run installs it from Debian packages (sip-tester, kamailio, kamailio-tls-modules)`);
}

export interface Peer {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startProcess(cmd: string, args: string[]): Peer {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c) => (out = (out + c).slice(-20_000)));
  child.stderr?.on('data', (c) => (out = (out + c).slice(-20_000)));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        try {
          process.kill(-child.pid!, 'SIGKILL'); // kamailio forks workers: kill the group
        } catch {
          child.kill('SIGKILL');
        }
      }),
  };
}

export async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Waits (bounded) until a TCP port accepts connections. */
export async function waitForTcp(port: number, peer: Peer, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (peer.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never opened:\n${peer.output()}`);
}
