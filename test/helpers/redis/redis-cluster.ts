/**
 * A real local Redis Cluster: N masters (no replicas) on free 127.0.0.1 ports, joined with
 * `redis-cli --cluster create`, healthy once every node reports `cluster_state:ok`. Each node's cluster
 * bus port is set explicitly (`cluster-port`, Redis 7), so it need not be port + 10000.
 */
import { freeLoopbackPort, makeTempDir, pollUntil, removeTempDir, spawnTracked } from '../child-processes';
import { RedisProcess } from './redis-process';
import type { CommandOptions, RespValue } from './resp';

export interface StartRedisClusterOptions {
  /** Keep each node's data across `killNode` + `restartNode` (AOF, fsync always). Default false. */
  persistent?: boolean;
  /**
   * `cluster-node-timeout`: how long a silent node takes to be marked failed (and the cluster to go
   * `fail` without replicas). Default 1000 ms, so failure and recovery show up quickly in tests.
   */
  nodeTimeoutMs?: number;
  /** Extra redis.conf lines for every node (e.g. `cluster-require-full-coverage no`). */
  config?: string[];
  /** Bound on creating the cluster and on each wait for `cluster_state:ok`. Default 20 s. */
  timeoutMs?: number;
}

export interface ClusterNodeAddress {
  host: '127.0.0.1';
  port: number;
}

export interface RedisCluster {
  /** For `new Redis.Cluster(nodes)`. */
  nodes: ClusterNodeAddress[];
  /** `redis://127.0.0.1:<port>` per node. */
  urls: string[];
  /** Each node's temp dir. */
  dirs: string[];
  /** One command to node `i` on a fresh connection (bounded; error replies, e.g. MOVED, reject). */
  command(i: number, args: (string | number)[], opts?: CommandOptions): Promise<RespValue>;
  /** `cluster_state` as node `i` reports it ('ok' | 'fail'). */
  state(i: number): Promise<string>;
  /** Waits (bounded) until every running node reports `cluster_state:ok`. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** SIGKILL node `i` (its slots become unreachable; the others mark it failed after nodeTimeoutMs). */
  killNode(i: number): Promise<void>;
  /** Starts node `i` again on its port with its nodes.conf (same node id and slots); waits until healthy. */
  restartNode(i: number, opts?: { keepData?: boolean }): Promise<void>;
  /** SIGSTOP / SIGCONT node `i`. */
  pauseNode(i: number): void;
  resumeNode(i: number): void;
  /** Kills every node and removes the temp dirs. Idempotent. */
  close(): Promise<void>;
}

const clusterStateOf = (info: RespValue): string => /cluster_state:(\w+)/.exec(String(info))?.[1] ?? 'unknown';

export async function startRedisCluster(size = 3, opts: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  if (size < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const procs: RedisProcess[] = [];
  const dirs: string[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(procs.map((p) => p.kill()));
    for (const d of dirs) removeTempDir(d);
  };
  try {
    const ports = new Set<number>();
    while (ports.size < size * 2) ports.add(await freeLoopbackPort());
    const [dataPorts, busPorts] = [[...ports].slice(0, size), [...ports].slice(size)];
    for (let i = 0; i < size; i++) {
      const dir = makeTempDir(`redis-cluster-${i}-`);
      dirs.push(dir);
      const port = dataPorts[i];
      procs.push(
        new RedisProcess({
          port,
          dir,
          persistent: opts.persistent,
          startTimeoutMs: timeoutMs,
          config: [
            'cluster-enabled yes',
            `cluster-config-file ${dir}/nodes-${port}.conf`,
            `cluster-port ${busPorts[i]}`,
            `cluster-node-timeout ${opts.nodeTimeoutMs ?? 1000}`,
            ...(opts.config ?? []),
          ],
        }),
      );
    }
    await Promise.all(procs.map((p) => p.start()));
    await createCluster(dataPorts, timeoutMs);
  } catch (e) {
    await close();
    throw e;
  }

  const cluster: RedisCluster = {
    nodes: procs.map((p) => ({ host: '127.0.0.1', port: p.port })),
    urls: procs.map((p) => `redis://127.0.0.1:${p.port}`),
    dirs,
    command: (i, args, o) => procs[i].command(args, o),
    state: async (i) => clusterStateOf(await procs[i].command(['CLUSTER', 'INFO'])),
    async waitHealthy(ms = timeoutMs) {
      await pollUntil(
        'every Redis Cluster node reporting cluster_state:ok',
        async () => {
          const states = await Promise.all(
            procs.filter((p) => p.running()).map(async (p) => clusterStateOf(await p.command(['CLUSTER', 'INFO'], { timeoutMs: 500 }))),
          );
          return states.length > 0 && states.every((s) => s === 'ok');
        },
        ms,
        50,
      );
    },
    killNode: (i) => procs[i].kill(),
    async restartNode(i, r = {}) {
      if (closed) throw new Error('redis cluster is closed');
      const p = procs[i];
      if (p.running()) await p.stop(r.keepData === true);
      if (!r.keepData) p.wipeData(true);
      await p.start();
      await cluster.waitHealthy();
    },
    pauseNode: (i) => procs[i].pause(),
    resumeNode: (i) => procs[i].resume(),
    close,
  };
  await cluster.waitHealthy();
  return cluster;
}

/** `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, bounded. */
async function createCluster(ports: number[], timeoutMs: number): Promise<void> {
  const cli = spawnTracked('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  const timer = setTimeout(() => cli.signal('SIGKILL'), timeoutMs);
  const exit = await cli.exited;
  clearTimeout(timer);
  if (exit.code !== 0) throw new Error(`redis-cli --cluster create failed (${exit.code ?? exit.signal}):\n${cli.output()}`);
}
