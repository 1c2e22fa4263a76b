import { describe, expect, it } from 'vitest';
import { manualClock } from '../shared/clock.js';
import { VisitorCache } from './visitor-cache.js';

describe('VisitorCache', () => {
  it('answers only the version it was given, per workspace, until the TTL', () => {
    const clock = manualClock(1_000);
    const cache = new VisitorCache<string>(clock, { maxEntries: 10, maxBytes: 10_000, ttlMs: 500 });
    cache.set('ws-a', 'prf_1', 7, 'a7', 10);
    expect(cache.get('ws-a', 'prf_1', 7)).toBe('a7');
    // The same profile id in another workspace is another entry.
    expect(cache.get('ws-b', 'prf_1', 7)).toBeUndefined();
    // A newer version (the processor wrote the profile) drops the entry.
    expect(cache.get('ws-a', 'prf_1', 8)).toBeUndefined();
    expect(cache.get('ws-a', 'prf_1', 7)).toBeUndefined();
    cache.set('ws-a', 'prf_1', 8, 'a8', 10);
    clock.advance(499);
    expect(cache.get('ws-a', 'prf_1', 8)).toBe('a8');
    clock.advance(1);
    expect(cache.get('ws-a', 'prf_1', 8)).toBeUndefined();
    expect(cache.size()).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps at most maxEntries and maxBytes, evicting the least recently used', () => {
    const clock = manualClock(0);
    const cache = new VisitorCache<number>(clock, { maxEntries: 3, maxBytes: 1_000, ttlMs: 60_000 });
    for (let i = 0; i < 3; i++) cache.set('ws', `p${i}`, 1, i, 10);
    expect(cache.get('ws', 'p0', 1)).toBe(0); // p0 is now the most recent
    cache.set('ws', 'p3', 1, 3, 10);
    expect(cache.get('ws', 'p1', 1)).toBeUndefined();
    expect(cache.get('ws', 'p0', 1)).toBe(0);
    expect(cache.size()).toEqual({ entries: 3, bytes: 30 });
    // Bytes: two entries of 90 leave room for nothing else of 90 within 1,000? 10 of them do not.
    for (let i = 10; i < 20; i++) cache.set('ws', `p${i}`, 1, i, 90);
    expect(cache.size().entries).toBeLessThanOrEqual(3);
    expect(cache.size().bytes).toBeLessThanOrEqual(1_000);
    // An entry over a tenth of the budget is not kept at all.
    cache.set('ws', 'big', 1, 0, 101);
    expect(cache.get('ws', 'big', 1)).toBeUndefined();
    cache.drop('ws', ['p19']);
    expect(cache.get('ws', 'p19', 1)).toBeUndefined();
  });
});
