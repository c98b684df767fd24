import { describe, expect, it, vi } from 'vitest';
import { SlicedSweeper } from '../src/util/sliced-sweeper';

describe('SlicedSweeper', () => {
  it('reports a sweep that throws instead of throwing into the event loop, and keeps its period', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    try {
      const errors: unknown[] = [];
      let calls = 0;
      const sweeper = new SlicedSweeper(
        () => {
          calls++;
          throw new Error('store gone');
        },
        (err) => errors.push(err),
      );
      sweeper.start(100);
      expect(() => vi.advanceTimersByTime(250)).not.toThrow();
      expect(calls).toBe(2);
      expect(errors.map((e) => (e as Error).message)).toEqual(['store gone', 'store gone']);
      sweeper.stop();
      expect(sweeper.running).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stop() also cancels the rest of a sweep queued for the next turn', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    try {
      let slices = 0;
      const sweeper = new SlicedSweeper(
        () => ++slices < 10,
        () => undefined,
      );
      sweeper.start(100);
      vi.advanceTimersByTime(100);
      expect(slices).toBe(1);
      sweeper.stop();
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(1000);
      expect(slices).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
