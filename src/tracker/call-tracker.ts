/**
 * Follows each WhatsApp call from its first signal to its end, whatever source the signals come from
 * (Graph requests, webhooks, SIP) and whichever app instance saw them. The call's signals live in the
 * `CallStore` (shared by instances when it is Redis); this class holds only what this instance needs
 * to act on time: a settle timer per ended call and the last time it saw each call.
 *
 * Domain rules live here, not in the store: what ends a call, what proves it live, when a connected
 * business-initiated call or an accept without pre_accept is counted (once across instances, through
 * `claimOnce`), what goes into the quota windows.
 *
 * Bounded memory: a call is finalised `settleMs` after it ended (so late or out-of-order deliveries
 * still merge), or `ttlMs` after its last signal here if its end is never seen (status `unknown`).
 * Finalising takes the call out of the store — exactly one instance gets it and reports it.
 */
import { trace } from '@opentelemetry/api';
import type { CallSignal, StoredSignal } from '../events/call-signal';
import { signalKeyOf } from '../events/call-signal';
import { after, isPromise } from '../util/maybe-promise';
import type { MaybePromise } from '../util/maybe-promise';
import { OldestFirstMap } from '../util/oldest-first-map';
import { SlicedSweeper } from '../util/sliced-sweeper';
import type { CallStore, RecordSignalResult } from './call-store';
import { foldCall } from './fold-call';
import type { CallRecord } from './fold-call';
import { QUOTA_WINDOW_MS } from './in-memory-call-store';
import { spanReference } from './span-reference';

export interface CallTrackerListener {
  /** A business-initiated call was connected (answered): once per call, across instances. */
  businessInitiatedConnected?(record: CallRecord): void;
  /** A user-initiated call was accepted with no pre_accept before it (audio-clipping risk): at the accept, once per call. */
  acceptedWithoutPreAccept?(record: CallRecord): void;
  /** The call ended (or expired): once per call, across instances, with all its signals. */
  ended(record: CallRecord, signals: readonly StoredSignal[]): void;
}

export interface CallTrackerOptions {
  store: CallStore;
  listener: CallTrackerListener;
  /** Opaque key for a (number, consumer) pair; the consumer never reaches the store. */
  pairKey(phoneNumberId: string, consumer: string): MaybePromise<string>;
  now(): number;
  /** Read on use, so configuration changes apply to calls in flight. */
  ttlMs(): number;
  settleMs(): number;
  tombstoneMs: number;
  windowMs?: number;
  onError(where: string, err: unknown): void;
}

export const MAX_SIGNALS_PER_CALL = 64;
/** Calls this instance follows at once, at most (each costs a few dozen bytes here). */
const MAX_LOCAL_CALLS = 500_000;
/**
 * Calls one sweep ends before it yields to the event loop (each is a store take and the call's span
 * and metrics, ~10–20 µs): calls that expire together — after an outage, say — end in slices.
 */
export const SWEEP_SLICE = 500;

interface LocalCall {
  lastSignalAt: number;
  ended: boolean;
  /** Claims already tried from here (each is a store round trip). */
  biClaimed?: boolean;
  clipClaimed?: boolean;
  settleTimer?: NodeJS.Timeout;
}

const isTerminal = (s: CallSignal) => s.type === 'terminate' || ((s.type === 'terminate_request' || s.type === 'reject') && s.succeeded !== false);

const provesLive = (s: CallSignal) =>
  s.succeeded !== false &&
  (s.type === 'connect' || s.type === 'connect_answer' || s.type === 'pre_accept' || s.type === 'accept' || (s.type === 'status' && s.status !== 'rejected'));

/**
 * What a store keeps of a signal: plain data, no call id (the store's key), no live contexts. The
 * parent is kept for connects only (where the call span hangs); the consumer only for
 * business-initiated calls (it keys the quota pair).
 */
