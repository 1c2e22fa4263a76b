/**
 * A least-recently-used map bounded by entry count and by an estimate of the bytes it holds.
 * Anything keyed by what an unauthenticated caller sends (write keys, bearer tokens, client
 * addresses) must live in one of these: a plain Map grows with every new key an attacker makes up.
 * @example const cache = new BoundedCache<string, number>({ maxEntries: 1000, maxBytes: 1 << 20 });
 */
export class BoundedCache<K, V> {
  // Map iterates in insertion order; re-inserting on every hit keeps the coldest entry first.
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly limits: {
      maxEntries: number;
      maxBytes: number;
      /** Estimated bytes of one entry; default: a key string's UTF-16 size plus 64 bytes of bookkeeping. */
      sizeOf?: (key: K, value: V) => number;
    },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The estimated bytes held, never above `maxBytes`. */
  get byteSize(): number {
    return this.bytes;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value`, evicting the least recently used entries; an entry larger than the whole budget is not kept. */
  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.limits.sizeOf?.(key, value) ?? (typeof key === 'string' ? key.length * 2 : 8) + 64;
    if (bytes > this.limits.maxBytes || this.limits.maxEntries <= 0) return;
    while (this.entries.size >= this.limits.maxEntries || this.bytes + bytes > this.limits.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
