/**
 * When open Graph exchanges give up waiting (for response headers, or for the rest of a body the app
 * never reads): one unref'd interval checks every open exchange, instead of a timer per exchange armed
 * twice — on a busy process those timers cost more than the rest of an exchange's bookkeeping.
 *
 * The interval runs while exchanges are open and stops at the first check that finds none, so an idle
 * process has no timer; its period is a quarter of the shortest wait asked for (10 ms to 1 s), so an
 * exchange expires at most that late.
 */
import { nowMs } from '../../util/clock';

export interface ExpiringExchange {
  /** Epoch ms after which `expire` is called. */
  deadline: number;
  expire(): void;
}

const MIN_PERIOD_MS = 10;
const MAX_PERIOD_MS = 1000;

class ExchangeDeadlines {
  private readonly open = new Set<ExpiringExchange>();
  private timer?: NodeJS.Timeout;
  private periodMs = Infinity;

  /** Watches `exchange` until `unwatch`; it expires `waitMs` from now unless watched again before. */
  watch(exchange: ExpiringExchange, waitMs: number): void {
    exchange.deadline = nowMs() + waitMs;
    this.open.add(exchange);
    const period = Math.min(MAX_PERIOD_MS, Math.max(MIN_PERIOD_MS, waitMs / 4));
    if (!this.timer || period < this.periodMs) this.start(period);
  }

  unwatch(exchange: ExpiringExchange): void {
    this.open.delete(exchange);
  }

  /** Exchanges being watched (tests). */
  get size(): number {
    return this.open.size;
  }

  private start(period: number): void {
    if (this.timer) clearInterval(this.timer);
    this.periodMs = period;
    this.timer = setInterval(() => this.check(), period);
    this.timer.unref();
  }

  private check(): void {
    if (!this.open.size) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.periodMs = Infinity;
      return;
    }
    const now = nowMs();
    for (const exchange of this.open) {
      if (exchange.deadline > now) continue;
      this.open.delete(exchange);
      exchange.expire();
    }
  }
}

/** Shared by every HTTP source's exchanges. */
export const exchangeDeadlines = new ExchangeDeadlines();
