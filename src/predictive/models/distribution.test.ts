import { describe, expect, it } from 'vitest';
import { distribution, moneyDistribution, quantile } from './distribution.js';

describe('score distributions', () => {
  it('interpolates quantiles like R type 7 / NumPy', () => {
    // numpy.percentile([1, 2, 3, 4], 90) = 3.7; median of 1..4 = 2.5
    expect(quantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 10);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('counts values into equal bins, the upper edge and the tail in the last one, non-finite values dropped', () => {
    const result = distribution([0, 0.05, 0.5, 0.99, 1, 7, Number.NaN], { bins: 4, lower: 0, upper: 1 });
    expect(result.bins.map((bin) => bin.count)).toEqual([2, 0, 1, 3]);
    expect(result.count).toBe(6);
    expect(result.min).toBe(0);
    expect(result.max).toBe(7);
    expect(result.mean).toBeCloseTo((0 + 0.05 + 0.5 + 0.99 + 1 + 7) / 6, 10);
  });

  it('sizes money bins to a round number above the 95th percentile', () => {
    const values = Array.from({ length: 100 }, (_, index) => index * 10); // 0..990, p95 = 940.5
    const result = moneyDistribution(values, 10);
    expect(result.bins[0]).toEqual({ from: 0, to: 100, count: 10 });
    expect(result.bins.at(-1)?.to).toBe(1000);
    expect(result.bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(100);
  });

  it('has an empty but well-formed answer without scores', () => {
    expect(moneyDistribution([])).toMatchObject({ count: 0, mean: null, median: null });
  });
});
