/**
 * The sandbox's view of Meta's limits (reference §6): calls in progress per business number, and
 * rolling 24 h windows (per number for initiations, per number + user for connected BI calls).
 */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Times of events, forgotten once they leave the rolling window. */
export class RollingWindow {
  private times: number[] = [];
  constructor(
    private readonly now: () => number,
    private readonly spanMs = DAY_MS,
  ) {}

  add(): void {
    this.times.push(this.now());
  }

  count(): number {
    const cutoff = this.now() - this.spanMs;
    this.times = this.times.filter((t) => t > cutoff);
    return this.times.length;
  }

  /** Unix seconds at which the oldest event leaves the window (a slot frees up). */
  oldestExpiry(): number | undefined {
    this.count();
    return this.times.length ? Math.ceil((this.times[0] + this.spanMs) / 1000) : undefined;
  }
}

export class SandboxLimits {
  /** Calls in progress: call id → business phone number id. */
  private readonly active = new Map<string, string>();
  /** Calls that were in progress and have ended (terminated, rejected). */
  private readonly ended = new Set<string>();
  private readonly pairs = new Map<string, RollingWindow>();
  private readonly initiations = new Map<string, RollingWindow>();

  constructor(private readonly now: () => number) {}

  startCall(callId: string, phoneNumberId: string): void {
    this.ended.delete(callId);
    this.active.set(callId, phoneNumberId);
  }

  /** Ends a call; false when it had already ended. */
  endCall(callId: string): boolean {
    if (this.ended.has(callId)) return false;
    this.active.delete(callId);
    this.ended.add(callId);
    return true;
  }

  hasEnded(callId: string): boolean {
    return this.ended.has(callId);
  }

  activeCount(phoneNumberId: string): number {
    let n = 0;
    for (const p of this.active.values()) if (p === phoneNumberId) n++;
    return n;
  }

  /** Connected business-initiated calls of (number, user). */
  pair(phoneNumberId: string, user: string): RollingWindow {
    return windowOf(this.pairs, `${phoneNumberId}|${user}`, this.now);
  }

  /** Connects placed from a number. */
  initiationsOf(phoneNumberId: string): RollingWindow {
    return windowOf(this.initiations, phoneNumberId, this.now);
  }

  reset(): void {
    this.active.clear();
    this.ended.clear();
    this.pairs.clear();
    this.initiations.clear();
  }
}

function windowOf(map: Map<string, RollingWindow>, key: string, now: () => number): RollingWindow {
  let w = map.get(key);
  if (!w) map.set(key, (w = new RollingWindow(now)));
  return w;
}
