/**
 * The Redis test peers work with a real client (ioredis), with no instrumentation loaded: a standalone
 * server (crash, restart, stall) and a local 3-node Redis Cluster (slots spread, hash-tagged MULTI,
 * node restart). Missing redis-server fails these tests (never skips them).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Redis, { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './helpers/child-processes';
import { startRedis, startRedisCluster } from './helpers/redis';
import type { RedisCluster, RedisServer } from './helpers/redis';

const clients: { disconnect(): void }[] = [];
/** A client that fails fast instead of queueing or retrying for long: the tests' assertions need answers. */
function client(url: string, extra: Record<string, unknown> = {}): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: (n) => (n > 50 ? null : 50), ...extra });
  c.on('error', () => undefined); // connection errors during kill/pause are expected here
  clients.push(c);
  return c;
}
afterAll(() => {
  for (const c of clients) c.disconnect();
});

describe('tools the peers need', () => {
  it.each([
    ['redis-server', '--version', /Redis server v=7\./],
    ['redis-cli', '--version', /redis-cli 7\./],
  ])('%s 7.x is installed', (tool, arg, version) => {
    const r = spawnSync(tool, [arg], { encoding: 'utf8', timeout: 10_000 });
    expect(r.error, `${tool} is missing: install the Debian package redis-server (scripts/ensure-test-tools.sh)`).toBeUndefined();
    expect(r.stdout).toMatch(version);
  });
});

describe('startRedis: a standalone server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('answers ioredis on a loopback URL, without persistence, in protected mode', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const c = client(redis.url);
    await c.set('greeting', 'hello');
    expect(await c.get('greeting')).toBe('hello');
    expect(await c.config('GET', 'save')).toEqual(['save', '']);
    expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await c.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    expect(await c.config('GET', 'protected-mode')).toEqual(['protected-mode', 'yes']);
  });

  it('pause() makes a command time out on the client, resume() lets the same client through again', async () => {
    const impatient = client(redis.url, { commandTimeout: 200 });
    await impatient.set('k', 'v'); // connected before the pause
    redis.pause();
    try {
      await expect(impatient.get('k')).rejects.toThrow(/timed out/i);
    } finally {
      redis.resume();
    }
    // The same client recovers (polled: a loaded machine may answer the first command late).
    await pollUntil('the client answering after resume()', async () => (await impatient.get('k').catch(() => undefined)) === 'v', 10_000);
  });

  it('slow(ms) stalls the server for that long, then it answers again', async () => {
    const impatient = client(redis.url, { commandTimeout: 150 });
    expect(await impatient.ping()).toBe('PONG');
    const stalled = redis.slow(400);
    await expect(impatient.ping()).rejects.toThrow(/timed out/i);
    await stalled;
    expect(await redis.command(['PING'], { timeoutMs: 5000 })).toBe('PONG');
    await pollUntil('the client answering after the stall', async () => (await impatient.ping().catch(() => undefined)) === 'PONG', 10_000);
  });

  it('kill() drops connections; restart() brings it back on the same port, empty by default', async () => {
    const c = client(redis.url);
    await c.set('survives', 'no');
    const before = redis.pid();
    await redis.kill();
    expect(redis.running()).toBe(false);
    await expect(c.get('survives')).rejects.toThrow();
    await redis.restart();
    expect(redis.pid()).not.toBe(before);
    expect(await c.get('survives')).toBeNull(); // same client reconnected to the same port
  });

  it('restart({ keepData: true }) of a running server keeps its data', async () => {
    const c = client(redis.url);
    await c.set('kept', 'yes');
    await redis.restart({ keepData: true });
    expect(await c.get('kept')).toBe('yes');
  });
});

