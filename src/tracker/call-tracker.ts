/**
 * Follows each WhatsApp call from its first signal to its end, whatever source the signals come from
 * (Graph requests, webhooks, SIP). Keeps the active-call set and the quota windows in a `CallStore`,
 * and tells a lifecycle listener (telemetry) when a call starts and when it ended.
 *
 * Bounded memory: a call is finalised `settleMs` after its last terminal signal (so late or
 * out-of-order deliveries still merge), or `ttlMs` after its last signal if no terminate is ever seen
 * (status `unknown`). Finalised ids are kept as tombstones for `tombstoneMs` so a stale delivery can't
 * resurrect a call. Signals per call are capped.
 */
import type { CallSignal } from '../events/call-signal';
import type { CallStore } from './call-store';
import { foldCall } from './fold-call';
import type { CallRecord } from './fold-call';

export interface CallLifecycleListener<H> {
  /** A call became known: return a handle (e.g. its span) given back on every later callback. */
  started(first: CallSignal): H;
  /** A business-initiated call was connected (answered) for the first time. */
  businessInitiatedConnected?(phoneNumberId: string): void;
  /**
   * A user-initiated call was accepted with no pre_accept before it (audio-clipping risk). Told at the
   * accept, so an alert can fire while such calls are still going; once per call.
   */
  acceptedWithoutPreAccept?(record: CallRecord): void;
  ended(record: CallRecord, signals: readonly CallSignal[], handle: H): void;
}

export interface CallTrackerOptions<H> {
  store: CallStore;
  listener: CallLifecycleListener<H>;
  /** Opaque key for a (number, consumer) pair; the consumer never reaches the store. */
  pairKey(phoneNumberId: string, consumer: string): string;
  now(): number;
  /** Read on use, so configuration changes apply to calls in flight. */
  ttlMs(): number;
  settleMs(): number;
  tombstoneMs: number;
  onError(where: string, err: unknown): void;
}

export const MAX_SIGNALS_PER_CALL = 64;
const MAX_TOMBSTONES = 100_000;

interface LiveCall<H> {
  /** Also the dedupe set: a call has few signals (capped), so a scan is cheaper than a Set per call. */
  signals: CallSignal[];
  handle: H;
  active: boolean;
  ended: boolean;
  biConnectedCounted: boolean;
  clipRiskCounted: boolean;
  lastSignalAt: number;
  settleTimer?: NodeJS.Timeout;
}

/**
 * What a call keeps of a signal: no call id (it is the map key) and no parent context (only the first
 * signal's is used, when the call starts); with 100k calls live, every field counts.
 */
function compact(signal: CallSignal): CallSignal {
  const { parentContext: _p, consumer, ...rest } = signal;
  // The consumer is only used to key the business-initiated quota pair.
  return signal.direction === 'business_initiated' && consumer !== undefined ? { ...rest, consumer } : rest;
}

const isTerminal = (s: CallSignal) =>
  s.type === 'terminate' || ((s.type === 'terminate_request' || s.type === 'reject') && s.succeeded !== false);

const provesLive = (s: CallSignal) =>
  s.succeeded !== false &&
  (s.type === 'connect' || s.type === 'connect_answer' || s.type === 'pre_accept' || s.type === 'accept' ||
    (s.type === 'status' && s.status !== 'rejected'));

