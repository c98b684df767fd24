/**
 * A periodic sweep that never stalls the app's event loop: `sweep` does at most a slice of work and
 * returns true when more is due; the rest then runs in the next turns of the event loop (one slice per
 * turn), not in one long run. Unref'd: it never keeps the process alive. A sweep that throws is
 * reported, never thrown into the event loop.
 */
export class SlicedSweeper {
  private timer?: NodeJS.Timeout;
  private rest?: NodeJS.Immediate;

  constructor(
    private readonly sweep: () => boolean,
    private readonly onError: (err: unknown) => void,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts sweeping every `periodMs` (no-op while running). */
  start(periodMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.slice(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearImmediate(this.rest);
    this.timer = this.rest = undefined;
  }

  private slice(): void {
    this.rest = undefined;
    try {
      if (this.sweep() && this.timer) {
        this.rest = setImmediate(() => this.slice());
        this.rest.unref();
      }
    } catch (err) {
      this.onError(err);
    }
  }
}