function stored(s: CallSignal): StoredSignal {
  // Field by field, not `{ callId, ...rest }`: object rest over signals of varying shapes takes V8's
  // slow path (measured: the largest cost of ingesting a signal).
  const out: StoredSignal = { type: s.type, source: s.source, signaling: s.signaling, at: s.at, dedupeKey: s.dedupeKey };
  if (s.wacid !== undefined) out.wacid = s.wacid;
  if (s.phoneNumberId !== undefined) out.phoneNumberId = s.phoneNumberId;
  if (s.direction !== undefined) out.direction = s.direction;
  if (s.consumer !== undefined && s.direction === 'business_initiated') out.consumer = s.consumer;
  if (s.status !== undefined) out.status = s.status;
  if (s.durationS !== undefined) out.durationS = s.durationS;
  if (s.answeredAt !== undefined) out.answeredAt = s.answeredAt;
  if (s.errors !== undefined) out.errors = s.errors;
  if (s.succeeded !== undefined) out.succeeded = s.succeeded;
  if (s.requestId !== undefined) out.requestId = s.requestId;
  if (s.bizOpaqueCallbackData !== undefined) out.bizOpaqueCallbackData = s.bizOpaqueCallbackData;
  if (s.mediaSecurity !== undefined) out.mediaSecurity = s.mediaSecurity;
  if (s.type === 'connect' && s.parentContext) {
    const parent = spanReference(trace.getSpanContext(s.parentContext));
    if (parent) out.parent = parent;
  }
  const op = spanReference(s.operationSpan);
  if (op) out.op = op;
  return out;
}

export class CallTracker {
  /**
   * Ordered by last signal (each signal makes its call the newest), so a sweep reads only the calls
   * it ends: a scan of every call took 21–48 ms at 100k calls and 200–250 ms at the 500k cap, once a
   * minute, on the app's event loop.
   */
  private readonly local = new OldestFirstMap<string, LocalCall>();
  private readonly sweeper: SlicedSweeper;

  constructor(private readonly o: CallTrackerOptions) {
    this.sweeper = new SlicedSweeper(
      () => this.sweep(),
      (err) => o.onError('call sweep', err),
    );
  }

  /** Calls this instance is following. */
  get liveCount(): number {
    return this.local.size;
  }

  private get windowMs(): number {
    return this.o.windowMs ?? QUOTA_WINDOW_MS;
  }

  /** Whether this instance is following the call (seen, not yet finalised). */
  follows(callId: string): boolean {
    return this.local.has(callId);
  }

  /** Feeds one signal; never throws. With a remote store its effects follow asynchronously. */
  ingest(signal: CallSignal): void {
    try {
      this.ingestUnsafe(signal);
    } catch (err) {
      this.o.onError('call tracker', err);
    }
  }

  private ingestUnsafe(signal: CallSignal): void {
    const { callId } = signal;
    let call = this.local.get(callId);
    if (!call) {
      if (this.local.size >= MAX_LOCAL_CALLS) return;
      call = { lastSignalAt: 0, ended: false };
      this.local.set(callId, call);
      this.ensureSweeper();
    }
    call.lastSignalAt = this.o.now();
    this.local.set(callId, call); // the newest now: the order sweeps read
    const terminal = isTerminal(signal);
    const activeKey =
      signal.phoneNumberId && signal.direction ? { phoneNumberId: signal.phoneNumberId, direction: signal.direction, signaling: signal.signaling } : undefined;
    const recorded = this.o.store.recordSignal(callId, signalKeyOf(signal), stored(signal), {
      terminal,
      live: provesLive(signal),
      activeKey,
      retainMs: this.o.ttlMs() + this.o.settleMs() + 60_000,
      maxSignals: MAX_SIGNALS_PER_CALL,
    });
    // `after` without its closures for a synchronous store (the default): this runs for every signal.
    if (!isPromise(recorded)) return this.onRecorded(callId, signal, recorded);
    recorded.then(
      (r) => this.onRecorded(callId, signal, r),
      (err) => this.o.onError('call tracker', err),
    );
  }

  private onRecorded(callId: string, signal: CallSignal, r: RecordSignalResult): void {
    try {
      if (r.outcome === 'finished') this.forget(callId);
      else if (r.outcome === 'added') this.afterAdded(callId, signal, foldCall(callId, r.signals));
    } catch (err) {
      this.o.onError('call tracker', err);
    }
  }

