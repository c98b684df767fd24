import { describe, expect, it, vi } from 'vitest';
import type { CallSignal } from '../src/events/call-signal';
import { CallTracker, SWEEP_SLICE } from '../src/tracker/call-tracker';
import type { CallRecord } from '../src/tracker/fold-call';
import { InMemoryCallStore, QUOTA_WINDOW_MS } from '../src/tracker/in-memory-call-store';
import { quotaOf } from '../src/tracker/quota';

const PHONE = '106540352242922';

function setup(opts: { settleMs?: number; ttlMs?: number } = {}) {
  let now = 1_800_000_000_000;
  const store = new InMemoryCallStore(() => now);
  const ended: CallRecord[] = [];
  let connected = 0;
  const tracker = new CallTracker({
    store,
    now: () => now,
    ttlMs: () => opts.ttlMs ?? 60_000,
    settleMs: () => opts.settleMs ?? 0,
    tombstoneMs: 600_000,
    pairKey: (p, c) => `${p}|${c}`,
    onError: (w, e) => {
      throw e;
    },
    listener: {
      businessInitiatedConnected: () => connected++,
      ended: (r) => ended.push(r),
    },
  });
  const advance = (ms: number) => (now += ms);
  const bic = (callId: string, to = '14085551234'): CallSignal => ({
    callId,
    type: 'connect',
    source: 'graph_api',
    signaling: 'graph_api',
    at: now,
    dedupeKey: `graph|${callId}`,
    phoneNumberId: PHONE,
    direction: 'business_initiated',
    consumer: to,
    succeeded: true,
  });
  const wh = (callId: string, s: Partial<CallSignal> & Pick<CallSignal, 'type'>): CallSignal => ({
    callId,
    source: 'webhook',
    signaling: 'graph_api',
    at: now,
    dedupeKey: `wh|${s.type}|${s.status ?? ''}|${now}`,
    phoneNumberId: PHONE,
    direction: 'business_initiated',
    ...s,
  });
  const snapshot = (pairLimit = 3) => {
    const figures = store.readFigures(now, QUOTA_WINDOW_MS);
    return { active: figures.active, quota: quotaOf(figures, pairLimit) };
  };
  return { tracker, store, ended, advance, bic, wh, snapshot, connected: () => connected, now: () => now };
}

