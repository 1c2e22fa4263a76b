import { studentTCdf, studentTQuantile, studentTSf } from './distributions.js';
import { effectMoments, type DifferenceType, type NotEnoughData, type Statistic } from './moments.js';

/** Which alternative: b ≠ a, b > a, or b < a. */
export type Alternative = 'two-sided' | 'greater' | 'less';

export interface TestOptions {
  alpha?: number;
  alternative?: Alternative;
  difference?: DifferenceType;
}

export interface TestResult {
  ok: true;
  estimate: number;
  /** Confidence interval; one-sided tests have an infinite end. */
  ci: [number, number];
  standardError: number;
  pValue: number;
  dof: number;
}

/**
 * Welch t-test of treatment b against control a, with the confidence interval of the
 * absolute or relative (delta method) effect; GrowthBook's TwoSidedTTest and one-sided tests.
 * @example welchTTest(a, b, { alternative: 'two-sided', difference: 'relative', alpha: 0.05 });
 */
export function welchTTest(a: Statistic, b: Statistic, options: TestOptions = {}): TestResult | NotEnoughData {
  const alpha = options.alpha ?? 0.05;
  const alternative = options.alternative ?? 'two-sided';
  const invalid = checkAlpha(alpha);
  if (invalid !== undefined) return invalid;
  const moments = effectMoments(a, b, options.difference ?? 'relative');
  if (!moments.ok) return moments;
  const { estimate, standardError: se, dof } = moments;
  const t = estimate / se;
  switch (alternative) {
    case 'two-sided': {
      const half = studentTQuantile(1 - alpha / 2, dof) * se;
      return { ok: true, estimate, ci: [estimate - half, estimate + half], standardError: se, pValue: Math.min(1, 2 * studentTSf(Math.abs(t), dof)), dof };
    }
    case 'greater': {
      const half = studentTQuantile(1 - alpha, dof) * se;
      return { ok: true, estimate, ci: [estimate - half, Infinity], standardError: se, pValue: studentTSf(t, dof), dof };
    }
    case 'less': {
      const half = studentTQuantile(1 - alpha, dof) * se;
      return { ok: true, estimate, ci: [-Infinity, estimate + half], standardError: se, pValue: studentTCdf(t, dof), dof };
    }
  }
}

export function checkAlpha(alpha: number): NotEnoughData | undefined {
  if (!(alpha > 0 && alpha < 1)) return { ok: false, reason: 'invalid_input', message: `alpha must be between 0 and 1, got ${alpha}` };
  return undefined;
}
