/**
 * `CallStore` in Redis (standalone or Cluster), for app instances that share call state: any instance
 * can fold a call from the signals every instance recorded, claims and tombstones make each call end
 * and count once, and the capacity gauges read the same figures everywhere.
 *
 * Cost: a signal is one script on its call's slot (one round trip). Only the two active-set
 * transitions of a call (it proves live, it ends) add a second script on the number's slot — a call's
 * keys and its number's keys live on different Cluster nodes, so that can't be one script. The number
 * side refuses a late "activate" for a call it already saw end, so the order the two arrive in doesn't
 * matter. Everything has a TTL or is trimmed by time (see redis-keys).
 *
 * Errors and slowness reject or hang here: the guard in front of every store (guarded-call-store)
 * bounds them and falls back to local state; nothing in this class protects the app by itself.
 */
import { randomBytes } from 'node:crypto';
import type { StoredSignal } from '../events/call-signal';
import type { ActiveCallKey, CallStore, MetaQuotaReading, QuotaWindowRef, RecordSignalEffect, RecordSignalResult, StoredFigures } from '../tracker/call-store';
import { list, runScript, text } from './redis-commands';
import type { RedisArg } from './redis-commands';
import type { RedisClientLike } from './redis-config';
import { RedisKeys, activeMember } from './redis-keys';
import * as S from './redis-scripts';
import type { LuaScript } from './redis-scripts';
import { OldestFirstMap } from '../util/oldest-first-map';

export interface RedisCallStoreOptions {
  /** An ioredis `Redis` or `Cluster`. */
  client: RedisClientLike;
  /** Default `whatsapp-calling`. */
  keyPrefix?: string;
  now?: () => number;
  /** The store created the client: `close()` disconnects it. Never set it for an app's own client. */
  ownsClient?: boolean;
  /** Resolves when commands may be sent (a created client's first connection); undefined when they may now. */
  whenReady?: () => Promise<void> | undefined;
}

/** How long a number remembers that a call ended (covers a late "activate" still in flight). */
export const ENDED_MARK_MS = 15 * 60 * 1000;
/** Numbers in the phones index, at most (a flood of made-up numbers can't grow it without bound). */
export const MAX_INDEXED_PHONES = 10_000;
/** `close()` waits this long, at most, for commands still in flight (the last calls being taken). */
const CLOSE_DRAIN_MS = 2000;
/** A number this process put in the phones index is not put there again for this long (one script saved per call). */
const PHONE_TOUCH_CACHE_MS = 30_000;
/** Reads of one number per collection, at most, while its quota pairs are re-counted (SETTLE_PER_READ each). */
const MAX_READ_ROUNDS = 400;
/** Bounds on this process's small caches (numbers touched, calls it deactivated itself). */
const MAX_CACHED = 10_000;

type ActiveKeyTuple = [phoneNumberId: string, direction: string, signaling: string];

export class RedisCallStore implements CallStore {
  readonly keys: RedisKeys;
  private readonly client: RedisClientLike;
  private readonly now: () => number;
  private readonly pending = new Set<Promise<unknown>>();
  /** Numbers touched in the phones index: keep-until there, and when this process last wrote it. */
  private readonly touched = new OldestFirstMap<string, { until: number; at: number }>();
  /** Calls whose terminal signal this process took out of the active set (its taker needn't again). */
  private readonly deactivated = new OldestFirstMap<string, true>();
  private secret?: string;
  private closed = false;

  constructor(private readonly o: RedisCallStoreOptions) {
    this.client = o.client;
    this.keys = new RedisKeys(o.keyPrefix);
    this.now = o.now ?? Date.now;
  }

  /** Commands sent and not answered yet (a stalled Redis holds them; the guard has stopped waiting). */
  get inFlight(): number {
    return this.pending.size;
  }

  async recordSignal(callId: string, signalKey: string, signal: StoredSignal, effect: RecordSignalEffect): Promise<RecordSignalResult> {
    const now = this.now();
    const k = this.keys.call(callId);
    const activeKey = effect.activeKey
      ? JSON.stringify([effect.activeKey.phoneNumberId, effect.activeKey.direction, effect.activeKey.signaling] satisfies ActiveKeyTuple)
      : '';
    const reply = list(
      await this.script(
        S.RECORD_SIGNAL,
        [k.sig, k.meta, k.done],
        [signalKey, JSON.stringify(signal), effect.terminal ? 1 : 0, effect.live ? 1 : 0, activeKey, Math.ceil(effect.retainMs), effect.maxSignals, now],
      ),
    );
    const outcome = text(reply[0]) as RecordSignalResult['outcome'];
    if (outcome !== 'added') return { outcome, signals: [] };
    const transition = text(reply[1]);
    if (transition === 'activate') await this.activate(text(reply[2]), callId, now, effect.retainMs);
    else if (transition === 'deactivate') {
      await this.deactivate(text(reply[2]), callId, now);
      remember(this.deactivated, callId);
    }
    return { outcome, signals: parseSignals(reply, 3) };
  }

