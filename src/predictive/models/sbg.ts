/*
 * Shifted-beta-geometric (sBG) retention for subscriptions (Fader & Hardie 2007, "How to
 * Project Customer Retention", J. Interactive Marketing 21(1)): each customer cancels at a
 * renewal with probability θ ~ Beta(α, β). P(T = t) = B(α+1, β+t−1)/B(α, β),
 * S(t) = B(α, β+t)/B(α, β); retention at renewal t is (β+t−1)/(α+β+t−1).
 */
import { insufficient, optimizerReport, type FitOutcome } from './fit.js';
import { lbfgs } from './optimize.js';
import { digamma, logBeta } from './special.js';

export interface SbgParams {
  alpha: number;
  beta: number;
}

/**
 * Log-likelihood of a cohort's survival curve `active` (active[0] = cohort size, active[t] =
 * still subscribed after t renewals) and its gradient in (ln α, ln β).
 */
function evaluate({ alpha, beta }: SbgParams, active: readonly number[], gradient?: number[]): number {
  const n = active.length - 1;
  const lbAB = logBeta(alpha, beta);
  const psiA = digamma(alpha);
  const psiB = digamma(beta);
  const psiAB = digamma(alpha + beta);
  let total = 0;
  let gA = 0;
  let gB = 0;
  for (let t = 1; t <= n; t += 1) {
    const lost = (active[t - 1] ?? 0) - (active[t] ?? 0);
    if (lost === 0) continue;
    total += lost * (logBeta(alpha + 1, beta + t - 1) - lbAB);
    if (gradient) {
      const psiSum = digamma(alpha + beta + t);
      gA += lost * (digamma(alpha + 1) - psiSum - psiA + psiAB);
      gB += lost * (digamma(beta + t - 1) - psiSum - psiB + psiAB);
    }
  }
  const survivors = active[n] ?? 0;
  total += survivors * (logBeta(alpha, beta + n) - lbAB);
  if (gradient) {
    const psiSum = digamma(alpha + beta + n);
    gA += survivors * (psiAB - psiSum);
    gB += survivors * (digamma(beta + n) - psiSum - psiB + psiAB);
    gradient[0] = gA * alpha;
    gradient[1] = gB * beta;
  }
  return total;
}

/**
 * The sBG log-likelihood of a survival curve.
 * @example sbgLogLikelihood({ alpha: 1, beta: 1 }, [1000, 869, 743, 653, 593, 551, 517, 491]) // ≈ -2115.5
 */
export function sbgLogLikelihood(params: SbgParams, active: readonly number[]): number {
  return evaluate(params, active);
}

/**
 * Maximum-likelihood sBG fit (L-BFGS on log-parameters, analytic gradient); needs a
 * non-increasing curve of whole numbers with at least two renewals and some churn.
 * @example fitSbg([1000, 869, 743, 653, 593, 551, 517, 491]).params // { alpha: 0.668, beta: 3.806 }
 */
export function fitSbg(active: readonly number[]): FitOutcome<SbgParams> {
  for (let t = 0; t < active.length; t += 1) {
    const value = active[t] ?? Number.NaN;
    if (!(Number.isInteger(value) && value >= 0)) return { status: 'invalid-data', row: t, message: `active[${t}] (${value}) must be a whole number of customers` };
    if (t > 0 && value > (active[t - 1] ?? 0)) return { status: 'invalid-data', row: t, message: `active[${t}] (${value}) is above active[${t - 1}]; a cohort can only shrink` };
  }
  const renewals = active.length - 1;
  if (renewals < 2) return insufficient(2, Math.max(0, renewals), 'renewal periods');
  const churned = (active[0] ?? 0) - (active[renewals] ?? 0);
  if (churned < 1) return insufficient(1, 0, 'cancellations');
  const size = active[0] ?? 1;
  const result = lbfgs(
    (theta, gradient) => {
      const value = -evaluate({ alpha: Math.exp(theta[0] ?? 0), beta: Math.exp(theta[1] ?? 0) }, active, gradient) / size;
      gradient[0] = -(gradient[0] ?? 0) / size;
      gradient[1] = -(gradient[1] ?? 0) / size;
      return value;
    },
    [0, 0],
  );
  return {
    status: 'fitted',
    params: { alpha: Math.exp(result.x[0] ?? 0), beta: Math.exp(result.x[1] ?? 0) },
    logLikelihood: -result.value * size,
    customers: size,
    optimizer: optimizerReport('lbfgs', result),
  };
}

/**
 * S(t): share of a new cohort still subscribed after t renewals.
 * @example sbgSurvival({ alpha: 0.668, beta: 3.806 }, 12) * 1000 // ≈ 378
 */
export function sbgSurvival({ alpha, beta }: SbgParams, t: number): number {
  return Math.exp(logBeta(alpha, beta + t) - logBeta(alpha, beta));
}

/**
 * Retention rate at renewal t: (β + t − 1)/(α + β + t − 1).
 * @example sbgRetention({ alpha: 0.704, beta: 1.182 }, 1) // 0.627
 */
export function sbgRetention({ alpha, beta }: SbgParams, t: number): number {
  return (beta + t - 1) / (alpha + beta + t - 1);
}
