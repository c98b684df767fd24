import { describe, expect, it } from 'vitest';
import { exchangeDeadlines } from '../src/sources/http/exchange-deadlines';
import type { ExpiringExchange } from '../src/sources/http/exchange-deadlines';

const exchange = () => {
  const x: ExpiringExchange & { expired: number } = {
    deadline: 0,
    expired: 0,
    expire() {
      x.expired++;
    },
  };
  return x;
};
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('exchange deadlines (one shared check instead of a timer per exchange)', () => {
  it('expires an exchange once its wait has passed, once, and forgets it', async () => {
    const a = exchange();
    exchangeDeadlines.watch(a, 30);
    await until(() => a.expired > 0);
    expect(a.expired).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(a.expired).toBe(1);
    expect(exchangeDeadlines.size).toBe(0);
  });

  it('never expires an exchange that was unwatched (it completed)', async () => {
    const done = exchange();
    const waiting = exchange();
    exchangeDeadlines.watch(done, 20);
    exchangeDeadlines.watch(waiting, 40);
    exchangeDeadlines.unwatch(done);
    await until(() => waiting.expired > 0);
    expect(waiting.expired).toBe(1);
    expect(done.expired).toBe(0);
  });

  it('a short wait asked after a long one still expires on time (the check speeds up)', async () => {
    const slow = exchange();
    const fast = exchange();
    exchangeDeadlines.watch(slow, 120_000);
    exchangeDeadlines.watch(fast, 40);
    await until(() => fast.expired > 0);
    expect(fast.expired).toBe(1);
    expect(slow.expired).toBe(0);
    exchangeDeadlines.unwatch(slow);
  });

  it('watching again moves the deadline (headers arrived: now the body wait applies)', async () => {
    const x = exchange();
    exchangeDeadlines.watch(x, 30);
    exchangeDeadlines.watch(x, 120_000);
    await new Promise((r) => setTimeout(r, 150));
    expect(x.expired).toBe(0);
    exchangeDeadlines.unwatch(x);
    expect(exchangeDeadlines.size).toBe(0);
  });
});
