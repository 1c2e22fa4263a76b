import { normalCdf, normalPdf, normalQuantile } from './distributions.js';
import { effectMoments, type DifferenceType, type NotEnoughData, type Statistic } from './moments.js';
import { incompleteBeta, logBeta } from './special.js';

/** A Beta posterior, e.g. Beta(1 + conversions, 1 + non-conversions) under a uniform prior. */
export interface BetaPosterior {
  alpha: number;
  beta: number;
}

/** Beyond this many terms the exact sum gives way to numerical integration. */
const MAX_EXACT_TERMS = 20000;

/**
 * P(p_B > p_A) for p_A ~ Beta(αA, βA), p_B ~ Beta(αB, βB). Exact (Evan Miller, "Formulas for
 * Bayesian A/B Testing") when one α is a whole number:
 * Σ_{i<αB} B(αA + i, βA + βB) / ((βB + i) B(1 + i, βB) B(αA, βA)); otherwise integrated numerically.
 * @example betaChanceToBeat({ alpha: 1, beta: 2 }, { alpha: 3, beta: 4 }); // 0.642857...
 */
export function betaChanceToBeat(a: BetaPosterior, b: BetaPosterior): number {
  checkBeta(a);
  checkBeta(b);
  const bWhole = Number.isInteger(b.alpha) && b.alpha <= MAX_EXACT_TERMS;
  const aWhole = Number.isInteger(a.alpha) && a.alpha <= MAX_EXACT_TERMS;
  if (bWhole && (!aWhole || b.alpha <= a.alpha)) return clamp01(evanMillerSum(a, b));
  if (aWhole) return clamp01(1 - evanMillerSum(b, a));
  return clamp01(integrateBest(b, [a]));
}

function evanMillerSum(a: BetaPosterior, b: BetaPosterior): number {
  let total = 0;
  const base = logBeta(a.alpha, a.beta);
  for (let i = 0; i < b.alpha; i++) {
    total += Math.exp(logBeta(a.alpha + i, a.beta + b.beta) - Math.log(b.beta + i) - logBeta(1 + i, b.beta) - base);
  }
  return total;
}

/**
 * P(p_C > max(p_A, p_B)), exact for whole αA and αB (Evan Miller's three-way formula:
 * 1 − P(A > C) − P(B > C) + P(A > C and B > C)).
 * @example betaChanceToBeatBoth({ alpha: 1, beta: 2 }, { alpha: 3, beta: 4 }, { alpha: 5, beta: 6 }); // 0.681818...
 */
export function betaChanceToBeatBoth(a: BetaPosterior, b: BetaPosterior, c: BetaPosterior): number {
  for (const posterior of [a, b, c]) checkBeta(posterior);
  if (!Number.isInteger(a.alpha) || !Number.isInteger(b.alpha) || a.alpha * b.alpha > MAX_EXACT_TERMS * 50) return clamp01(integrateBest(c, [a, b]));
  let both = 0;
  const baseC = logBeta(c.alpha, c.beta);
  const betaSum = a.beta + b.beta + c.beta;
  for (let i = 0; i < a.alpha; i++) {
    const partI = -Math.log(a.beta + i) - logBeta(1 + i, a.beta);
    for (let j = 0; j < b.alpha; j++) {
      both += Math.exp(logBeta(c.alpha + i + j, betaSum) + partI - Math.log(b.beta + j) - logBeta(1 + j, b.beta) - baseC);
    }
  }
  return clamp01(1 - betaChanceToBeat(c, a) - betaChanceToBeat(c, b) + both);
}

/**
 * Probability that each variant has the highest rate: exact for two, numerical integration of
 * f_k(x) Π_{j≠k} F_j(x) over the posteriors' support for more.
 * @example chanceToBeBest([{ alpha: 40, beta: 60 }, { alpha: 70, beta: 90 }]); // [0.2737..., 0.7262...]
 */
export function chanceToBeBest(posteriors: readonly BetaPosterior[]): number[] {
  for (const posterior of posteriors) checkBeta(posterior);
  if (posteriors.length === 0) return [];
  if (posteriors.length === 1) return [1];
  const [first, second] = posteriors;
  if (posteriors.length === 2 && first !== undefined && second !== undefined) {
    const b = betaChanceToBeat(first, second);
    return [1 - b, b];
  }
  const raw = posteriors.map((posterior, index) =>
    integrateBest(
      posterior,
      posteriors.filter((_, other) => other !== index),
    ),
  );
  const total = raw.reduce((sum, value) => sum + value, 0);
  return raw.map((value) => value / total);
}

