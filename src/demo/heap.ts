/** A binary min-heap: the demo generator's schedule and its queue of events not yet due. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = items[parent];
      if (above === undefined || this.compare(item, above) >= 0) break;
      items[index] = above;
      index = parent;
    }
    items[index] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const leftItem = items[left];
      const rightItem = items[right];
      if (leftItem === undefined) break;
      const child = rightItem !== undefined && this.compare(rightItem, leftItem) < 0 ? right : left;
      const childItem = items[child];
      if (childItem === undefined || this.compare(last, childItem) <= 0) break;
      items[index] = childItem;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
