/**
 * Learns the addresses behind the host names in `sipPeers` (by default `wa.meta.vc`), so that sources
 * which only ever see IPs — HEP, connections Meta opens to the app, library taps — recognise Meta.
 * Uses node:dns `lookup` (what `tls.connect` uses, so the answer matches where the app really
 * connects), in the background, refreshed on an unref'd timer. A failed lookup keeps the last good
 * answer and is logged at debug level only; nothing here blocks or throws into the app.
 */
import * as dns from 'node:dns';

/** Addresses of a host name. Tests inject a fake one; the default asks node:dns `lookup` (all). */
export type HostResolver = (name: string) => Promise<readonly string[]>;

export const lookupAllAddresses: HostResolver = async (name) => (await dns.promises.lookup(name, { all: true, verbatim: true })).map((a) => a.address);

export interface PeerNameResolutionOptions {
  resolve?: HostResolver;
  /** Between refreshes. Default 5 min. */
  refreshMs?: number;
  /** Retry delay while a name has never resolved. Default 30 s. */
  retryMs?: number;
  /** Addresses are normalised by the caller's function (e.g. IPv4-mapped IPv6 → IPv4). */
  normalize?(ip: string): string;
  onChange?(): void;
  onFailure?(name: string, err: unknown): void;
}

export interface NameStatus {
  name: string;
  addresses: string[];
  /** True once a lookup for this name finished (with or without addresses). */
  attempted: boolean;
  error?: string;
}

const DEFAULT_REFRESH_MS = 5 * 60_000;
const DEFAULT_RETRY_MS = 30_000;
/** An address stays known until it has been missing from this many answers in a row (DNS round robin). */
const KEEP_ROUNDS = 3;
const MAX_ADDRESSES_PER_NAME = 64;

interface NameState {
  /** address → the round it was last seen in */
  seen: Map<string, number>;
  round: number;
  attempted: boolean;
  error?: string;
  inFlight?: Promise<void>;
}

export class PeerNameResolution {
  private readonly names = new Map<string, NameState>();
  private readonly resolve: HostResolver;
  private readonly refreshMs: number;
  private readonly retryMs: number;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly o: PeerNameResolutionOptions = {}) {
    this.resolve = o.resolve ?? lookupAllAddresses;
    this.refreshMs = positive(o.refreshMs, DEFAULT_REFRESH_MS);
    this.retryMs = Math.min(positive(o.retryMs, DEFAULT_RETRY_MS), this.refreshMs);
  }

  /** The names to follow; new ones are looked up at once when running, dropped ones forgotten. */
  setNames(names: Iterable<string>): void {
    const wanted = new Set(names);
    let changed = false;
    for (const name of [...this.names.keys()]) {
      if (!wanted.has(name)) {
        changed ||= this.names.get(name)!.seen.size > 0;
        this.names.delete(name);
      }
    }
    for (const name of wanted) {
      if (this.names.has(name)) continue;
      this.names.set(name, { seen: new Map(), round: 0, attempted: false });
      if (this.running) void this.lookup(name);
    }
    if (changed) this.o.onChange?.();
  }

  /** Starts resolving (now, then on the timer). Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.refresh();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Looks every name up once; resolves when all answers (or failures) are in. Never rejects. */
  async refresh(): Promise<void> {
    await Promise.all([...this.names.keys()].map((name) => this.lookup(name)));
    this.schedule();
  }

  addresses(name: string): readonly string[] {
    return [...(this.names.get(name)?.seen.keys() ?? [])];
  }

  status(): NameStatus[] {
    return [...this.names].map(([name, s]) => ({ name, addresses: [...s.seen.keys()], attempted: s.attempted, ...(s.error ? { error: s.error } : {}) }));
  }

  /** Every followed name has had at least one answer or failure. */
  get settled(): boolean {
    return [...this.names.values()].every((s) => s.attempted);
  }

  private lookup(name: string): Promise<void> {
    const state = this.names.get(name);
    if (!state) return Promise.resolve();
    state.inFlight ??= this.resolveOnce(name, state).finally(() => (state.inFlight = undefined));
    return state.inFlight;
  }

  private async resolveOnce(name: string, state: NameState): Promise<void> {
    try {
      const answer = await this.resolve(name);
      if (this.names.get(name) !== state) return; // forgotten meanwhile
      const round = ++state.round;
      const before = [...state.seen.keys()].sort().join();
      for (const raw of answer ?? []) {
        if (typeof raw !== 'string') continue;
        const ip = this.o.normalize ? this.o.normalize(raw) : raw;
        state.seen.delete(ip); // re-insert: Map order = oldest first
        state.seen.set(ip, round);
      }
      for (const [ip, at] of state.seen) if (round - at >= KEEP_ROUNDS) state.seen.delete(ip);
      while (state.seen.size > MAX_ADDRESSES_PER_NAME) state.seen.delete(state.seen.keys().next().value as string);
      state.error = undefined;
      state.attempted = true;
      if ([...state.seen.keys()].sort().join() !== before) this.o.onChange?.();
    } catch (err) {
      state.attempted = true;
      state.error = (err as { code?: string })?.code ?? String((err as Error)?.message ?? err);
      try {
        this.o.onFailure?.(name, err);
      } catch {
        // a logger failing must not break resolution
      }
    }
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const waiting = [...this.names.values()].some((s) => s.seen.size === 0);
    this.timer = setTimeout(() => void this.refresh(), waiting ? this.retryMs : this.refreshMs);
    this.timer.unref();
  }
}

function positive(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}