export class CallTracker<H> {
  private readonly calls = new Map<string, LiveCall<H>>();
  private readonly tombstones = new Map<string, number>();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly o: CallTrackerOptions<H>) {}

  get liveCount(): number {
    return this.calls.size;
  }

  handleOf(callId: string): H | undefined {
    return this.calls.get(callId)?.handle;
  }

  /** Feeds one signal; never throws. Returns false when it was a duplicate or for a finished call. */
  ingest(signal: CallSignal): boolean {
    try {
      return this.ingestUnsafe(signal);
    } catch (err) {
      this.o.onError('call tracker', err);
      return false;
    }
  }

  private ingestUnsafe(signal: CallSignal): boolean {
    const { callId } = signal;
    if (this.isTombstoned(callId)) return false;
    let call = this.calls.get(callId);
    if (call?.signals.some((s) => s.type === signal.type && s.dedupeKey === signal.dedupeKey)) return false;
    if (!call) {
      call = { signals: [], handle: this.o.listener.started(signal), active: false, ended: false, biConnectedCounted: false, clipRiskCounted: false, lastSignalAt: 0 };
      this.calls.set(callId, call);
      this.ensureSweeper();
    }
    if (call.signals.length >= MAX_SIGNALS_PER_CALL && !isTerminal(signal)) return false;
    // Copy instead of push: a pushed array reserves room for ~17 signals, most calls have a handful.
    call.signals = [...call.signals, compact(signal)];
    call.lastSignalAt = this.o.now();

    const record = foldCall(callId, call.signals);
    if (isTerminal(signal)) call.ended = true;
    if (call.ended && call.active) {
      call.active = false;
      void this.o.store.removeActive(callId);
    } else if (!call.ended && !call.active && provesLive(signal) && record.phoneNumberId) {
      call.active = true;
      void this.o.store.addActive(callId, { phoneNumberId: record.phoneNumberId, direction: record.direction ?? 'unknown', signaling: record.signaling });
    }
    if (signal.type === 'connect' && signal.source !== 'webhook' && record.direction === 'business_initiated' && record.phoneNumberId) {
      void this.o.store.addInitiation(record.phoneNumberId, signal.at);
    }
    this.countConnectedBusinessInitiated(call, record);
    if (signal.type === 'accept' && record.acceptedWithoutPreAccept && !call.clipRiskCounted) {
      call.clipRiskCounted = true;
      this.o.listener.acceptedWithoutPreAccept?.(record);
    }
    if (call.ended) this.scheduleFinalize(callId, call);
    return true;
  }

  private countConnectedBusinessInitiated(call: LiveCall<H>, record: CallRecord): void {
    if (call.biConnectedCounted || record.direction !== 'business_initiated' || !record.answered) return;
    if (!record.phoneNumberId || !record.consumer) return;
    call.biConnectedCounted = true;
    void this.o.store.addConnectedBusinessInitiated(record.callId, record.phoneNumberId, this.o.pairKey(record.phoneNumberId, record.consumer), record.startTime);
    this.o.listener.businessInitiatedConnected?.(record.phoneNumberId);
  }

  private scheduleFinalize(callId: string, call: LiveCall<H>): void {
    if (call.settleTimer) clearTimeout(call.settleTimer);
    const settleMs = this.o.settleMs();
    if (settleMs <= 0) return this.finalize(callId);
    call.settleTimer = setTimeout(() => this.finalize(callId), settleMs);
    call.settleTimer.unref();
  }

  /** Ends the call now and reports it. */
  private finalize(callId: string, expiredAt?: number): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.calls.delete(callId);
    if (call.settleTimer) clearTimeout(call.settleTimer);
    this.addTombstone(callId);
    try {
      if (call.active) void this.o.store.removeActive(callId);
      const record = foldCall(callId, call.signals, call.ended ? undefined : expiredAt);
      this.o.listener.ended(record, call.signals, call.handle);
    } catch (err) {
      this.o.onError('call finalisation', err);
    }
  }

  /** Finalises calls that ended (skipping the settle delay); with `all`, also live ones (shutdown). */
  flush(all = false): void {
    const now = this.o.now();
    for (const [callId, call] of [...this.calls]) if (call.ended || all) this.finalize(callId, now);
  }

  /** Ends calls with no signal for `ttlMs` as `unknown`. Runs periodically; public for tests. */
  sweep(): void {
    const now = this.o.now();
    for (const [callId, call] of [...this.calls]) {
      if (now - call.lastSignalAt >= this.o.ttlMs()) this.finalize(callId, now);
    }
    for (const [callId, at] of this.tombstones) {
      if (now - at < this.o.tombstoneMs) break; // insertion order = age order
      this.tombstones.delete(callId);
    }
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private ensureSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(60_000, this.o.ttlMs() / 4)));
    this.sweeper.unref();
  }

  private isTombstoned(callId: string): boolean {
    const at = this.tombstones.get(callId);
    return at !== undefined && this.o.now() - at < this.o.tombstoneMs;
  }

  private addTombstone(callId: string): void {
    this.tombstones.delete(callId);
    this.tombstones.set(callId, this.o.now());
    if (this.tombstones.size > MAX_TOMBSTONES) this.tombstones.delete(this.tombstones.keys().next().value as string);
  }
}
