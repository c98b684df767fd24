// The call store: the Redis store against the in-memory one, in the same run.
//   - per-signal cost: CPU µs of this process per ingested signal (process.cpuUsage), for whole calls
//     (connect webhook, pre_accept, accept, terminate webhook: 4 signals, the call span at the end),
//     plus, for Redis, the server's CPU and the commands it processed per signal;
//   - memory per live call: this process's heap, and Redis' used_memory (INFO memory), per call held.
// Starts its own redis-server on a free loopback port (skips Redis, with a message, if there is none).
// Bounded: CALLS calls in batches of BATCH, LIVE live calls. Run with --expose-gc (bench/run.mjs does).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

const require = createRequire(import.meta.url);
const { WhatsAppCallingInstrumentation } = require('../build/src/index.js');

const CALLS = Math.min(Number(process.env.CALLS ?? 10_000), 100_000);
const LIVE = Math.min(Number(process.env.LIVE_CALLS ?? 20_000), 200_000);
const BATCH = 250;
const PHONE = '106540352242922';
const gc = globalThis.gc ?? (() => {});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const failed = new Promise((resolve) => proc.once('error', resolve));
  const Redis = require('ioredis');
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    const err = await Promise.race([failed, sleep(50)]);
    if (err) return undefined;
    if (
      await admin.connect().then(
        () => true,
        () => false,
      )
    )
      break;
  }
  if (admin.status !== 'ready') {
    proc.kill('SIGKILL');
    return undefined;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    admin,
    async info(section) {
      const text = await admin.info(section);
      return Object.fromEntries(
        text
          .split('\r\n')
          .filter((l) => l.includes(':'))
          .map((l) => l.split(':')),
      );
    },
    async close() {
      admin.disconnect();
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function instrumentation(extra) {
  const inst = new WhatsAppCallingInstrumentation({ enabled: false, callSettleMs: 0, callTtlMs: 3_600_000, callStoreTimeoutMs: 10_000, ...extra });
  inst.setTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOnSampler() }));
  inst.setMeterProvider(new MeterProvider());
  return inst;
}

const signal = (callId, type, source, at, extra = {}) => ({
  callId,
  type,
  source,
  signaling: 'graph_api',
  at,
  dedupeKey: `${source}|${type}|${callId}`,
  phoneNumberId: PHONE,
  direction: 'user_initiated',
  ...extra,
});
const callSignals = (callId, t) => [
  signal(callId, 'connect', 'webhook', t, { consumer: '14085551234' }),
  signal(callId, 'pre_accept', 'graph_api', t + 1000, { succeeded: true, requestId: 'AV0GLCT7Ncn' }),
  signal(callId, 'accept', 'graph_api', t + 2000, { succeeded: true, requestId: 'AV0GLCT7Ncm' }),
  signal(callId, 'terminate', 'webhook', t + 62_000, { status: 'completed', durationS: 60, answeredAt: t + 2000 }),
];

/** Waits until the guarded store has nothing in flight (a remote store answers asynchronously). */
async function settled(path) {
  while ((path.store.pending ?? 0) > 0) await sleep(1);
}

async function perSignal(label, inst, redis) {
  const path = inst.callPath;
  const ids = Array.from({ length: CALLS }, (_, i) => `wacid.BENCH-${label}-${i}`);
  // Warm-up (JIT, connection, script cache), not measured.
  for (let i = 0; i < 200; i++) for (const s of callSignals(`wacid.WARM-${label}-${i}`, Date.now())) path.ingest({ calls: [s] });
  await settled(path);
  if (redis) await redis.admin.config('RESETSTAT');
  const cpuBefore = redis && (await redis.info('cpu'));
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < CALLS; b += BATCH) {
    for (let i = b; i < Math.min(CALLS, b + BATCH); i++) for (const s of callSignals(ids[i], t0 + i)) path.ingest({ calls: [s] });
    await settled(path);
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Date.now() - t0;
  const signals = CALLS * 4;
  const us = (cpu.user + cpu.system) / signals;
  let line = `${label}: ${us.toFixed(1)} µs CPU per signal in this process (${signals} signals, ${CALLS} calls, ${(signals / (wallMs / 1000)).toFixed(0)} signals/s)`;
  if (redis) {
    const [cpuAfter, stats] = [await redis.info('cpu'), await redis.info('commandstats')];
    const serverUs =
      ((Number(cpuAfter.used_cpu_user) + Number(cpuAfter.used_cpu_sys) - Number(cpuBefore.used_cpu_user) - Number(cpuBefore.used_cpu_sys)) * 1e6) / signals;
    const calls = (name) => Number(/calls=(\d+)/.exec(stats[`cmdstat_${name}`] ?? '')?.[1] ?? 0);
    // Every store operation is one script, except claims (none in these calls: pre_accept came first).
    const scripts = (calls('evalsha') + calls('eval')) / signals;
    line += `; redis-server ${serverUs.toFixed(1)} µs CPU per signal; ${scripts.toFixed(2)} scripts (round trips) per signal`;
  }
  if (path.store.degraded) line += ' (WARNING: the store degraded during the run: figures are not all Redis)';
  console.log(line);
}

async function perLiveCall(label, inst, redis) {
  const path = inst.callPath;
  gc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const redisBefore = redis && Number((await redis.info('memory')).used_memory);
  const t0 = Date.now();
  for (let b = 0; b < LIVE; b += BATCH) {
    for (let i = b; i < Math.min(LIVE, b + BATCH); i++) {
      const [connect, , accept] = callSignals(`wacid.LIVE-${label}-${i}`, t0 + i);
      path.ingest({ calls: [connect] });
      path.ingest({ calls: [accept] });
    }
    await settled(path);
  }
  gc();
  gc();
  const heap = (process.memoryUsage().heapUsed - heapBefore) / LIVE;
  let line = `${label}: ${heap.toFixed(0)} bytes of heap per live call (${path.tracker.liveCount} live calls, 2 signals each)`;
  if (redis) {
    const used = (Number((await redis.info('memory')).used_memory) - redisBefore) / LIVE;
    line += ` + ${used.toFixed(0)} bytes of Redis used_memory per live call`;
  }
  console.log(line);
  path.stop();
}

console.log(`call store bench: Redis store vs in-memory store, same run (node ${process.version})`);
const memory = instrumentation({});
await perSignal('in-memory', memory);
await perLiveCall('in-memory', instrumentation({}));

const redis = await startRedis();
if (!redis) {
  console.log('redis store: skipped (redis-server is not installed: apt-get install redis-server)');
} else {
  try {
    const shared = instrumentation({ redis: { url: redis.url } });
    await perSignal('redis', shared, redis);
    await redis.admin.flushall();
    const live = instrumentation({ redis: { url: redis.url } });
    await perLiveCall('redis', live, redis);
    await Promise.all([shared.callPath.shutdown(), live.callPath.shutdown()]);
  } finally {
    await redis.close();
  }
}
