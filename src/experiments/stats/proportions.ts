import { chiSquareSf, normalCdf, normalQuantile, normalSf } from './distributions.js';
import type { Alternative } from './frequentist.js';
import type { NotEnoughData } from './moments.js';

export interface ZTestResult {
  ok: true;
  z: number;
  pValue: number;
}

/**
 * Two-proportion z-test with the pooled variance under H0, as statsmodels'
 * `proportions_ztest(count, nobs)`: z = (p1 − p2 − value)/√(p̄(1 − p̄)(1/n1 + 1/n2)).
 * The sign follows group 1 minus group 2.
 * @example twoProportionZTest([5, 12], [83, 99]); // { z: -1.4078..., pValue: 0.1591... }
 */
export function twoProportionZTest(count: [number, number], nobs: [number, number], options: { value?: number; alternative?: Alternative } = {}): ZTestResult | NotEnoughData {
  const [x1, x2] = count;
  const [n1, n2] = nobs;
  const problem = checkCounts(count, nobs);
  if (problem !== undefined) return problem;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (!(variance > 0)) return { ok: false, reason: 'zero_variance', message: 'every unit converted or none did; the z-test needs some of each' };
  const z = (x1 / n1 - x2 / n2 - (options.value ?? 0)) / Math.sqrt(variance);
  return { ok: true, z, pValue: zPValue(z, options.alternative ?? 'two-sided') };
}

/**
 * One-sample proportion z-test against `value`, with the variance of the sample proportion
 * (statsmodels `proportions_ztest(count, nobs, value, prop_var=False)`).
 * @example oneProportionZTest(5, 83, 0.05); // { z: 0.3921..., pValue: 0.6949... }
 */
export function oneProportionZTest(count: number, nobs: number, value: number, alternative: Alternative = 'two-sided'): ZTestResult | NotEnoughData {
  if (!(nobs > 0) || count < 0 || count > nobs) return { ok: false, reason: 'invalid_input', message: `need 0 <= count <= nobs and nobs > 0, got ${count}/${nobs}` };
  const p = count / nobs;
  const variance = (p * (1 - p)) / nobs;
  if (!(variance > 0)) return { ok: false, reason: 'zero_variance', message: 'the sample proportion is 0 or 1; its variance is 0' };
  const z = (p - value) / Math.sqrt(variance);
  return { ok: true, z, pValue: zPValue(z, alternative) };
}

/** p-value of a z statistic for the given alternative. */
export function zPValue(z: number, alternative: Alternative): number {
  switch (alternative) {
    case 'two-sided':
      return Math.min(1, 2 * normalSf(Math.abs(z)));
    case 'greater':
      return normalSf(z);
    case 'less':
      return normalCdf(z);
  }
}

export interface ChiSquareTwoByTwo {
  ok: true;
  chiSquare: number;
  pValue: number;
  /** Wald interval for p1 − p2 (unpooled), widened by the continuity correction when used. */
  ci: [number, number];
}

/**
 * R's `prop.test(x, n, correct)` for two groups: Pearson X² (optionally with Yates' continuity
 * correction) and the confidence interval for p1 − p2.
 * @example propTest([5, 12], [83, 99], { correct: false }); // X² 1.98198..., CI [-0.14315, 0.02121]
 */
export function propTest(count: [number, number], nobs: [number, number], options: { correct?: boolean; confidence?: number } = {}): ChiSquareTwoByTwo | NotEnoughData {
  const problem = checkCounts(count, nobs);
  if (problem !== undefined) return problem;
  const [x1, x2] = count;
  const [n1, n2] = nobs;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  if (!(pooled > 0 && pooled < 1)) return { ok: false, reason: 'zero_variance', message: 'every unit converted or none did; the chi-square test needs some of each' };
  const delta = p1 - p2;
  const inverseSum = 1 / n1 + 1 / n2;
  const yates = options.correct === true ? Math.min(0.5, Math.abs(delta) / inverseSum) : 0;
  let chiSquare = 0;
  for (const [observed, expected] of [
    [x1, n1 * pooled],
    [n1 - x1, n1 * (1 - pooled)],
    [x2, n2 * pooled],
    [n2 - x2, n2 * (1 - pooled)],
  ] as const) {
    chiSquare += (Math.abs(observed - expected) - yates) ** 2 / expected;
  }
  const z = normalQuantile((1 + (options.confidence ?? 0.95)) / 2);
  const width = z * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2) + yates * inverseSum;
  return { ok: true, chiSquare, pValue: chiSquareSf(chiSquare, 1), ci: [Math.max(delta - width, -1), Math.min(delta + width, 1)] };
}

function checkCounts(count: [number, number], nobs: [number, number]): NotEnoughData | undefined {
  for (let i = 0; i < 2; i++) {
    const x = count[i] ?? 0;
    const n = nobs[i] ?? 0;
    if (!(n > 0)) return { ok: false, reason: 'empty_variant', message: `group ${i + 1} has no units` };
    if (!(x >= 0 && x <= n)) return { ok: false, reason: 'invalid_input', message: `group ${i + 1}: count ${x} must be between 0 and nobs ${n}` };
  }
  return undefined;
}
