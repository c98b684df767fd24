/** The sandbox's view of Meta's limits: active calls per number, rolling 24 h windows. */
export const DAY_MS = 24 * 60 * 60 * 1000;

export class RollingWindow {
  private times: number[] = [];
  constructor(private readonly now: () => number) {}
  add(): void {
    this.times.push(this.now());
  }
  count(): number {
    const cutoff = this.now() - DAY_MS;
    this.times = this.times.filter((t) => t > cutoff);
    return this.times.length;
  }
  /** Unix seconds when the oldest entry leaves the window. */
  oldestExpiry(): number | undefined {
    this.count();
    return this.times.length ? Math.ceil((this.times[0] + DAY_MS) / 1000) : undefined;
  }
}

export class SandboxLimits {
  /** call id → phone number id, for calls in progress. */
  readonly active = new Map<string, string>();
  private readonly pairs = new Map<string, RollingWindow>();
  private readonly initiations = new Map<string, RollingWindow>();

  constructor(private readonly now: () => number) {}

  activeCount(phoneNumberId: string): number {
    let n = 0;
    for (const p of this.active.values()) if (p === phoneNumberId) n++;
    return n;
  }

  pair(phoneNumberId: string, user: string): RollingWindow {
    const key = `${phoneNumberId}|${user}`;
    let w = this.pairs.get(key);
    if (!w) this.pairs.set(key, (w = new RollingWindow(this.now)));
    return w;
  }

  initiationsOf(phoneNumberId: string): RollingWindow {
    let w = this.initiations.get(phoneNumberId);
    if (!w) this.initiations.set(phoneNumberId, (w = new RollingWindow(this.now)));
    return w;
  }

  reset(): void {
    this.active.clear();
    this.pairs.clear();
    this.initiations.clear();
  }
}
