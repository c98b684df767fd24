/**
 * One `redis-server` in the foreground on a fixed loopback port with its own config file and data dir,
 * restartable on the same port. The single server and each cluster node are one of these.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pollUntil, sleep, spawnTracked } from '../child-processes';
import type { TrackedChild } from '../child-processes';
import { answersPing, redisCommand } from './resp';
import type { CommandOptions, RespValue } from './resp';

export const REDIS_INSTALL_HINT = 'install the Debian package redis-server (npm test runs scripts/ensure-test-tools.sh)';

export interface RedisProcessOptions {
  port: number;
  /** Data dir (holds redis.conf, dump.rdb / appendonlydir, nodes.conf). */
  dir: string;
  /**
   * Keep data across kill + restart: append-only file, fsync on every write. Default false:
   * `save ""` and `appendonly no` (nothing written unless a restart asks to keep data).
   */
  persistent?: boolean;
  /** More redis.conf lines (e.g. cluster settings, `maxmemory 10mb`). */
  config?: string[];
  /** Bound on the wait for the first PONG. Default 10 s. */
  startTimeoutMs?: number;
}

export class RedisProcess {
  private proc: TrackedChild | undefined;
  private readonly confPath: string;

  constructor(readonly opts: RedisProcessOptions) {
    this.confPath = path.join(opts.dir, 'redis.conf');
    const lines = [
      `port ${opts.port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      'daemonize no',
      'save ""',
      `appendonly ${opts.persistent ? 'yes' : 'no'}`,
      'appendfsync always',
      `dir ${opts.dir}`,
      'dbfilename dump.rdb',
      // DEBUG SLEEP / DEBUG SEGFAULT etc. from loopback clients only (tests that want a stuck server).
      'enable-debug-command local',
      'logfile ""',
      'loglevel warning',
      ...(opts.config ?? []),
    ];
    fs.writeFileSync(this.confPath, `${lines.join('\n')}\n`);
  }

  get port(): number {
    return this.opts.port;
  }

  get pid(): number | undefined {
    return this.proc?.running() ? this.proc.pid : undefined;
  }

  running(): boolean {
    return this.proc?.running() ?? false;
  }

  /** Starts the server and waits (bounded) until it answers PING. */
  async start(): Promise<void> {
    if (this.running()) throw new Error(`redis on :${this.port} is already running`);
    let proc: TrackedChild;
    try {
      proc = spawnTracked('redis-server', [this.confPath], { cwd: this.opts.dir });
    } catch (e) {
      throw new Error(`${(e as Error).message}: ${REDIS_INSTALL_HINT}`, { cause: e });
    }
    this.proc = proc;
    const timeoutMs = this.opts.startTimeoutMs ?? 10_000;
    try {
      await pollUntil(
        `redis-server on 127.0.0.1:${this.port} answering PING`,
        async () => {
          if (!proc.running()) throw new Error(`redis-server exited early:\n${proc.output()}`);
          return answersPing(this.port, 300);
        },
        timeoutMs,
      );
    } catch (e) {
      await proc.stop(500);
      throw new Error(`${(e as Error).message}\n${proc.output()}`, { cause: e });
    }
  }

  /** One command on a fresh connection (bounded). */
  command(args: (string | number)[], opts?: CommandOptions): Promise<RespValue> {
    return redisCommand(this.port, args, opts);
  }

  /** Graceful `SHUTDOWN` (SAVE or NOSAVE); SIGTERM/SIGKILL if that does not end it in time. */
  async stop(save = false): Promise<void> {
    const proc = this.proc;
    if (!proc?.running()) return;
    proc.signal('SIGCONT');
    await this.command(['SHUTDOWN', save ? 'SAVE' : 'NOSAVE'], { allowClose: true, timeoutMs: 3000 }).catch(() => undefined);
    await Promise.race([proc.exited, sleep(3000)]);
    await proc.stop(1000);
  }

  /** SIGKILL: the crash case (no save, connections reset). Resolves once the process is gone. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc?.running()) return;
    proc.signal('SIGKILL');
    await Promise.race([proc.exited, sleep(5000)]);
  }

  /** SIGSTOP: the server holds its connections but answers nothing (a stuck or overloaded peer). */
  pause(): void {
    this.proc?.signal('SIGSTOP');
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    this.proc?.signal('SIGCONT');
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  /** Removes what the server wrote (keeps redis.conf and, with `keepClusterConfig`, nodes.conf). */
  wipeData(keepClusterConfig = false): void {
    for (const entry of fs.readdirSync(this.opts.dir)) {
      if (entry === 'redis.conf') continue;
      if (keepClusterConfig && entry.startsWith('nodes-')) continue;
      fs.rmSync(path.join(this.opts.dir, entry), { recursive: true, force: true });
    }
  }
}
