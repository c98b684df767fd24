/** A binary min-heap of items ordered by a numeric key (for deadlines: the soonest first). */
export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly keyOf: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const { items, keyOf } = this;
    let i = items.length;
    items.push(item);
    const key = keyOf(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keyOf(items[parent]) <= key) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const { items } = this;
    const top = items[0];
    const last = items.pop();
    if (items.length && last !== undefined) this.siftDown(last);
    return top;
  }

  /** Keeps only the items `keep` accepts (rebuilt in O(n)). */
  filter(keep: (item: T) => boolean): void {
    this.items = this.items.filter(keep);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(this.items[i], i);
  }

  private siftDown(item: T, from = 0): void {
    const { items, keyOf } = this;
    const key = keyOf(item);
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= items.length) break;
      if (child + 1 < items.length && keyOf(items[child + 1]) < keyOf(items[child])) child++;
      if (keyOf(items[child]) >= key) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = item;
  }
}
