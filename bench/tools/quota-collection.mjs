// What one metric collection costs with many (number, user) quota pairs in the window: the store's
// `readFigures` and the quota arithmetic, per collection, in this process's CPU — for the in-memory
// store, and for the Redis store (plus the Redis server's CPU for the read, from INFO) when a
// redis-server is installed. Also the cost of adding a connected call once that many pairs are held.
//   node bench/tools/quota-collection.mjs [--pairs 100000] [--reads 20] [--build DIR]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { pairs: { type: 'string', default: '100000' }, reads: { type: 'string', default: '20' }, build: { type: 'string', default: '../..' } },
});
const require = createRequire(import.meta.url);
const { InMemoryCallStore, RedisCallStore } = require(`${args.build}/build/src/index.js`);
const { quotaOf } = require(`${args.build}/build/src/tracker/quota.js`);
const WINDOW = 24 * 3600_000;
const PAIRS = Number(args.pairs);
const READS = Number(args.reads);
const PHONE = '106540352242922';
const cpuMs = (t0) => {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};

async function measure(name, store, now, serverCpuMs = async () => 0, serverMemory = async () => 0) {
  // A day's worth of pairs, spread over the window, a tenth with a Meta reading.
  const start = now();
  const memory0 = await serverMemory();
  for (let i = 0; i < PAIRS; i++) {
    const at = Math.round(start - WINDOW + ((i + 1) * WINDOW) / (PAIRS + 1));
    const pairKey = `pair-${i}`;
    await store.addToWindow({ kind: 'pair', phoneNumberId: PHONE, pairKey }, `wacid.${i}`, at, WINDOW);
    if (i % 10 === 0) await store.setQuotaReading(PHONE, pairKey, { currentUsage: 1, maxAllowed: 5, observedAt: at }, WINDOW);
  }
  await store.readFigures(now(), WINDOW);
  const perPair = ((await serverMemory()) - memory0) / PAIRS;
  let t0 = process.cpuUsage();
  let s0 = await serverCpuMs();
  let quota;
  for (let r = 0; r < READS; r++) {
    const at = now();
    const figures = await store.readFigures(at, WINDOW);
    // (earlier builds took the time and window too: --build can measure one)
    quota = quotaOf.length > 2 ? quotaOf(figures, at, WINDOW, 100) : quotaOf(figures, 100);
  }
  const read = cpuMs(t0) / READS;
  const readServer = ((await serverCpuMs()) - s0) / READS;
  t0 = process.cpuUsage();
  s0 = await serverCpuMs();
  const ADDS = 2000;
  for (let i = 0; i < ADDS; i++) await store.addToWindow({ kind: 'pair', phoneNumberId: PHONE, pairKey: `new-${i}` }, `wacid.new-${i}`, now(), WINDOW);
  const add = (cpuMs(t0) * 1000) / ADDS;
  const addServer = (((await serverCpuMs()) - s0) * 1000) / ADDS;
  console.log(
    `${name}: ${PAIRS} pairs — a collection ${read.toFixed(2)} ms CPU here` +
      (readServer ? ` + ${readServer.toFixed(2)} ms in Redis` : '') +
      `; a new connected call ${add.toFixed(1)} µs here` +
      (addServer ? ` + ${addServer.toFixed(1)} µs in Redis` : '') +
      (perPair ? `; Redis memory ${perPair.toFixed(0)} bytes per pair` : '') +
      ` (busiest pair ${quota[0]?.maxPairUsage}, exhausted ${quota[0]?.exhaustedPairs})`,
  );
}

await measure('in-memory', new InMemoryCallStore(Date.now), Date.now);

const redisBin = await new Promise((resolve) => {
  const p = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  p.on('error', () => resolve(false));
  p.on('exit', (code) => resolve(code === 0));
});
if (!redisBin) {
  console.log('redis: no redis-server installed, skipped');
} else {
  const port = 20000 + (process.pid % 20000);
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const Redis = require('ioredis');
  const client = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 50 ? null : 50) });
  try {
    await client.ping();
    const serverCpuMs = async () => {
      const info = await client.info('cpu');
      return (Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0)) * 1000;
    };
    const serverMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);
    await measure('redis', new RedisCallStore({ client, keyPrefix: 'bench' }), Date.now, serverCpuMs, serverMemory);
  } finally {
    client.disconnect();
    server.kill('SIGKILL');
  }
}
