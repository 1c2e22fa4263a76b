/*
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves";
 * Fader & Hardie 2013, note 025): each transaction value ~ Gamma(p, ν), ν ~ Gamma(q, γ). Fitted
 * on the customers with at least one repeat purchase, from x and their mean repeat value z̄.
 */
import { insufficient, optimizerReport, type FitOutcome } from './fit.js';
import { lbfgs, type LbfgsOptions } from './optimize.js';
import { digamma, logGamma } from './special.js';
import { validateSummary, type SummaryColumns } from './summary.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  /** γ in the papers, v in lifetimes. */
  v: number;
}

/**
 * Log-likelihood and gradient in (ln p, ln q, ln v) over customers with x > 0 and z̄ > 0. All terms of the
 * density of the mean z̄ are included (the (px−1) ln z̄ + px ln x Jacobian terms too), so values
 * are comparable with other full likelihoods.
 */
function evaluate(params: GammaGammaParams, data: SummaryColumns, gradient?: number[]): { value: number; customers: number } {
  const { p, q, v } = params;
  const monetary = data.monetary;
  if (monetary === null) return { value: Number.NaN, customers: 0 };
  let total = 0;
  let gp = 0;
  let gq = 0;
  let gv = 0;
  let customers = 0;
  const lgQ = logGamma(q);
  const psiQ = digamma(q);
  const logV = Math.log(v);
  for (let i = 0; i < data.x.length; i += 1) {
    const x = data.x[i] ?? 0;
    const m = monetary[i] ?? 0;
    // Repeat purchases worth nothing (free orders) have no Gamma density; they are left out.
    if (x <= 0 || m <= 0) continue;
    customers += 1;
    const px = p * x;
    const logXmV = Math.log(x * m + v);
    total += logGamma(px + q) - logGamma(px) - lgQ + q * logV + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * logXmV;
    if (gradient) {
      const psiPxQ = digamma(px + q);
      gp += x * (psiPxQ - digamma(px) + Math.log(m) + Math.log(x) - logXmV);
      gq += psiPxQ - psiQ + logV - logXmV;
      gv += q / v - (px + q) / (x * m + v);
    }
  }
  if (gradient) {
    gradient[0] = gp * p;
    gradient[1] = gq * q;
    gradient[2] = gv * v;
  }
  return { value: total, customers };
}

/**
 * The Gamma-Gamma log-likelihood over customers with x > 0.
 * @example gammaGammaLogLikelihood({ p: 6.25, q: 3.74, v: 15.44 }, cdnow) // ≈ -4055.92
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: SummaryColumns): number {
  return evaluate(params, data).value;
}

export interface GammaGammaFitOptions {
  /** Customers with a repeat purchase needed (default 10). */
  minRepeaters?: number;
  start?: GammaGammaParams;
  optimizer?: LbfgsOptions;
}

/**
 * Maximum-likelihood Gamma-Gamma fit (L-BFGS, analytic gradient, log-parameters).
 * @example const fit = fitGammaGamma(toColumns(rowsWithMonetary));
 */
export function fitGammaGamma(data: SummaryColumns, options: GammaGammaFitOptions = {}): FitOutcome<GammaGammaParams> {
  if (data.monetary === null) return { status: 'invalid-data', row: -1, message: 'the data has no monetary values; Gamma-Gamma needs the mean repeat-purchase value per customer' };
  const issue = validateSummary(data, { monetary: true });
  if (issue) return { status: 'invalid-data', ...issue };
  let repeaters = 0;
  let meanM = 0;
  for (let i = 0; i < data.x.length; i += 1) {
    if ((data.x[i] ?? 0) > 0 && (data.monetary[i] ?? 0) > 0) {
      repeaters += 1;
      meanM += data.monetary[i] ?? 0;
    }
  }
  const minRepeaters = options.minRepeaters ?? 10;
  if (repeaters < minRepeaters) return insufficient(minRepeaters, repeaters, 'customers with a paid repeat purchase');
  meanM /= repeaters;
  // Start with a population mean p·v/(q−1) equal to the observed mean.
  const start = options.start ?? { p: 1, q: 2, v: meanM };
  const result = lbfgs(
    (theta, gradient) => {
      const value = -evaluate(fromLog(theta), data, gradient).value / repeaters;
      for (let k = 0; k < 3; k += 1) gradient[k] = -(gradient[k] ?? 0) / repeaters;
      return value;
    },
    [Math.log(start.p), Math.log(start.q), Math.log(start.v)],
    { maxIterations: 1000, ...options.optimizer },
  );
  return { status: 'fitted', params: fromLog(result.x), logLikelihood: -result.value * repeaters, customers: repeaters, optimizer: optimizerReport('lbfgs', result) };
}

function fromLog(theta: readonly number[]): GammaGammaParams {
  return { p: Math.exp(theta[0] ?? 0), q: Math.exp(theta[1] ?? 0), v: Math.exp(theta[2] ?? 0) };
}

/**
 * E[M | x, z̄]: the expected mean transaction value, a weighted average of the population mean
 * p·v/(q−1) and the customer's own z̄ (note 025, eq. 5). Customers with x = 0 get the population
 * mean. Needs q > 1 (a finite population mean).
 * @example gammaGammaExpectedSpend({ p: 6.25, q: 3.74, v: 15.44 }, 2, 22.35) // ≈ 24.65
 */
export function gammaGammaExpectedSpend(params: GammaGammaParams, x: number, monetary: number): number {
  const { p, q, v } = params;
  if (x <= 0) return (p * v) / (q - 1);
  return (p * (v + x * monetary)) / (p * x + q - 1);
}
