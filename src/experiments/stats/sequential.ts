import { checkAlpha, type Alternative } from './frequentist.js';
import { effectMoments, type DifferenceType, type NotEnoughData, type Statistic } from './moments.js';

/*
 * Always-valid inference, so results may be checked at any time without inflating the
 * false-positive rate. The confidence sequences are GrowthBook's (gbstats frequentist/tests.py):
 * asymptotic confidence sequences of Waudby-Smith et al., "Time-uniform central limit theory
 * and asymptotic confidence sequences", arXiv:2103.06476v7, equations 9, 134, 155 and 161.
 */

export const DEFAULT_TUNING = 5000;

export interface SequentialOptions {
  alpha?: number;
  alternative?: Alternative;
  difference?: DifferenceType;
  /** The sample size (both arms) at which the sequence is tightest; GrowthBook's default 5,000. */
  tuning?: number;
}

export interface SequentialResult {
  ok: true;
  estimate: number;
  ci: [number, number];
  standardError: number;
  /** Always-valid p-value; one-sided values are found by bisection and capped at 0.4999. */
  pValue: number;
}

/** ρ of eq. 161, for the mixture tuned to `tuning` units; one-sided sequences use 2α. */
export function sequentialRho(alpha: number, tuning: number, twoSided: boolean): number {
  const a = twoSided ? alpha : 2 * alpha;
  return Math.sqrt((-2 * Math.log(a) + Math.log(-2 * Math.log(a) + 1)) / tuning);
}

/** Half-width of the two-sided sequence (eq. 9); s2 = se² × N. */
export function twoSidedHalfwidth(s2: number, n: number, alpha: number, rho: number): number {
  const nr2 = n * rho * rho + 1;
  return Math.sqrt(s2) * Math.sqrt(((2 * nr2) / (n * rho) ** 2) * Math.log(Math.sqrt(nr2) / alpha));
}

/** Half-width of the one-sided sequence (eq. 134). */
export function oneSidedHalfwidth(s2: number, n: number, alpha: number, rho: number): number {
  const nr2 = n * rho * rho + 1;
  return Math.sqrt(((s2 * 2 * nr2) / (n * rho) ** 2) * Math.log(1 + Math.sqrt(nr2) / (2 * alpha)));
}

/**
 * Sequential (always-valid) test of treatment b against control a.
 * @example sequentialTest(a, b, { alpha: 0.05, difference: 'relative', tuning: 5000 });
 */
export function sequentialTest(a: Statistic, b: Statistic, options: SequentialOptions = {}): SequentialResult | NotEnoughData {
  const alpha = options.alpha ?? 0.05;
  const alternative = options.alternative ?? 'two-sided';
  const tuning = options.tuning ?? DEFAULT_TUNING;
  const invalid = checkAlpha(alpha);
  if (invalid !== undefined) return invalid;
  if (!(tuning > 0)) return { ok: false, reason: 'invalid_input', message: `tuning must be positive, got ${tuning}` };
  if (alternative !== 'two-sided' && alpha >= 0.5) return { ok: false, reason: 'invalid_input', message: 'one-sided sequential tests need alpha < 0.5' };
  const moments = effectMoments(a, b, options.difference ?? 'relative');
  if (!moments.ok) return moments;
  const { estimate, standardError: se } = moments;
  const n = a.n + b.n;
  const s2 = se * se * n;
  if (alternative === 'two-sided') {
    const rho = sequentialRho(alpha, tuning, true);
    const half = twoSidedHalfwidth(s2, n, alpha, rho);
    // eq. 155: E = exp(ρ² st² / (2(Nρ² + 1))) / √(Nρ² + 1), st² = estimate² N / se²; p = min(1, 1/E).
    const st2 = (estimate * estimate * n) / (se * se);
    const nr2 = n * rho * rho + 1;
    const logE = (rho * rho * st2) / (2 * nr2) - 0.5 * Math.log(nr2);
    return { ok: true, estimate, ci: [estimate - half, estimate + half], standardError: se, pValue: Math.min(1, Math.exp(-logE)) };
  }
  // ρ stays the one of the configured alpha while the bisection varies alpha (as gbstats does).
  const rho = sequentialRho(alpha, tuning, false);
  const bound = (level: number) => {
    const half = oneSidedHalfwidth(s2, n, level, rho);
    return alternative === 'greater' ? estimate - half : estimate + half;
  };
  const half = oneSidedHalfwidth(s2, n, alpha, rho);
  const ci: [number, number] = alternative === 'greater' ? [estimate - half, Infinity] : [-Infinity, estimate + half];
  return { ok: true, estimate, ci, standardError: se, pValue: oneSidedPValue(bound, alternative === 'greater') };
}

/**
 * The smallest alpha whose one-sided sequence excludes 0, by bisection on [1e-5, 0.4999]
 * (tolerance 1e-6 on the bound, at most 100 steps): gbstats' procedure, so values match.
 */
function oneSidedPValue(bound: (alpha: number) => number, greater: boolean): number {
  let lo = 1e-5;
  let hi = 0.4999;
  // "Excludes 0" for greater means the lower bound is above 0.
  const excludes = (value: number) => (greater ? value > 0 : value < 0);
  if (excludes(bound(lo))) return lo;
  if (!excludes(bound(hi))) return hi;
  let alpha = 0.5 * (lo + hi);
  for (let i = 0; i < 100; i++) {
    const diff = bound(alpha);
    if (excludes(diff)) hi = alpha;
    else lo = alpha;
    alpha = 0.5 * (lo + hi);
    if (Math.abs(diff) < 1e-6) break;
  }
  return alpha;
}

/**
 * Two-sample normal mSPRT likelihood ratio with a N(0, τ²) mixing distribution
 * (Johari, Pekelis & Walsh 2022, "Always Valid Inference", Operations Research 70(3)):
 * Λ = √(2s²/(2s² + nτ²)) exp(n²τ²(θ̂ − θ₀)² / (4s²(2s² + nτ²))), n units per arm.
 * The always-valid p-value is the running minimum of 1/Λ over looks.
 * @example msprtLikelihoodRatio({ nPerArm: 10000, difference: 0.01, variance: 0.093975, tau2: 1e-4 }); // 3.734
 */
export function msprtLikelihoodRatio(input: { nPerArm: number; difference: number; variance: number; tau2: number; null?: number }): number {
  const { nPerArm: n, variance: s2, tau2 } = input;
  const delta = input.difference - (input.null ?? 0);
  return Math.sqrt((2 * s2) / (2 * s2 + n * tau2)) * Math.exp((n * n * tau2 * delta * delta) / (4 * s2 * (2 * s2 + n * tau2)));
}