  async takeCall(callId: string, tombstoneMs: number): Promise<readonly StoredSignal[] | undefined> {
    const k = this.keys.call(callId);
    const reply = await this.script(S.TAKE_CALL, [k.sig, k.meta, k.done], [Math.ceil(tombstoneMs)]);
    const deactivatedHere = this.deactivated.delete(callId);
    if (!Array.isArray(reply)) return undefined;
    // Unless this process saw that done: the terminal signal's deactivation ran elsewhere (or was lost),
    // or the call never ended (it expired).
    const active = text(reply[0]);
    if (active && !deactivatedHere) await this.deactivate(active, callId, this.now());
    return parseSignals(reply, 1);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.command('set', this.keys.claim(key), '1', 'NX', 'PX', Math.max(1, Math.ceil(ttlMs)));
    return reply === 'OK';
  }

  async addToWindow(window: QuotaWindowRef, member: string, at: number, windowMs: number): Promise<void> {
    const now = this.now();
    const k = this.keys.phone(window.phoneNumberId);
    await Promise.all([
      window.kind === 'pair'
        ? this.script(
            S.WRITE_PAIR,
            [k.quotaPairs, k.quotaDue, k.quotaUsage],
            [window.pairKey, Math.round(now), Math.ceil(windowMs), 'call', member, Math.round(at)],
          )
        : this.script(S.ADD_TO_WINDOW, [k.inits], [member, Math.round(at), Math.round(now - windowMs), Math.ceil(windowMs)]),
      this.touchPhone(window.phoneNumberId, Math.max(now, at) + windowMs, now),
    ]);
  }

  async setQuotaReading(phoneNumberId: string, pairKey: string, reading: MetaQuotaReading, windowMs: number): Promise<void> {
    const now = this.now();
    const k = this.keys.phone(phoneNumberId);
    await Promise.all([
      this.script(S.WRITE_PAIR, [k.quotaPairs, k.quotaDue, k.quotaUsage], [pairKey, Math.round(now), Math.ceil(windowMs), 'reading', JSON.stringify(reading)]),
      this.touchPhone(phoneNumberId, Math.max(now, reading.observedAt) + windowMs, now),
    ]);
  }

  async readFigures(now: number, windowMs: number): Promise<StoredFigures> {
    // Re-publish the secret this process uses, should Redis have lost it (a restart without persistence).
    if (this.secret !== undefined) void this.script(S.SHARED_SECRET, [this.keys.secret], [this.secret]).catch(() => undefined);
    const since = Math.round(now - windowMs);
    const phones = list(await this.script(S.LIST_PHONES, [this.keys.phones], [Math.round(now)])).map(text);
    // A number missing from the index (Redis lost it) is written there again by its next activity.
    const listed = new Set(phones);
    for (const phone of [...this.touched.liveKeys()]) if (!listed.has(phone)) this.touched.delete(phone);
    const replies = await Promise.all(phones.map((phone) => this.readPhone(phone, now, since, windowMs)));
    const figures: StoredFigures = { active: [], phoneNumberIds: phones, pairUsage: [], initiations: [] };
    phones.forEach((phoneNumberId, i) => addPhoneFigures(figures, phoneNumberId, replies[i]));
    return figures;
  }

  /** One number's READ_PHONE reply, read again while pairs remain to be re-counted (bounded). */
  private async readPhone(phone: string, now: number, since: number, windowMs: number): Promise<unknown[]> {
    const k = this.keys.phone(phone);
    let reply: unknown[] = [];
    for (let round = 0; round < MAX_READ_ROUNDS; round++) {
      reply = list(await this.script(S.READ_PHONE, [k.quotaPairs, k.quotaDue, k.quotaUsage, k.active, k.inits], [Math.round(now), since, Math.ceil(windowMs)]));
      if (Number(reply[3]) !== 1) break;
    }
    return reply;
  }

  async sharedSecret(): Promise<string> {
    const candidate = this.secret ?? randomBytes(32).toString('base64url');
    this.secret = text(await this.script(S.SHARED_SECRET, [this.keys.secret], [candidate]));
    return this.secret;
  }

