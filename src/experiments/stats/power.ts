import { normalCdf, normalQuantile } from './distributions.js';
import type { Alternative } from './frequentist.js';

export interface PowerInput {
  /** Per-unit variance of the metric in control (p(1 − p) for a conversion rate). */
  variance: number;
  /** Per-unit variance in treatment; defaults to the control's. */
  treatmentVariance?: number;
  alpha?: number;
  alternative?: Alternative;
}

function critical(alpha: number, alternative: Alternative): number {
  return normalQuantile(1 - (alternative === 'two-sided' ? alpha / 2 : alpha));
}

/**
 * Units per variant needed to detect an absolute difference `effect` with the given power
 * (normal approximation): n = (z₁₋α/₂ + z₁₋β)² (σa² + σb²)/δ².
 * @example sampleSizePerVariant({ variance: 1, effect: 0.1, power: 0.8 }); // 1570
 */
export function sampleSizePerVariant(input: PowerInput & { effect: number; power?: number }): number {
  const power = input.power ?? 0.8;
  if (!(input.effect !== 0 && input.variance > 0 && power > 0 && power < 1)) throw new RangeError('sample size needs a non-zero effect, a positive variance and 0 < power < 1');
  const z = critical(input.alpha ?? 0.05, input.alternative ?? 'two-sided') + normalQuantile(power);
  return Math.ceil((z * z * (input.variance + (input.treatmentVariance ?? input.variance))) / (input.effect * input.effect));
}

/**
 * Smallest absolute difference detectable with `n` units per variant at the given power.
 * @example minimumDetectableEffect({ variance: 0.09, n: 3000 }); // ≈ 0.0217
 */
export function minimumDetectableEffect(input: PowerInput & { n: number; power?: number }): number {
  const power = input.power ?? 0.8;
  if (!(input.n > 0 && input.variance > 0 && power > 0 && power < 1)) throw new RangeError('MDE needs n > 0, a positive variance and 0 < power < 1');
  const z = critical(input.alpha ?? 0.05, input.alternative ?? 'two-sided') + normalQuantile(power);
  return z * Math.sqrt((input.variance + (input.treatmentVariance ?? input.variance)) / input.n);
}

/**
 * Power to detect absolute difference `effect` with `n` units per variant.
 * @example power({ variance: 1, effect: 0.1, n: 1570 }); // ≈ 0.80
 */
export function power(input: PowerInput & { n: number; effect: number }): number {
  if (!(input.n > 0 && input.variance > 0)) throw new RangeError('power needs n > 0 and a positive variance');
  const alternative = input.alternative ?? 'two-sided';
  const se = Math.sqrt((input.variance + (input.treatmentVariance ?? input.variance)) / input.n);
  const z = critical(input.alpha ?? 0.05, alternative);
  const shift = input.effect / se;
  switch (alternative) {
    case 'two-sided':
      return normalCdf(shift - z) + normalCdf(-shift - z);
    case 'greater':
      return normalCdf(shift - z);
    case 'less':
      return normalCdf(-shift - z);
  }
}
