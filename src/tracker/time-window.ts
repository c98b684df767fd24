/**
 * The members of one rolling window, by time, ascending. Adding is O(1) for members that arrive in
 * time order (nearly all: a scan-and-sort per add made 100k initiations a day quadratic), and so is
 * pruning: expired entries are skipped by a head index and the array compacted only once they are half
 * of it (a `splice(0, n)` per add moved the whole window: 64 µs per add at 100k entries).
 */
export class TimeWindow {
  private entries: { at: number; member: string }[] = [];
  /** Entries before it have left the window. */
  private head = 0;
  private readonly members = new Set<string>();

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Idempotent per member: false when the member was there. */
  add(member: string, at: number): boolean {
    if (this.members.has(member)) return false;
    this.members.add(member);
    let i = this.entries.length;
    while (i > this.head && this.entries[i - 1].at > at) i--;
    if (i === this.entries.length) this.entries.push({ at, member });
    else this.entries.splice(i, 0, { at, member });
    return true;
  }

  /** Drops entries at or before `since`. */
  prune(since: number): void {
    const { entries } = this;
    let head = this.head;
    while (head < entries.length && entries[head].at <= since) this.members.delete(entries[head++].member);
    if (head === this.head) return;
    if (head > 1024 && head * 2 > entries.length) {
      this.entries = entries.slice(head);
      head = 0;
    } else if (head === entries.length) {
      this.entries = [];
      head = 0;
    }
    this.head = head;
  }

  /** Entries after `t` (binary search). */
  countAfter(t: number): number {
    return this.entries.length - this.indexAfter(t);
  }

  /** The earliest time after `t`, if any. */
  firstAfter(t: number): number | undefined {
    return this.entries[this.indexAfter(t)]?.at;
  }

  private indexAfter(t: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].at > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
