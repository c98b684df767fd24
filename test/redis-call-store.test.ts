/**
 * The Redis call store on a real redis-server and a real local 3-node Redis Cluster: the store
 * contract (the same suite as the in-memory store), what only a shared store must do (agreement
 * between separate clients, TTLs on every key, the shared secret), and the client it creates itself
 * (never keeps an app's process alive, is closed with the store; an app's own client is not).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalKeyOf } from '../src/events/call-signal';
import type { StoredSignal } from '../src/events/call-signal';
import { RedisCallStore } from '../src/store/redis-call-store';
import { SETTLE_PER_READ, SETTLE_PER_WRITE } from '../src/store/redis-scripts';
import { createCallStoreFromConfig } from '../src/store/create-from-config';
import { describeCallStoreContract } from './helpers/call-store-contract';
import { describeQuotaPairsModel } from './helpers/quota-pairs-model';
import { freeLoopbackPort } from './helpers/child-processes';
import { startRedis, startRedisCluster } from './helpers/redis';
import type { RedisCluster, RedisServer } from './helpers/redis';

let redis: RedisServer;
let cluster: RedisCluster;
const clients: { disconnect(): void }[] = [];
const silentDiag = { error() {}, warn() {}, info() {}, debug() {}, verbose() {} };

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster(3)]);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([redis?.close(), cluster?.close()]);
});

function standaloneClient(): Redis {
  const c = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}
function clusterClient(): Cluster {
  const c = new Cluster(cluster.nodes);
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

let prefixes = 0;
/** A store on its own key prefix (tests share one Redis). */
const storeOn = (client: Redis | Cluster, keyPrefix = `t${process.pid}-${++prefixes}`) => new RedisCallStore({ client, keyPrefix });

describeCallStoreContract('Redis (standalone)', async () => ({ store: storeOn(standaloneClient()), close: async () => {} }));
describeCallStoreContract('Redis Cluster (3 nodes)', async () => ({ store: storeOn(clusterClient()), close: async () => {} }));
/** One client per suite, a key prefix per run. */
const clockedOn = (client: () => Redis | Cluster) => {
  let c: Redis | Cluster | undefined;
  return async (now: () => number) => ({
    store: new RedisCallStore({ client: (c ??= client()), keyPrefix: `q${process.pid}-${++prefixes}`, now }),
    close: async () => {},
  });
};
describeQuotaPairsModel('Redis (standalone)', clockedOn(standaloneClient), 300);
describeQuotaPairsModel('Redis Cluster (3 nodes)', clockedOn(clusterClient), 100);
describeCallStoreContract('Redis created from { url }', async () => {
  const store = createCallStoreFromConfig({ url: redis.url, keyPrefix: `t${process.pid}-url` }, silentDiag)!;
  return { store, close: async () => store.close?.() };
});
describeCallStoreContract('Redis Cluster created from { cluster }', async () => {
  const store = createCallStoreFromConfig({ cluster: cluster.nodes, keyPrefix: `t${process.pid}-cluster` }, silentDiag)!;
  return { store, close: async () => store.close?.() };
});

const PHONE = '106540352242922';
const KEY = { phoneNumberId: PHONE, direction: 'user_initiated', signaling: 'graph_api' };
let seq = 0;
const sig = (type: StoredSignal['type']): StoredSignal => ({
  type,
  source: 'webhook',
  signaling: 'graph_api',
  at: Date.now(),
  dedupeKey: `d${++seq}`,
  phoneNumberId: PHONE,
  direction: 'user_initiated',
});
const effect = { terminal: false, live: true, activeKey: KEY, retainMs: 60_000, maxSignals: 64 };

describe.each([
  ['standalone', () => standaloneClient()],
  ['cluster', () => clusterClient()],
] as const)('two instances with their own clients on one Redis (%s)', (_name, client) => {
  it('agree: a signal recorded by one is there for the other, and only one of them takes the call', async () => {
    const prefix = `agree-${process.pid}-${++prefixes}`;
    const [a, b] = [storeOn(client(), prefix), storeOn(client(), prefix)];
    const id = `wacid.agree-${seq}`;
    const connect = sig('connect');
    const accept = sig('accept');
    expect((await a.recordSignal(id, signalKeyOf(connect), connect, effect)).outcome).toBe('added');
    expect((await b.recordSignal(id, signalKeyOf(connect), connect, effect)).outcome).toBe('duplicate');
    const added = await b.recordSignal(id, signalKeyOf(accept), accept, effect);
    expect(added.signals.map((s) => s.type).sort()).toEqual(['accept', 'connect']);
    const active = (await a.readFigures(Date.now(), 60_000)).active;
    expect(active).toEqual([{ key: KEY, count: 1 }]);
    const takes = await Promise.all([a.takeCall(id, 5000), b.takeCall(id, 5000)]);
    expect(takes.filter(Boolean)).toHaveLength(1);
    expect((await b.readFigures(Date.now(), 60_000)).active).toEqual([]);
  });

  it('agree on one shared secret, and a process that knew it puts it back after Redis lost it', async () => {
    const prefix = `secret-${process.pid}-${++prefixes}`;
    const [a, b] = [storeOn(client(), prefix), storeOn(client(), prefix)];
    const [sa, sb] = await Promise.all([a.sharedSecret(), b.sharedSecret()]);
    expect(sa).toBe(sb);
    expect(sa.length).toBeGreaterThanOrEqual(32);
    const c = client();
    await c.del(`${prefix}:secret`);
    await a.readFigures(Date.now(), 60_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await storeOn(client(), prefix).sharedSecret()).toBe(sa);
  });
});