describe('startRedis({ persistent: true })', () => {
  it('keeps written data across a crash and restart', async () => {
    const redis = await startRedis({ persistent: true });
    try {
      const c = client(redis.url);
      await c.hset('call:1', { status: 'ringing' });
      await redis.kill();
      await redis.restart({ keepData: true });
      expect(await c.hgetall('call:1')).toEqual({ status: 'ringing' });
    } finally {
      await redis.close();
    }
    expect(fs.existsSync(redis.dir)).toBe(false);
  });
});

describe('startRedisCluster: three masters on loopback', () => {
  let cluster: RedisCluster;
  let c: Cluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    c = new Redis.Cluster(cluster.nodes, { redisOptions: { connectTimeout: 1000 }, clusterRetryStrategy: (n) => (n > 50 ? null : 100) });
    c.on('error', () => undefined);
    clients.push(c);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('is healthy on every node and spreads the slots over all three', async () => {
    expect(await Promise.all([0, 1, 2].map((i) => cluster.state(i)))).toEqual(['ok', 'ok', 'ok']);
    const slots = await c.cluster('SLOTS');
    expect(new Set(slots.map((s) => s[2][1]))).toEqual(new Set(cluster.nodes.map((n) => n.port)));
  });

  it('answers set/get for keys on different nodes through ioredis Cluster', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const k of keys) await c.set(k, `v-${k}`);
    expect(await Promise.all(keys.map((k) => c.get(k)))).toEqual(keys.map((k) => `v-${k}`));
    const owners = new Set(await Promise.all(keys.map(async (k) => ownerPort(cluster, await c.cluster('KEYSLOT', k)))));
    expect(owners.size).toBeGreaterThan(1);
  });

  it('runs a MULTI over hash-tagged keys (one slot) atomically', async () => {
    const replies = await c
      .multi()
      .hset('{call:wacid.1}:state', 'status', 'ringing')
      .sadd('{call:wacid.1}:signals', 'connect')
      .expire('{call:wacid.1}:state', 60)
      .exec();
    expect(replies?.map(([err]) => err)).toEqual([null, null, null]);
    expect(await c.hget('{call:wacid.1}:state', 'status')).toBe('ringing');
    expect(await c.smembers('{call:wacid.1}:signals')).toEqual(['connect']);
    // Without a shared hash tag the keys land in different slots and Redis refuses the transaction.
    await expect(c.multi().set('x1', '1').set('x2', '2').exec()).rejects.toThrow(/CROSSSLOT|different slots|All keys/i);
  });

  it('killNode(i) makes its slots unavailable; restartNode(i) brings the cluster back to ok', async () => {
    const slot = await c.cluster('KEYSLOT', 'probe');
    const owner = await ownerPort(cluster, slot);
    const i = cluster.nodes.findIndex((n) => n.port === owner);
    await c.set('probe', 'before');
    await cluster.killNode(i);
    await expect(cluster.command(i, ['PING'])).rejects.toThrow(/ECONNREFUSED/);
    // The survivors notice after cluster-node-timeout (1 s here): without replicas the cluster is down.
    const other = (i + 1) % 3;
    await pollUntil('a surviving node reporting cluster_state:fail', async () => (await cluster.state(other)) === 'fail', 10_000, 50);
    await cluster.restartNode(i);
    expect(await Promise.all([0, 1, 2].map((n) => cluster.state(n)))).toEqual(['ok', 'ok', 'ok']);
    expect(await c.get('probe')).toBeNull(); // no persistence: the node came back empty
    await c.set('probe', 'after');
    expect(await c.get('probe')).toBe('after');
  });
});

/** The port of the node serving `slot`, from CLUSTER SLOTS ([from, to, [host, port, id], ...]). */
async function ownerPort(cluster: RedisCluster, slot: number): Promise<number> {
  const slots = (await cluster.command(0, ['CLUSTER', 'SLOTS'])) as [number, number, [string, number]][];
  const range = slots.find(([from, to]) => slot >= from && slot <= to);
  if (!range) throw new Error(`no node owns slot ${slot}`);
  return Number(range[2][1]);
}
