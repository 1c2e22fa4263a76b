import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the stated rate', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter('test', { perSecond: 2, burst: 3 }, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now += 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
  });

  it('names a whole number of seconds to wait on slow limits', () => {
    const limiter = new RateLimiter('slow', { perSecond: 0.1, burst: 1 }, () => 0);
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBe(10);
  });

  it('is off at a rate of 0', () => {
    const limiter = new RateLimiter('off', { perSecond: 0, burst: 1 }, () => 0);
    for (let n = 0; n < 100; n += 1) expect(limiter.take('k')).toBe(0);
    expect(limiter.trackedKeys).toBe(0);
  });

  it('tracks a bounded number of keys however many clients appear', () => {
    const limiter = new RateLimiter('bounded', { perSecond: 1, burst: 1 }, () => 0, 1000);
    for (let n = 0; n < 50_000; n += 1) limiter.take(`198.51.${n >> 8}.${n & 255}`);
    expect(limiter.trackedKeys).toBeLessThanOrEqual(1000);
  });
});