describe('what the store leaves in Redis', () => {
  it('gives every key a TTL (or trims it by time), except the one shared-secret key', async () => {
    const prefix = `ttl-${process.pid}`;
    const c = standaloneClient();
    const store = storeOn(c, prefix);
    const id = 'wacid.ttl-1';
    for (const s of [sig('connect'), sig('accept')]) await store.recordSignal(id, signalKeyOf(s), s, effect);
    await store.claimOnce(`${id}|x`, 60_000);
    await store.addToWindow({ kind: 'pair', phoneNumberId: PHONE, pairKey: 'pk' }, id, Date.now(), 60_000);
    await store.addToWindow({ kind: 'initiations', phoneNumberId: PHONE }, id, Date.now(), 60_000);
    await store.setQuotaReading(PHONE, 'pk', { currentUsage: 1, observedAt: Date.now() }, 60_000);
    await store.sharedSecret();
    const t = sig('terminate');
    await store.recordSignal(id, signalKeyOf(t), t, { ...effect, terminal: true });
    await store.takeCall(id, 60_000);
    const live = sig('connect');
    await store.recordSignal('wacid.ttl-2', signalKeyOf(live), live, effect);
    const keys = (await c.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual(
      [
        `${prefix}:phones`,
        `${prefix}:secret`,
        `${prefix}:{c:${id}}:done`,
        `${prefix}:{c:wacid.ttl-2}:meta`,
        `${prefix}:{c:wacid.ttl-2}:sig`,
        `${prefix}:{k:${id}|x}`,
        `${prefix}:{p:${PHONE}}:active`,
        `${prefix}:{p:${PHONE}}:ended`,
        `${prefix}:{p:${PHONE}}:inits`,
        `${prefix}:{p:${PHONE}}:quota-due`,
        `${prefix}:{p:${PHONE}}:quota-pairs`,
        `${prefix}:{p:${PHONE}}:quota-usage`,
      ].sort(),
    );
    for (const key of keys) {
      const ttl = await c.pttl(key);
      if (key.endsWith(':secret')) expect(ttl).toBe(-1);
      else expect(ttl, key).toBeGreaterThan(0);
    }
  });

  it("reports a number's quota pairs until its last call leaves the window, though the index was written at its first call", async () => {
    let now = 1_800_000_000_000;
    const store = new RedisCallStore({ client: standaloneClient(), keyPrefix: `last-${process.pid}`, now: () => now });
    const pair = { kind: 'pair' as const, phoneNumberId: PHONE, pairKey: 'pk' };
    const first = now;
    await store.addToWindow(pair, 'wacid.last-1', now, 60_000);
    now += 20_000; // the phones index is not written again this soon
    await store.addToWindow(pair, 'wacid.last-2', now, 60_000);
    const figures = await store.readFigures(first + 60_000, 60_000); // the first call left, the second has not
    expect(figures.pairUsage).toEqual([{ phoneNumberId: PHONE, usage: 1, maxAllowed: undefined, pairs: 1 }]);
  });

  it('re-counts a burst of pairs leaving the window a bounded number per script, and the read still sees them all gone', async () => {
    let now = 1_800_000_000_000;
    const prefix = `burst-${process.pid}`;
    const c = standaloneClient();
    const store = new RedisCallStore({ client: c, keyPrefix: prefix, now: () => now });
    const PAIRS = SETTLE_PER_READ * 2 + 50;
    await Promise.all(
      Array.from({ length: PAIRS }, (_, i) => store.addToWindow({ kind: 'pair', phoneNumberId: PHONE, pairKey: `p${i}` }, `wacid.b${i}`, now, 60_000)),
    );
    expect((await store.readFigures(now, 60_000)).pairUsage).toEqual([{ phoneNumberId: PHONE, usage: 1, maxAllowed: undefined, pairs: PAIRS }]);
    now += 60_000; // all leave together
    const dueKey = `${prefix}:{p:${PHONE}}:quota-due`;
    await store.addToWindow({ kind: 'pair', phoneNumberId: PHONE, pairKey: 'fresh' }, 'wacid.fresh', now, 60_000);
    expect(await c.zcount(dueKey, '-inf', now)).toBe(PAIRS - SETTLE_PER_WRITE);
    expect((await store.readFigures(now, 60_000)).pairUsage).toEqual([{ phoneNumberId: PHONE, usage: 1, maxAllowed: undefined, pairs: 1 }]);
    expect(await c.zcard(dueKey)).toBe(1);
  });

  it('lists a number again once its index entry was lost (Redis emptied behind its back)', async () => {
    const prefix = `lost-${process.pid}`;
    const c = standaloneClient();
    const store = storeOn(c, prefix);
    const live = (id: string) => {
      const s = sig('connect');
      return store.recordSignal(id, signalKeyOf(s), s, effect);
    };
    await live('wacid.lost-1');
    expect((await store.readFigures(Date.now(), 60_000)).phoneNumberIds).toEqual([PHONE]);
    await c.del(`${prefix}:phones`);
    await live('wacid.lost-2');
    await store.readFigures(Date.now(), 60_000); // notices the number is gone from the index
    await live('wacid.lost-3');
    const figures = await store.readFigures(Date.now(), 60_000);
    expect(figures.phoneNumberIds).toEqual([PHONE]);
    expect(figures.active).toEqual([{ key: KEY, count: 3 }]);
  });

  it('keeps a call keys on one Cluster slot and a number keys on one slot', async () => {
    const store = storeOn(clusterClient(), 'slots');
    const c = clusterClient();
    const slotOf = (k: string) => c.call('cluster', 'keyslot', k) as Promise<number>;
    const call = store.keys.call('wacid.slot');
    expect(new Set(await Promise.all([call.sig, call.meta, call.done].map(slotOf))).size).toBe(1);
    const phone = store.keys.phone(PHONE);
    expect(new Set(await Promise.all(Object.values(phone).map(slotOf))).size).toBe(1);
  });
});

describe('the client the store creates', () => {
  const script = (body: string) => `
    const { createCallStoreFromConfig } = require(${JSON.stringify(path.resolve(__dirname, '../build/src/store/create-from-config.js'))});
    const diag = { error() {}, warn() {}, info() {}, debug() {}, verbose() {} };
    ${body}`;
  /** Runs `body` in a child Node process; resolves with its exit code, or 'hung' if it was still up after `ms`. */
  const runChild = (body: string, ms = 8000) =>
    new Promise<number | 'hung'>((resolve) => {
      const child = spawn(process.execPath, ['-e', script(body)], { stdio: ['ignore', 'inherit', 'inherit'] });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('hung');
      }, ms);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? -1);
      });
    });

  it.each([
    ['connected to Redis', () => `{ url: '${redis.url}' }`],
    ['connected to a Redis Cluster', () => `{ cluster: ${JSON.stringify(cluster.nodes)} }`],
  ])('lets an app that is done exit while %s', async (_name, config) => {
    const code = await runChild(`
      const store = createCallStoreFromConfig(${config()}, diag);
      store.claimOnce('exit-probe-' + process.pid, 1000).then((won) => { if (!won) process.exitCode = 3; }, () => { process.exitCode = 4; });
    `);
    expect(code).toBe(0);
  });

  it('lets an app that is done exit while Redis is unreachable and the client keeps reconnecting', async () => {
    const port = await freeLoopbackPort();
    const code = await runChild(`
      const store = createCallStoreFromConfig({ url: 'redis://127.0.0.1:${port}' }, diag);
      store.claimOnce('x', 1000).then(() => { process.exitCode = 3; }, () => setTimeout(() => {}, 300));
    `);
    expect(code).toBe(0);
  });

  it('is disconnected by close(); an app own client stays connected', async () => {
    const owned = createCallStoreFromConfig({ url: redis.url }, silentDiag) as RedisCallStore;
    expect(await owned.claimOnce(`close-${seq}`, 1000)).toBe(true);
    await owned.close();
    await expect(owned.claimOnce(`close-${++seq}`, 1000)).rejects.toThrow();
    const mine = standaloneClient();
    const borrowed = createCallStoreFromConfig({ client: mine }, silentDiag) as RedisCallStore;
    expect(await borrowed.claimOnce(`close-${++seq}`, 1000)).toBe(true);
    await borrowed.close();
    expect(await mine.ping()).toBe('PONG');
  });

  it('is replaced by an always-failing store (reported degraded) when the option names no Redis', async () => {
    const errors: string[] = [];
    const store = createCallStoreFromConfig({}, { ...silentDiag, error: (m: string) => errors.push(m) })!;
    expect(() => store.claimOnce('x', 1)).toThrow(/url, cluster or client/);
    expect(errors).toEqual([expect.stringMatching(/call state stays in this process/)]);
  });
});
