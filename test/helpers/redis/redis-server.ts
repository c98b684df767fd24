/**
 * A real standalone Redis for tests: `redis-server` on a free 127.0.0.1 port, no persistence, its own
 * temp dir, and the failure modes a shared call store must survive (crash, restart, stall, slowness).
 */
import { freeLoopbackPort, makeTempDir, removeTempDir, sleep } from '../child-processes';
import { RedisProcess } from './redis-process';
import type { CommandOptions, RespValue } from './resp';

export interface StartRedisOptions {
  /** Keep data across `kill()` + `restart({ keepData: true })` (AOF, fsync always). Default false. */
  persistent?: boolean;
  /** Extra redis.conf lines. */
  config?: string[];
  /** Bound on each wait for the server to answer PING. Default 10 s. */
  startTimeoutMs?: number;
}

export interface RestartOptions {
  /**
   * true: the data survives. A running server is shut down with `SHUTDOWN SAVE` (RDB snapshot); a
   * killed one keeps what it had written (everything when `persistent`, else nothing).
   * false (default): the server comes back empty.
   */
  keepData?: boolean;
}

export interface RedisServer {
  host: '127.0.0.1';
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** The temp dir holding redis.conf and any data files. */
  dir: string;
  /** The server's pid while it runs. */
  pid(): number | undefined;
  running(): boolean;
  /** One command on a fresh connection, bounded (default 2 s); error replies reject. */
  command(args: (string | number)[], opts?: CommandOptions): Promise<RespValue>;
  /** Graceful `SHUTDOWN NOSAVE`; the server can be `restart()`ed. */
  stop(): Promise<void>;
  /** SIGKILL (a crash); the server can be `restart()`ed. */
  kill(): Promise<void>;
  /** (Stops if running, then) starts again on the same port; resolves once it answers PING. */
  restart(opts?: RestartOptions): Promise<void>;
  /** SIGSTOP: connections stay open, nothing is answered until `resume()`. Synchronous. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /**
   * Stalls the server for `ms` (SIGSTOP, then SIGCONT): the stall has begun when this returns its
   * promise, which resolves once the server runs again. Use it un-awaited, then issue commands.
   */
  slow(ms: number): Promise<void>;
  /** redis-server's own log (loglevel warning). */
  output(): string;
  /** Kills the server and removes its temp dir. Idempotent. */
  close(): Promise<void>;
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = makeTempDir('redis-peer-');
  const port = await freeLoopbackPort();
  const proc = new RedisProcess({ port, dir, persistent: opts.persistent, config: opts.config, startTimeoutMs: opts.startTimeoutMs });
  try {
    await proc.start();
  } catch (e) {
    removeTempDir(dir);
    throw e;
  }
  let closed = false;
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => proc.pid,
    running: () => proc.running(),
    command: (args, o) => proc.command(args, o),
    stop: () => proc.stop(false),
    kill: () => proc.kill(),
    async restart(r = {}) {
      if (closed) throw new Error('redis server is closed');
      if (proc.running()) await proc.stop(r.keepData === true);
      if (!r.keepData) proc.wipeData();
      await proc.start();
    },
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    async slow(ms) {
      proc.pause();
      try {
        await sleep(ms);
      } finally {
        proc.resume();
      }
    },
    output: () => proc.output(),
    async close() {
      if (closed) return;
      closed = true;
      await proc.kill();
      removeTempDir(dir);
    },
  };
}
