/**
 * A binary min-heap ordered by a comparator. The scheduler keeps one per
 * alias, so pushing and popping must stay O(log n) however long a run is.
 */
export class Heap<T> {
  private items: T[] = [];

  constructor(private readonly isBefore: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.isBefore(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < items.length && this.isBefore(items[left]!, items[best]!)) best = left;
      if (right < items.length && this.isBefore(items[right]!, items[best]!)) best = right;
      if (best === i) break;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
    return top;
  }

  /** Removes every item for which `predicate` is true and returns them. */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed = this.items.filter(predicate);
    if (removed.length === 0) return removed;
    const kept = this.items.filter((item) => !predicate(item));
    this.items = [];
    for (const item of kept) this.push(item);
    return removed;
  }
}
