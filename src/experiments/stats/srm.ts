import { chiSquareSf } from './distributions.js';

export interface SrmResult {
  chiSquare: number;
  /** p-value of the chi-square goodness-of-fit test; 1 when there is nothing to test. */
  pValue: number;
}

/** GrowthBook flags a sample-ratio mismatch below this p-value. */
export const SRM_THRESHOLD = 0.001;

/**
 * Sample-ratio-mismatch check (GrowthBook's checkSrm): variants whose weight is 0 are dropped;
 * with fewer than two left or no users, p = 1; otherwise X² = Σ (o − e)²/e against the
 * configured weights, with k − 1 degrees of freedom.
 * @example sampleRatioMismatch([1000, 1200], [0.5, 0.5]); // { chiSquare: 18.18, pValue: 0.000020079 }
 */
export function sampleRatioMismatch(users: readonly number[], weights: readonly number[]): SrmResult {
  const kept: Array<[number, number]> = [];
  // Over the observed variants, as checkSrm does: a weight without users is not a variant.
  users.forEach((count, index) => {
    const weight = weights[index] ?? 0;
    if (weight > 0) kept.push([count, weight]);
  });
  const total = kept.reduce((sum, [count]) => sum + count, 0);
  const weightSum = kept.reduce((sum, [, weight]) => sum + weight, 0);
  if (kept.length < 2 || total <= 0) return { chiSquare: 0, pValue: 1 };
  let chiSquare = 0;
  for (const [observed, weight] of kept) {
    const expected = (weight / weightSum) * total;
    chiSquare += (observed - expected) ** 2 / expected;
  }
  return { chiSquare, pValue: chiSquareSf(chiSquare, kept.length - 1) };
}