  /** Waits (bounded) for commands in flight, then disconnects a client the store created. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const deadline = Date.now() + CLOSE_DRAIN_MS;
    while (this.pending.size && Date.now() < deadline) {
      // A ref'd timer: the process stays up while the last calls are taken, however idle otherwise.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now())));
      await Promise.race([Promise.allSettled([...this.pending]), bound]);
      clearTimeout(timer);
    }
    if (this.o.ownsClient) (this.client as { disconnect?(): void }).disconnect?.();
  }

  private async activate(keyJson: string, callId: string, now: number, retainMs: number): Promise<void> {
    const key = parseActiveKey(keyJson);
    if (!key) return;
    const k = this.keys.phone(key.phoneNumberId);
    const until = now + retainMs;
    await Promise.all([
      this.script(S.ACTIVATE, [k.active, k.ended], [activeMember(key.direction, key.signaling, callId), callId, Math.round(until), Math.round(now)]),
      this.touchPhone(key.phoneNumberId, until, now),
    ]);
  }

  private async deactivate(keyJson: string, callId: string, now: number): Promise<void> {
    const key = parseActiveKey(keyJson);
    if (!key) return;
    const k = this.keys.phone(key.phoneNumberId);
    await this.script(S.DEACTIVATE, [k.active, k.ended], [activeMember(key.direction, key.signaling, callId), callId, Math.round(now), ENDED_MARK_MS]);
  }

  /**
   * Keeps a number in the phones index until at least `until`. Skipped when this process wrote it there
   * recently with a later or near-enough keep-until (after a Redis restart the index is rebuilt within
   * PHONE_TOUCH_CACHE_MS). "Near enough" is up to PHONE_TOUCH_CACHE_MS short, so the index is written
   * that much longer: else a number's last calls left the figures before they left the window.
   */
  private touchPhone(phoneNumberId: string, until: number, now: number): Promise<unknown> {
    const known = this.touched.get(phoneNumberId);
    if (known && now - known.at < PHONE_TOUCH_CACHE_MS && known.until >= until - PHONE_TOUCH_CACHE_MS) return Promise.resolve();
    const listedUntil = until + PHONE_TOUCH_CACHE_MS;
    const touch = this.script(S.TOUCH_PHONE, [this.keys.phones], [phoneNumberId, Math.round(listedUntil), Math.ceil(listedUntil - now), MAX_INDEXED_PHONES]);
    return touch.then(() => {
      this.touched.set(phoneNumberId, { until: Math.max(until, known?.until ?? 0), at: now });
      this.touched.pruneOldest(() => true, MAX_CACHED);
    });
  }

  private script(script: LuaScript, keys: string[], args: RedisArg[]): Promise<unknown> {
    return this.track(() => runScript(this.client, script, keys, args));
  }

  private command(name: string, ...args: RedisArg[]): Promise<unknown> {
    return this.track(() => this.client.call(name, ...args));
  }

  private track(send: () => Promise<unknown>): Promise<unknown> {
    if (this.closed && this.o.ownsClient) return Promise.reject(new Error('the Redis call store is closed'));
    const ready = this.o.whenReady?.();
    const p = ready ? ready.then(send) : send();
    this.pending.add(p);
    p.then(
      () => this.pending.delete(p),
      () => {
        this.pending.delete(p);
        // Redis may come back without its data: write the phones index again from now on.
        this.touched.clear();
      },
    );
    return p;
  }
}

/** Adds to an insertion-ordered set, dropping the oldest entry past MAX_CACHED. */
function remember(set: OldestFirstMap<string, true>, value: string): void {
  set.set(value, true);
  set.pruneOldest(() => true, MAX_CACHED);
}

function parseActiveKey(json: string): ActiveCallKey | undefined {
  try {
    const [phoneNumberId, direction, signaling] = JSON.parse(json) as ActiveKeyTuple;
    return typeof phoneNumberId === 'string' && typeof direction === 'string' && typeof signaling === 'string'
      ? { phoneNumberId, direction, signaling }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Stored signals from a script reply, from index `from` on; a value that isn't JSON is skipped. */
function parseSignals(reply: unknown[], from: number): StoredSignal[] {
  const out: StoredSignal[] = [];
  for (let i = from; i < reply.length; i++) {
    try {
      out.push(JSON.parse(text(reply[i])) as StoredSignal);
    } catch {
      // a value we didn't write (or a truncated one): not a signal
    }
  }
  return out;
}

/** Adds one number's READ_PHONE reply to the figures. */
function addPhoneFigures(figures: StoredFigures, phoneNumberId: string, reply: unknown[]): void {
  const [active, inits, usage] = [list(reply[0]), Number(reply[1] ?? 0), list(reply[2])];
  for (let i = 0; i + 1 < active.length; i += 2) {
    const [direction, signaling] = text(active[i]).split('|');
    figures.active.push({ key: { phoneNumberId, direction, signaling }, count: Number(active[i + 1]) });
  }
  for (let i = 0; i + 1 < usage.length; i += 2) {
    const [u, max] = text(usage[i]).split('|');
    const pairs = Number(usage[i + 1]);
    if (!u || !(pairs > 0)) continue;
    figures.pairUsage.push({ phoneNumberId, usage: Number(u), maxAllowed: max ? Number(max) : undefined, pairs });
  }
  figures.initiations.push({ phoneNumberId, count: Number.isFinite(inits) ? inits : 0 });
}
