/*
 * Interaction data as the models see it: users and items mapped to dense integer indexes, each
 * user's interactions in time order. Typed arrays keep 200k interactions (Amazon Beauty) or
 * millions (a shop's event log) compact and fast to scan.
 */

/** One user's interactions in time order: item indexes and, when the source has them, times. */
export interface UserSequence {
  user: string;
  items: Int32Array;
  /**
   * Time (or any increasing group key) of each interaction. Interactions that share a time form
   * one group (a basket); the S3-Rec format gives every item its own position.
   */
  times: Float64Array;
}

export interface InteractionDataset {
  /** Item ids by index. */
  items: string[];
  sequences: UserSequence[];
}

/** Turns string ids into dense indexes while a dataset is read. */
export class DatasetBuilder {
  private readonly itemIndex = new Map<string, number>();
  private readonly itemIds: string[] = [];
  private readonly perUser = new Map<string, { items: number[]; times: number[] }>();

  /** Index of an item id, assigned on first sight. */
  item(id: string): number {
    let index = this.itemIndex.get(id);
    if (index === undefined) {
      index = this.itemIds.length;
      this.itemIndex.set(id, index);
      this.itemIds.push(id);
    }
    return index;
  }

  /** Adds one interaction; `time` orders a user's interactions (ties keep insertion order). */
  add(user: string, item: string, time: number): void {
    let entry = this.perUser.get(user);
    if (entry === undefined) {
      entry = { items: [], times: [] };
      this.perUser.set(user, entry);
    }
    entry.items.push(this.item(item));
    entry.times.push(time);
  }

  /**
   * The dataset, each user's interactions sorted by time (stable). When every item id is an
   * integer, indexes follow numeric id order, so ties between equal scores break the way tools
   * that index by the id itself break them (the S3-Rec code ranks item ids directly).
   */
  build(): InteractionDataset {
    let items = [...this.itemIds];
    let remap: Int32Array | undefined;
    if (items.length > 0 && items.every((id) => /^-?\d{1,15}$/.test(id))) {
      const order = items.map((_, index) => index).sort((a, b) => Number(items[a]) - Number(items[b]));
      const map = new Int32Array(items.length);
      order.forEach((oldIndex, newIndex) => {
        map[oldIndex] = newIndex;
      });
      items = order.map((oldIndex) => this.itemIds[oldIndex] ?? '');
      remap = map;
    }
    const sequences: UserSequence[] = [];
    for (const [user, entry] of this.perUser) {
      const entryItems = remap === undefined ? entry.items : entry.items.map((item) => remap[item] ?? 0);
      const order = entryItems.map((_, position) => position);
      let sorted = true;
      for (let i = 1; i < entry.times.length; i++) if ((entry.times[i] ?? 0) < (entry.times[i - 1] ?? 0)) sorted = false;
      if (!sorted) order.sort((a, b) => (entry.times[a] ?? 0) - (entry.times[b] ?? 0) || a - b);
      sequences.push({
        user,
        items: Int32Array.from(order, (position) => entryItems[position] ?? 0),
        times: Float64Array.from(order, (position) => entry.times[position] ?? 0),
      });
    }
    return { items, sequences };
  }
}

/**
 * Start offsets of the time groups of a sequence (a basket = the interactions sharing one time),
 * plus the length at the end: groups are `[starts[g], starts[g + 1])`.
 * @example groupStarts(Float64Array.of(1, 1, 2, 3, 3)) // Int32Array [0, 2, 3, 5]
 */
export function groupStarts(times: Float64Array): Int32Array {
  const starts: number[] = [];
  for (let i = 0; i < times.length; i++) if (i === 0 || times[i] !== times[i - 1]) starts.push(i);
  starts.push(times.length);
  return Int32Array.from(starts);
}

/**
 * Interaction counts per item over the given sequences.
 * @example itemCounts([Int32Array.of(0, 1, 1)], 3) // Float64Array [1, 2, 0]
 */
export function itemCounts(sequences: readonly Int32Array[], numItems: number): Float64Array {
  const counts = new Float64Array(numItems);
  for (const sequence of sequences) {
    for (let i = 0; i < sequence.length; i++) {
      const item = sequence[i] ?? 0;
      counts[item] = (counts[item] ?? 0) + 1;
    }
  }
  return counts;
}
