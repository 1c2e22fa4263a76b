import type { NotEnoughData, Statistic } from './moments.js';

/** Per-variant sums of the metric (y) and of the same metric before exposure (x). */
export interface CovariateAggregate {
  n: number;
  sum: number;
  sumSquares: number;
  preSum: number;
  preSumSquares: number;
  /** Σ x·y over units. */
  crossSum: number;
}

export interface CupedResult {
  ok: true;
  /** θ = Cov(x, y)/Var(x), pooled over all variants. */
  theta: number;
  /** Adjusted statistics, one per input variant, ready for the tests. */
  statistics: Statistic[];
  /** 1 − Var(adjusted)/Var(raw), pooled: the share of variance removed. */
  varianceReduction: number;
}

/**
 * CUPED (Deng, Xu, Kohavi & Walker 2013, "Improving the sensitivity of online controlled
 * experiments by utilizing pre-experiment data"): y − θ(x − x̄) with θ pooled across variants,
 * so the adjusted means stay unbiased while the variance shrinks by ρ².
 * @example cuped([{ n, sum, sumSquares, preSum, preSumSquares, crossSum }, ...]).statistics;
 */
export function cuped(variants: readonly CovariateAggregate[]): CupedResult | NotEnoughData {
  const total = variants.reduce((sum, v) => sum + v.n, 0);
  if (variants.some((v) => !(v.n > 1))) return { ok: false, reason: 'too_few_units', message: 'CUPED needs at least 2 units in every variant' };
  // Pooled within-variant covariance and variance, so a real effect does not leak into θ.
  let cov = 0;
  let varX = 0;
  let varY = 0;
  for (const v of variants) {
    cov += v.crossSum - (v.sum * v.preSum) / v.n;
    varX += v.preSumSquares - (v.preSum * v.preSum) / v.n;
    varY += v.sumSquares - (v.sum * v.sum) / v.n;
  }
  const df = total - variants.length;
  cov /= df;
  varX /= df;
  varY /= df;
  const theta = varX > 0 ? cov / varX : 0;
  const grandX = variants.reduce((sum, v) => sum + v.preSum, 0) / total;
  const statistics = variants.map((v) => {
    const meanY = v.sum / v.n;
    const meanX = v.preSum / v.n;
    const vy = (v.sumSquares - (v.sum * v.sum) / v.n) / (v.n - 1);
    const vx = (v.preSumSquares - (v.preSum * v.preSum) / v.n) / (v.n - 1);
    const cxy = (v.crossSum - (v.sum * v.preSum) / v.n) / (v.n - 1);
    return { n: v.n, mean: meanY - theta * (meanX - grandX), variance: Math.max(0, vy - 2 * theta * cxy + theta * theta * vx) };
  });
  const adjusted = varY - 2 * theta * cov + theta * theta * varX;
  return { ok: true, theta, statistics, varianceReduction: varY > 0 ? 1 - adjusted / varY : 0 };
}