  private afterAdded(callId: string, signal: CallSignal, record: CallRecord): void {
    const call = this.local.get(callId);
    const { store } = this.o;
    if (signal.type === 'connect' && signal.source !== 'webhook' && record.direction === 'business_initiated' && record.phoneNumberId) {
      void store.addToWindow({ kind: 'initiations', phoneNumberId: record.phoneNumberId }, callId, signal.at, this.windowMs);
    }
    if (call && !call.biClaimed && record.direction === 'business_initiated' && record.answered && record.phoneNumberId && record.consumer) {
      call.biClaimed = true;
      this.countConnectedBusinessInitiated(callId, record, record.phoneNumberId, record.consumer);
    }
    if (call && !call.clipClaimed && signal.type === 'accept' && record.acceptedWithoutPreAccept) {
      call.clipClaimed = true;
      after(
        store.claimOnce(`${callId}|accept_without_pre_accept`, this.o.tombstoneMs + this.o.ttlMs()),
        (won) => {
          if (won) this.o.listener.acceptedWithoutPreAccept?.(record);
        },
        (err) => this.o.onError('call tracker', err),
      );
    }
    if (call && record.ended) {
      call.ended = true;
      this.scheduleFinalize(callId, call);
    }
  }

  private countConnectedBusinessInitiated(callId: string, record: CallRecord, phoneNumberId: string, consumer: string): void {
    const { store } = this.o;
    after(
      store.claimOnce(`${callId}|business_initiated_connected`, this.o.tombstoneMs + this.o.ttlMs()),
      (won) => {
        if (!won) return;
        this.o.listener.businessInitiatedConnected?.(record);
        after(
          this.o.pairKey(phoneNumberId, consumer),
          (pairKey) => {
            void store.addToWindow({ kind: 'pair', phoneNumberId, pairKey }, callId, record.startTime, this.windowMs);
          },
          (err) => this.o.onError('call tracker', err),
        );
      },
      (err) => this.o.onError('call tracker', err),
    );
  }

  private scheduleFinalize(callId: string, call: LocalCall): void {
    if (call.settleTimer) clearTimeout(call.settleTimer);
    const settleMs = this.o.settleMs();
    if (settleMs <= 0) return this.finalize(callId);
    call.settleTimer = setTimeout(() => this.finalize(callId), settleMs);
    call.settleTimer.unref();
  }

  /** Takes the call out of the store and, if this instance got it, reports it. */
  private finalize(callId: string): void {
    if (!this.forget(callId)) return;
    const at = this.o.now();
    after(
      this.o.store.takeCall(callId, this.o.tombstoneMs),
      (signals) => {
        if (!signals?.length) return;
        this.o.listener.ended(foldCall(callId, signals, at), signals);
      },
      (err) => this.o.onError('call finalisation', err),
    );
  }

  /** Drops this instance's state of a call; false if it had none. */
  private forget(callId: string): boolean {
    const call = this.local.get(callId);
    if (!call) return false;
    if (call.settleTimer) clearTimeout(call.settleTimer);
    this.local.delete(callId);
    return true;
  }

  /** Finalises calls that ended (skipping the settle delay); with `all`, also live ones (shutdown). */
  flush(all = false): void {
    for (const callId of [...this.local.liveKeys()]) {
      const call = this.local.get(callId);
      if (call && (call.ended || all)) this.finalize(callId);
    }
  }

  /**
   * Ends calls with no signal here for `ttlMs` as `unknown`, oldest first, at most `max` of them; true
   * when more are due. Runs periodically (the rest in later turns of the event loop); public for tests.
   * After the clock went back, a call is ended up to that jump late (the order is the order signals
   * came in), never early.
   */
  sweep(max = SWEEP_SLICE): boolean {
    const now = this.o.now();
    const ttl = this.o.ttlMs();
    for (let ended = 0, callId = this.local.oldestKey(); callId !== undefined; callId = this.local.oldestKey()) {
      if (now - this.local.get(callId)!.lastSignalAt < ttl) return false;
      if (ended++ === max) return true;
      this.finalize(callId);
    }
    return false;
  }

  stop(): void {
    this.sweeper.stop();
  }

  private ensureSweeper(): void {
    if (!this.sweeper.running) this.sweeper.start(Math.max(1000, Math.min(60_000, this.o.ttlMs() / 4)));
  }
}
