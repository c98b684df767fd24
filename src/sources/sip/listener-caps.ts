/**
 * Caps for a listener that anyone able to reach its port can feed (the HEP receiver, the sidecar):
 * a token bucket per source address in a bounded map, the drop reasons and the counters. Over a cap
 * a listener drops and counts; it never grows.
 */
import { timingSafeEqual } from 'node:crypto';
import { OldestFirstMap } from '../../util/oldest-first-map';

export const HEP_DROP_REASONS = ['too_large', 'rate_limited', 'auth_failed', 'malformed', 'buffer_full', 'too_many_connections'] as const;
export type HepDropReason = (typeof HEP_DROP_REASONS)[number];

export interface HepReceiverStats {
  /** HEP packets received (datagrams, and packets framed from TCP streams). */
  received: number;
  /** SIP messages on a Meta leg, passed on as observations. */
  accepted: number;
  /** Well-formed packets that are not for us: not SIP, or a leg without Meta on exactly one side. */
  ignored: { not_sip: number; other_leg: number };
  /** Drops by reason (what `whatsapp.calling.hep.dropped` reports). */
  dropped: Record<HepDropReason, number>;
  /** TCP bytes the stream framers discarded (garbage between packets, oversized packets). */
  droppedBytes: number;
  /** Bytes held for incomplete TCP packets between reads, over all connections (never above `maxBufferedBytes`). */
  bufferedBytes: number;
  /** The most ever held between reads. */
  peakBufferedBytes: number;
  /** Open TCP connections. */
  connections: number;
  /** Source addresses tracked by the rate limiter. */
  sources: number;
}

export function newHepStats(): HepReceiverStats {
  return {
    received: 0,
    accepted: 0,
    ignored: { not_sip: 0, other_leg: 0 },
    dropped: Object.fromEntries(HEP_DROP_REASONS.map((r) => [r, 0])) as Record<HepDropReason, number>,
    droppedBytes: 0,
    bufferedBytes: 0,
    peakBufferedBytes: 0,
    connections: 0,
    sources: 0,
  };
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per source: `ratePerSecond` refill, `burst` capacity (default one second's worth).
 * At most `maxSources` buckets; the least recently seen source is forgotten first (it comes back
 * with a full bucket). `Infinity` as the rate turns limiting off.
 */
export class SourceRateLimiter {
  private readonly buckets = new OldestFirstMap<string, Bucket>();
  private readonly burst: number;
  private readonly maxSources: number;
  private readonly now: () => number;

  constructor(
    private readonly ratePerSecond: number,
    options: { burst?: number; maxSources?: number; now?: () => number } = {},
  ) {
    this.burst = Math.max(1, options.burst ?? ratePerSecond);
    this.maxSources = Math.max(1, options.maxSources ?? 1024);
    this.now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `source`; false when its bucket is empty. */
  take(source: string): boolean {
    if (this.ratePerSecond === Infinity) return true;
    const now = this.now();
    let b = this.buckets.get(source);
    if (b) {
      // set below makes it the most recently seen
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.ratePerSecond) / 1000);
      b.at = now;
    } else {
      this.buckets.pruneOldest(() => true, this.maxSources - 1);
      b = { tokens: this.burst, at: now };
    }
    this.buckets.set(source, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** Compares an auth key without leaking how much of it matched through timing. */
export function sameKey(expected: Buffer, got: string | undefined): boolean {
  if (got === undefined) return false;
  const b = Buffer.from(got, 'utf8');
  return b.length === expected.length && timingSafeEqual(b, expected);
}