describe('call tracker', () => {
  it('keeps a call active from its connect until its terminate, and reports it once', () => {
    const t = setup();
    t.tracker.ingest(t.bic('wacid.1'));
    expect(t.snapshot().active).toEqual([{ key: { phoneNumberId: PHONE, direction: 'business_initiated', signaling: 'graph_api' }, count: 1 }]);
    expect(t.tracker.follows('wacid.1')).toBe(true);
    t.advance(30_000);
    t.tracker.ingest(t.wh('wacid.1', { type: 'terminate', status: 'completed', durationS: 25, answeredAt: t.now() - 25_000 }));
    expect(t.snapshot().active).toEqual([]);
    expect(t.ended.map((r) => [r.callId, r.status])).toEqual([['wacid.1', 'completed']]);
  });

  it('counts a duplicated delivery once and ignores signals for a finished call', () => {
    const t = setup();
    const term = t.wh('wacid.2', { type: 'terminate', status: 'failed' });
    t.tracker.ingest(t.bic('wacid.2'));
    t.tracker.ingest(term);
    t.tracker.ingest(term);
    t.tracker.ingest(t.wh('wacid.2', { type: 'status', status: 'ringing' }));
    expect(t.ended).toHaveLength(1);
    expect(t.ended[0].signalCount).toBe(2);
    expect(t.tracker.follows('wacid.2')).toBe(false);
    expect(t.store.callCount).toBe(0);
  });

  it('merges a connect that arrives after its terminate within the settle window, without making it active', () => {
    const t = setup({ settleMs: 60_000 });
    t.tracker.ingest(t.wh('wacid.3', { type: 'terminate', status: 'completed', durationS: 3, answeredAt: t.now() - 3000, direction: 'user_initiated' }));
    t.tracker.ingest(t.wh('wacid.3', { type: 'connect', direction: 'user_initiated', at: t.now() - 10_000 }));
    expect(t.snapshot().active).toEqual([]);
    t.tracker.flush();
    expect(t.ended).toEqual([expect.objectContaining({ callId: 'wacid.3', status: 'completed', startTime: t.now() - 10_000 })]);
  });

  it('ends a call with no terminate after the TTL as unknown, so memory stays bounded', () => {
    const t = setup({ ttlMs: 60_000 });
    t.tracker.ingest(t.bic('wacid.4'));
    t.advance(59_000);
    t.tracker.sweep();
    expect(t.tracker.liveCount).toBe(1);
    t.advance(2000);
    t.tracker.sweep();
    expect(t.tracker.liveCount).toBe(0);
    expect(t.ended).toEqual([expect.objectContaining({ callId: 'wacid.4', status: 'unknown', ended: false })]);
    expect(t.snapshot().active).toEqual([]);
  });

  it('sweeps by last signal: a call that spoke later outlives a silent call that started after it', () => {
    const t = setup({ ttlMs: 60_000 });
    t.tracker.ingest(t.bic('wacid.early'));
    t.advance(10_000);
    t.tracker.ingest(t.bic('wacid.later'));
    t.advance(20_000);
    t.tracker.ingest(t.wh('wacid.early', { type: 'status', status: 'ringing' }));
    t.advance(45_000); // later: silent 65 s; early: silent 45 s
    expect(t.tracker.sweep()).toBe(false);
    expect(t.ended.map((r) => r.callId)).toEqual(['wacid.later']);
    expect(t.tracker.follows('wacid.early')).toBe(true);
    t.advance(20_000);
    t.tracker.sweep();
    expect(t.ended.map((r) => r.callId)).toEqual(['wacid.later', 'wacid.early']);
  });

  it('ends calls that expire together a slice per sweep, and says when more are due', () => {
    const t = setup({ ttlMs: 60_000 });
    for (let i = 0; i < SWEEP_SLICE + 3; i++) t.tracker.ingest(t.bic(`wacid.s${i}`, `1408555${i}`));
    t.advance(61_000);
    expect(t.tracker.sweep()).toBe(true);
    expect(t.ended).toHaveLength(SWEEP_SLICE);
    expect(t.tracker.liveCount).toBe(3);
    expect(t.tracker.sweep()).toBe(false);
    expect(t.tracker.liveCount).toBe(0);
    expect(new Set(t.ended.map((r) => r.callId)).size).toBe(SWEEP_SLICE + 3);
    expect(t.snapshot().active).toEqual([]);
  });

  it("its timer ends every expired call, slice after slice, in later turns of the app's event loop", () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    try {
      const t = setup({ ttlMs: 4000 }); // swept every second
      const n = 2 * SWEEP_SLICE + 1;
      for (let i = 0; i < n; i++) t.tracker.ingest(t.bic(`wacid.t${i}`, `1408555${i}`));
      t.advance(5000);
      vi.advanceTimersByTime(1000); // the interval: one slice, the rest queued as an immediate
      expect(t.tracker.liveCount).toBe(SWEEP_SLICE + 1);
      vi.advanceTimersToNextTimer(); // the next turn
      expect(t.tracker.liveCount).toBe(1);
      vi.advanceTimersToNextTimer();
      expect(t.tracker.liveCount).toBe(0);
      expect(t.ended).toHaveLength(n);
      expect(vi.getTimerCount()).toBe(1); // the interval only: nothing more queued
      t.tracker.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts connected business-initiated calls per pair in a rolling 24 h window', () => {
    const t = setup();
    for (let i = 0; i < 3; i++) {
      t.tracker.ingest(t.bic(`wacid.q${i}`));
      t.tracker.ingest(t.wh(`wacid.q${i}`, { type: 'status', status: 'accepted' }));
      t.advance(1000);
    }
    t.tracker.ingest(t.bic('wacid.other', '19995550000'));
    t.tracker.ingest(t.wh('wacid.other', { type: 'status', status: 'accepted' }));
    t.tracker.ingest(t.bic('wacid.unanswered'));
    expect(t.connected()).toBe(4);
    expect(t.snapshot().quota).toEqual([{ phoneNumberId: PHONE, maxPairUsage: 3, exhaustedPairs: 1, initiations: 5 }]);
    t.advance(QUOTA_WINDOW_MS - 1500); // the first two calls of the pair leave the window
    expect(t.snapshot().quota).toEqual([{ phoneNumberId: PHONE, maxPairUsage: 1, exhaustedPairs: 0, initiations: 3 }]);
  });

  it("takes Meta's call_permissions reading as the truth for a pair, plus calls connected since", () => {
    const t = setup();
    t.store.setQuotaReading(PHONE, `${PHONE}|14085551234`, { currentUsage: 2, maxAllowed: 5, observedAt: t.now() });
    t.advance(1000);
    t.tracker.ingest(t.bic('wacid.m1'));
    t.tracker.ingest(t.wh('wacid.m1', { type: 'status', status: 'accepted' }));
    expect(t.snapshot(100).quota[0]).toMatchObject({ maxPairUsage: 3, exhaustedPairs: 0 });
    t.store.setQuotaReading(PHONE, `${PHONE}|14085551234`, { currentUsage: 5, maxAllowed: 5, observedAt: t.now() + 1, limitExpiresAt: t.now() + 3_600_000 });
    expect(t.snapshot(100).quota[0]).toMatchObject({ maxPairUsage: 5, exhaustedPairs: 1 });
  });
});