/** ∫ f_target(x) Π F_other(x) dx by composite Simpson over target's mean ± 12 sd. */
function integrateBest(target: BetaPosterior, others: readonly BetaPosterior[]): number {
  const mean = target.alpha / (target.alpha + target.beta);
  const sd = Math.sqrt((target.alpha * target.beta) / ((target.alpha + target.beta) ** 2 * (target.alpha + target.beta + 1)));
  const lo = Math.max(0, mean - 12 * sd);
  const hi = Math.min(1, mean + 12 * sd);
  const steps = 4000;
  const h = (hi - lo) / steps;
  const logNorm = logBeta(target.alpha, target.beta);
  const f = (x: number) => {
    if (x <= 0 || x >= 1) return 0;
    let value = Math.exp((target.alpha - 1) * Math.log(x) + (target.beta - 1) * Math.log1p(-x) - logNorm);
    for (const other of others) value *= incompleteBeta(x, other.alpha, other.beta);
    return value;
  };
  let sum = f(lo) + f(hi);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (sum * h) / 3;
}

export interface BetaExpectedLoss {
  /** E[max(p_B − p_A, 0)]: what choosing A loses on average. */
  choosingA: number;
  /** E[max(p_A − p_B, 0)]: what choosing B loses on average. */
  choosingB: number;
  /** cprior's relative expected loss of choosing A: E[p_B / p_A] − 1 (needs αA > 1). */
  relativeChoosingA: number;
  relativeChoosingB: number;
}

/**
 * Expected loss of each choice between two Beta posteriors, exact:
 * E[max(B − A, 0)] = E[B]·P(B⁺ > A) − E[A]·P(B > A⁺), with X⁺ the Beta(α + 1, β) tilt.
 * @example betaExpectedLoss({ alpha: 40, beta: 60 }, { alpha: 70, beta: 90 }); // choosingA 0.04811, choosingB 0.01061
 */
export function betaExpectedLoss(a: BetaPosterior, b: BetaPosterior): BetaExpectedLoss {
  const meanA = a.alpha / (a.alpha + a.beta);
  const meanB = b.alpha / (b.alpha + b.beta);
  const choosingA = Math.max(0, meanB * betaChanceToBeat(a, { alpha: b.alpha + 1, beta: b.beta }) - meanA * betaChanceToBeat({ alpha: a.alpha + 1, beta: a.beta }, b));
  return {
    choosingA,
    // E[max(A − B, 0)] − E[max(B − A, 0)] = E[A] − E[B].
    choosingB: Math.max(0, choosingA + meanA - meanB),
    relativeChoosingA: a.alpha > 1 ? (meanB * (a.alpha + a.beta - 1)) / (a.alpha - 1) - 1 : Infinity,
    relativeChoosingB: b.alpha > 1 ? (meanA * (b.alpha + b.beta - 1)) / (b.alpha - 1) - 1 : Infinity,
  };
}

/**
 * Risk of each choice when the effect is N(mu, sigma²): [E[max(X, 0)] (loss of keeping control),
 * E[max(−X, 0)] (loss of shipping treatment)]. GrowthBook's get_risk.
 * @example normalRisk(0.1, 0.05); // [0.10042453513, 0.00042453513]
 */
export function normalRisk(mu: number, sigma: number): [number, number] {
  if (!(sigma > 0)) return [Math.max(mu, 0), Math.max(-mu, 0)];
  const z = mu / sigma;
  const control = mu * normalCdf(z) + sigma * normalPdf(z);
  return [control, control - mu];
}

export interface GaussianPrior {
  mean: number;
  variance: number;
}

export interface BayesianResult {
  ok: true;
  /** Posterior mean of the effect. */
  estimate: number;
  /** Equal-tailed credible interval. */
  ci: [number, number];
  /** Posterior standard deviation. */
  standardError: number;
  /** P(effect > 0). */
  chanceToWin: number;
  /** [expected loss of keeping control, expected loss of shipping treatment], in effect units. */
  risk: [number, number];
}

/**
 * GrowthBook's Bayesian engine (since PR #2406): a Gaussian model on the (relative by default)
 * effect with a flat prior, or a proper N(mean, variance) prior combined by precision.
 * @example gaussianEffectTest(a, b, { difference: 'relative' }); // chanceToWin, risk, ci
 */
export function gaussianEffectTest(a: Statistic, b: Statistic, options: { difference?: DifferenceType; prior?: GaussianPrior; alpha?: number } = {}): BayesianResult | NotEnoughData {
  const moments = effectMoments(a, b, options.difference ?? 'relative');
  if (!moments.ok) return moments;
  let mean = moments.estimate;
  let variance = moments.standardError ** 2;
  if (options.prior !== undefined) {
    if (!(options.prior.variance > 0)) return { ok: false, reason: 'invalid_input', message: 'a proper prior needs a positive variance' };
    const precision = 1 / variance + 1 / options.prior.variance;
    mean = (mean / variance + options.prior.mean / options.prior.variance) / precision;
    variance = 1 / precision;
  }
  const sd = Math.sqrt(variance);
  const z = normalQuantile(1 - (options.alpha ?? 0.05) / 2);
  return { ok: true, estimate: mean, ci: [mean - z * sd, mean + z * sd], standardError: sd, chanceToWin: normalCdf(mean / sd), risk: normalRisk(mean, sd) };
}

function checkBeta(posterior: BetaPosterior): void {
  if (!(posterior.alpha > 0 && posterior.beta > 0)) throw new RangeError(`Beta parameters must be positive, got Beta(${posterior.alpha}, ${posterior.beta})`);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
