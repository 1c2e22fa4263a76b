import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  it('evicts the least recently used entry past the entry bound', () => {
    const cache = new BoundedCache<string, number>({ maxEntries: 3, maxBytes: 1 << 20 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    expect(cache.size).toBe(3);
  });

  it('stays under its byte budget whatever the keys, and refuses an entry larger than the budget', () => {
    const cache = new BoundedCache<string, boolean>({ maxEntries: 1_000_000, maxBytes: 100_000 });
    for (let n = 0; n < 20_000; n += 1) cache.set(`key-${n}-${'x'.repeat(n % 500)}`, true);
    expect(cache.byteSize).toBeLessThanOrEqual(100_000);
    expect(cache.size).toBeGreaterThan(0);
    cache.set('huge'.padEnd(60_000, 'h'), true);
    expect(cache.get('huge'.padEnd(60_000, 'h'))).toBeUndefined();
  });

  it('keeps its byte count exact through replace, delete and clear', () => {
    const cache = new BoundedCache<string, number>({ maxEntries: 10, maxBytes: 10_000, sizeOf: (_key, value) => value });
    cache.set('a', 100);
    cache.set('a', 300);
    cache.set('b', 50);
    expect(cache.byteSize).toBe(350);
    cache.delete('a');
    expect(cache.byteSize).toBe(50);
    cache.clear();
    expect([cache.size, cache.byteSize]).toEqual([0, 0]);
  });
});
