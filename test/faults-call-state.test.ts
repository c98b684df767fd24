/**
 * Faults in call state: clock jumps inside the 24 h quota window (forward 23 h, back 1 h, forward
 * 25 h), webhook times that fall before the Graph request that started the call, and 100k calls whose
 * end is never seen (bounded memory, TTL expiry empties the tracker and the store).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { answered, clockedCallPath, HOUR, placed, terminated } from './helpers/faults/clocked-call-path';
import { sumOf } from './helpers/otel-harness';
import { SWEEP_SLICE } from '../src/tracker/call-tracker';

let opened: ReturnType<typeof clockedCallPath>[] = [];
const open = (...args: Parameters<typeof clockedCallPath>) => {
  const p = clockedCallPath(...args);
  opened.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(opened.map((p) => p.close()));
  opened = [];
});

/** `global.gc`, also without --expose-gc (V8 exposes it to a fresh context once the flag is set). */
function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe('clock jumps inside the 24 h quota window', () => {
  const QUOTA = ['whatsapp.calling.quota.pair_usage.max', 'whatsapp.calling.quota.exhausted_pairs', 'whatsapp.calling.quota.initiations'] as const;

  it('keeps the quota figures sane: never negative, never above the true count, entries leave when they should', async () => {
    const p = open({ callSettleMs: 0, businessInitiatedCallLimit: 3 });
    /** Every connected call (pair A or B) and initiation, with the clock reading it was recorded at. */
    const connected: { at: number; pair: 'A' | 'B' }[] = [];
    let n = 0;
    const connect = (pair: 'A' | 'B') => {
      const id = `wacid.CLK${n++}`;
      p.path.ingest({ calls: [placed(id, p.now(), pair === 'A' ? '14085550001' : '14085550002')] });
      p.path.ingest({ calls: [answered(id, p.now())] });
      p.path.ingest({ calls: [terminated(id, p.now() + 3000)] });
      connected.push({ at: p.now(), pair });
    };
    /** What the figures should be: everything recorded after `now - 24 h` (a future reading included). */
    const truth = () => {
      const inWindow = connected.filter((c) => c.at > p.now() - 24 * HOUR);
      const usage = (pair: string) => inWindow.filter((c) => c.pair === pair).length;
      return { maxPair: Math.max(usage('A'), usage('B')), exhausted: ['A', 'B'].filter((x) => usage(x) >= 3).length, initiations: inWindow.length };
    };
    const figures = async () => {
      const [maxPair, exhausted, initiations] = await Promise.all(QUOTA.map((m) => p.gauge(m)));
      return { maxPair, exhausted, initiations };
    };
    const check = async (expected: { maxPair: number; exhausted: number; initiations: number }) => {
      const f = await figures();
      for (const v of Object.values(f)) expect(v).toBeGreaterThanOrEqual(0);
      expect(f).toEqual(truth());
      expect(f).toEqual(expected);
    };

    connect('A');
    connect('A');
    connect('B');
    await check({ maxPair: 2, exhausted: 0, initiations: 3 });
    p.jump(23 * HOUR); // forward, still inside the window
    await check({ maxPair: 2, exhausted: 0, initiations: 3 });
    connect('A'); // the pair reaches its limit of 3
    await check({ maxPair: 3, exhausted: 1, initiations: 4 });
    p.jump(-HOUR); // back: the last call now reads as an hour in the future, and still counts once
    await check({ maxPair: 3, exhausted: 1, initiations: 4 });
    p.jump(2 * HOUR + 1); // just past 24 h after the first three: they leave, the fourth stays
    await check({ maxPair: 1, exhausted: 0, initiations: 1 });
    p.jump(25 * HOUR); // forward past the whole window: nothing left
    await check({ maxPair: 0, exhausted: 0, initiations: 0 });
    connect('B'); // and counting starts again from the new time
    await check({ maxPair: 1, exhausted: 0, initiations: 1 });
    expect(p.logged.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('never ends a live call early when the clock goes back, and ends it by TTL once the clock passes it', async () => {
    const p = open({ callTtlMs: 4 * HOUR, callSettleMs: 0 });
    p.path.ingest({ calls: [placed('wacid.LIVE', p.now())] });
    p.jump(-HOUR);
    p.path.tracker.sweep();
    expect(p.path.tracker.liveCount).toBe(1);
    expect(await p.gauge('whatsapp.calling.calls.active')).toBe(1);
    p.jump(25 * HOUR);
    p.path.tracker.sweep();
    expect(p.path.tracker.liveCount).toBe(0);
    expect(await p.gauge('whatsapp.calling.calls.active')).toBe(0);
    expect(p.endedSpans()).toBe(1);
  });
});

describe("webhook times before the request's own time", () => {
  it('end the call span no earlier than its start, without an SDK warning about negative spans', async () => {
    const { diag, DiagLogLevel } = await import('@opentelemetry/api');
    const warnings: string[] = [];
    diag.setLogger({ error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    try {
      const p = open({ callSettleMs: 0 }, { keepSpans: true });
      p.jump(799); // the Graph request at …:00.799; Meta's terminate says …:00 (whole seconds)
      p.path.ingest({ calls: [placed('wacid.SAMESECOND', p.now())] });
      p.path.ingest({ calls: [terminated('wacid.SAMESECOND', p.now(), 0)] });
      const [call] = p.spans().filter((s) => s.name === 'whatsapp call');
      expect(call).toBeDefined();
      const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
      expect(ms(call.endTime)).toBeGreaterThanOrEqual(ms(call.startTime));
      expect(warnings.filter((w) => /Inconsistent start and end time/.test(w))).toEqual([]);
    } finally {
      diag.disable();
    }
  });
});

describe('100k calls whose end is never seen', () => {
  const N = 100_000;

  it('hold bounded memory per call, and TTL expiry empties the tracker and the store, ending every call as unknown', async () => {
    const ttlMs = 4 * HOUR;
    const p = open({ callTtlMs: ttlMs, callSettleMs: 0, callInitiationLimit: 1_000_000 });
    const gc = gcFunction();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) p.path.ingest({ calls: [placed(`wacid.LEAK${i}`, p.now(), `1408555${String(i % 10_000).padStart(4, '0')}`)] });
    gc();
    const perCall = (process.memoryUsage().heapUsed - before) / N;
    console.info(`[faults] heap per live call: ${Math.round(perCall)} bytes (${N} calls)`);
    expect(p.path.tracker.liveCount).toBe(N);
    expect(p.store.callCount).toBe(N);
    expect(p.store.activeCount).toBe(N);
    expect(perCall).toBeLessThan(2048);

    p.jump(ttlMs - 1000);
    p.path.tracker.sweep();
    expect(p.path.tracker.liveCount).toBe(N); // not before their TTL
    p.jump(1000);
    // A sweep ends a slice and says whether more are due (its timer runs the rest in later turns).
    let sweeps = 1;
    while (p.path.tracker.sweep() && sweeps < N) sweeps++;
    expect(sweeps).toBe(Math.ceil(N / SWEEP_SLICE));
    expect(p.path.tracker.liveCount).toBe(0);
    expect(p.store.callCount).toBe(0);
    expect(p.store.activeCount).toBe(0);
    expect(p.endedSpans()).toBe(N); // every call span ended
    expect(sumOf(await p.metric('whatsapp.calling.calls'), { 'whatsapp.call.status': 'unknown' })).toBe(N);
    expect(await p.gauge('whatsapp.calling.calls.active')).toBe(0);
  });
});
