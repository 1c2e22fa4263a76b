/*
 * Per-variant summary statistics and the moments of the effect between two of them.
 * Definitions follow GrowthBook's gbstats (packages/stats/gbstats/models/statistics.py):
 * a sample mean has variance (Σx² − (Σx)²/n)/(n − 1), a proportion p(1 − p), a ratio metric
 * the delta-method variance of Σnum/Σden; the relative effect mean_b/mean_a − 1 has the
 * delta-method variance var_b/(n_b mean_a²) + var_a mean_b²/(n_a mean_a⁴).
 */

/** Aggregates of one variant over one metric: what the event-log scan (or SQL) produces. */
export interface SampleMeanAggregate {
  kind: 'mean';
  n: number;
  sum: number;
  sumSquares: number;
}

export interface ProportionAggregate {
  kind: 'proportion';
  n: number;
  /** Units that converted. */
  sum: number;
}

/** Ratio metric (e.g. average order value = revenue / orders), one numerator and denominator per unit. */
export interface RatioAggregate {
  kind: 'ratio';
  n: number;
  numeratorSum: number;
  numeratorSumSquares: number;
  denominatorSum: number;
  denominatorSumSquares: number;
  /** Σ numerator × denominator over units. */
  crossSum: number;
}

export type Aggregate = SampleMeanAggregate | ProportionAggregate | RatioAggregate;

/** A variant reduced to what the tests need: units, mean, and per-unit variance (se² = variance/n). */
export interface Statistic {
  n: number;
  mean: number;
  variance: number;
}

export type DifferenceType = 'relative' | 'absolute';

/** Why an analysis could not be done: an explicit value, never NaN. */
export interface NotEnoughData {
  ok: false;
  reason: 'empty_variant' | 'too_few_units' | 'zero_variance' | 'zero_baseline' | 'invalid_input';
  message: string;
}

export interface EffectMoments {
  ok: true;
  /** Point estimate of the effect (relative: b/a − 1; absolute: b − a). */
  estimate: number;
  /** Standard error of the estimate. */
  standardError: number;
  /** Welch-Satterthwaite degrees of freedom. */
  dof: number;
}

/**
 * Mean and per-unit variance of an aggregate; `undefined` when it has no units.
 * @example statisticOf({ kind: 'proportion', n: 28, sum: 14 }); // { n: 28, mean: 0.5, variance: 0.25 }
 */
export function statisticOf(aggregate: Aggregate): Statistic | undefined {
  const n = aggregate.n;
  if (!(n > 0)) return undefined;
  switch (aggregate.kind) {
    case 'proportion': {
      const mean = aggregate.sum / n;
      return { n, mean, variance: mean * (1 - mean) };
    }
    case 'mean': {
      const mean = aggregate.sum / n;
      const variance = n > 1 ? (aggregate.sumSquares - (aggregate.sum * aggregate.sum) / n) / (n - 1) : 0;
      return { n, mean, variance: Math.max(variance, 0) };
    }
    case 'ratio': {
      const meanN = aggregate.numeratorSum / n;
      const meanD = aggregate.denominatorSum / n;
      if (meanD === 0) return { n, mean: 0, variance: 0 };
      const df = Math.max(n - 1, 1);
      const varN = (aggregate.numeratorSumSquares - (aggregate.numeratorSum * aggregate.numeratorSum) / n) / df;
      const varD = (aggregate.denominatorSumSquares - (aggregate.denominatorSum * aggregate.denominatorSum) / n) / df;
      const cov = (aggregate.crossSum - (aggregate.numeratorSum * aggregate.denominatorSum) / n) / df;
      const variance = varN / meanD ** 2 - (2 * meanN * cov) / meanD ** 3 + (meanN ** 2 * varD) / meanD ** 4;
      return { n, mean: meanN / meanD, variance: Math.max(variance, 0) };
    }
  }
}

/**
 * Effect of treatment b over control a, with its standard error and Welch dof.
 * @example effectMoments({ n: 28, mean: 0.5, variance: 0.25 }, { n: 30, mean: 16 / 30, variance: (16 / 30) * (14 / 30) }, 'relative');
 */
export function effectMoments(a: Statistic, b: Statistic, difference: DifferenceType): EffectMoments | NotEnoughData {
  if (!(a.n > 0) || !(b.n > 0)) return { ok: false, reason: 'empty_variant', message: `a variant has no units (control ${a.n}, treatment ${b.n})` };
  if (a.n < 2 || b.n < 2) return { ok: false, reason: 'too_few_units', message: 'each variant needs at least 2 units' };
  if (!(a.variance > 0) || !(b.variance > 0)) {
    return { ok: false, reason: 'zero_variance', message: 'a variant has zero variance (every unit has the same value); there is nothing to compare yet' };
  }
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const dof = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  if (difference === 'absolute') return { ok: true, estimate: b.mean - a.mean, standardError: Math.sqrt(va + vb), dof };
  if (a.mean === 0) return { ok: false, reason: 'zero_baseline', message: 'the control mean is 0, so a relative effect is undefined; use the absolute difference' };
  const variance = vb / a.mean ** 2 + (va * b.mean ** 2) / a.mean ** 4;
  return { ok: true, estimate: b.mean / a.mean - 1, standardError: Math.sqrt(variance), dof };
}
