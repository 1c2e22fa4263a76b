/*
 * BG/BB (Fader, Hardie & Shang 2010, "Customer-Base Analysis in a Discrete-Time Noncontractual
 * Setting", Marketing Science 29(6)): for businesses with discrete purchase opportunities (an
 * annual event, a weekly drop). At each opportunity an alive customer buys with probability
 * p ~ Beta(α, β) and, before the next one, dies with probability θ ~ Beta(γ, δ). Data are
 * (x, t_x, n) with a weight (how many customers share the pattern). Log-space throughout.
 */
import { insufficient, optimizerReport, type FitOutcome } from './fit.js';
import { lbfgs } from './optimize.js';
import { digamma, logAddExp, logBeta, logGamma } from './special.js';

export interface BgBbParams {
  alpha: number;
  beta: number;
  gamma: number;
  delta: number;
}

/** One recency/frequency pattern: x purchases in n opportunities, the last at opportunity t_x. */
export interface BgBbRow {
  x: number;
  tx: number;
  n: number;
  /** Customers with this pattern (default 1). */
  weight?: number;
}

/** ln L of one pattern and, when asked, its gradient in (α, β, γ, δ) added to `gradient` times `weight`. */
function patternLogLikelihood(params: BgBbParams, row: BgBbRow, gradient?: number[], weight = 1): number {
  const { alpha, beta, gamma, delta } = params;
  const { x, tx, n } = row;
  const lbAB = logBeta(alpha, beta);
  const lbGD = logBeta(gamma, delta);
  // Terms: alive through n, or died after opportunity t_x + i (i = 0..n−t_x−1).
  const logs: number[] = [logBeta(alpha + x, beta + n - x) - lbAB + logBeta(gamma, delta + n) - lbGD];
  for (let i = 0; i < n - tx; i += 1) logs.push(logBeta(alpha + x, beta + tx - x + i) - lbAB + logBeta(gamma + 1, delta + tx + i) - lbGD);
  let total = Number.NEGATIVE_INFINITY;
  for (const value of logs) total = logAddExp(total, value);
  if (gradient) {
    const psiAB = digamma(alpha + beta);
    const psiGD = digamma(gamma + delta);
    const base = [digamma(alpha) - psiAB, digamma(beta) - psiAB, digamma(gamma) - psiGD, digamma(delta) - psiGD];
    logs.forEach((value, index) => {
      const w = weight * Math.exp(value - total);
      const k = index === 0 ? n - x : tx - x + index - 1;
      const psiP = digamma(alpha + beta + x + k);
      const dAlpha = digamma(alpha + x) - psiP - (base[0] ?? 0);
      const dBeta = digamma(beta + k) - psiP - (base[1] ?? 0);
      let dGamma: number;
      let dDelta: number;
      if (index === 0) {
        const psiQ = digamma(gamma + delta + n);
        dGamma = digamma(gamma) - psiQ - (base[2] ?? 0);
        dDelta = digamma(delta + n) - psiQ - (base[3] ?? 0);
      } else {
        const j = tx + index - 1;
        const psiQ = digamma(gamma + delta + j + 1);
        dGamma = digamma(gamma + 1) - psiQ - (base[2] ?? 0);
        dDelta = digamma(delta + j) - psiQ - (base[3] ?? 0);
      }
      gradient[0] = (gradient[0] ?? 0) + w * dAlpha;
      gradient[1] = (gradient[1] ?? 0) + w * dBeta;
      gradient[2] = (gradient[2] ?? 0) + w * dGamma;
      gradient[3] = (gradient[3] ?? 0) + w * dDelta;
    });
  }
  return total;
}

/**
 * Weighted total log-likelihood.
 * @example bgbbLogLikelihood({ alpha: 1.204, beta: 0.75, gamma: 0.657, delta: 2.783 }, donations) // ≈ -33225.6
 */
export function bgbbLogLikelihood(params: BgBbParams, rows: readonly BgBbRow[]): number {
  let total = 0;
  for (const row of rows) total += (row.weight ?? 1) * patternLogLikelihood(params, row);
  return total;
}

/**
 * Gradient of the weighted log-likelihood in (ln α, ln β, ln γ, ln δ).
 * @example bgbbLogLikelihoodGradient(params, donations)
 */
export function bgbbLogLikelihoodGradient(params: BgBbParams, rows: readonly BgBbRow[]): number[] {
  const gradient = [0, 0, 0, 0];
  for (const row of rows) patternLogLikelihood(params, row, gradient, row.weight ?? 1);
  return [(gradient[0] ?? 0) * params.alpha, (gradient[1] ?? 0) * params.beta, (gradient[2] ?? 0) * params.gamma, (gradient[3] ?? 0) * params.delta];
}

/**
 * Maximum-likelihood BG/BB fit (L-BFGS on log-parameters, analytic gradient).
 * @example const fit = fitBgBb(donations); // α 1.2035, β 0.7498, γ 0.6568, δ 2.7839
 */
export function fitBgBb(rows: readonly BgBbRow[]): FitOutcome<BgBbParams> {
  let customers = 0;
  let repeaters = 0;
  for (const [index, row] of rows.entries()) {
    const { x, tx, n } = row;
    const weight = row.weight ?? 1;
    if (!(Number.isInteger(n) && n > 0 && Number.isInteger(x) && x >= 0 && x <= n && Number.isInteger(tx) && tx >= 0 && tx <= n && (x === 0 ? tx === 0 : tx >= x))) {
      return { status: 'invalid-data', row: index, message: `(x ${x}, t_x ${tx}, n ${n}) is not a pattern: need whole numbers with x ≤ t_x ≤ n (t_x = 0 when x = 0)` };
    }
    if (!(weight >= 0 && Number.isFinite(weight))) return { status: 'invalid-data', row: index, message: `weight (${weight}) must be 0 or more` };
    customers += weight;
    if (x > 0) repeaters += weight;
  }
  if (customers < 30) return insufficient(30, customers, 'customers');
  if (repeaters < 10) return insufficient(10, repeaters, 'customers with a repeat purchase');
  const result = lbfgs(
    (theta, gradient) => {
      const params = fromLog(theta);
      const raw = [0, 0, 0, 0];
      let value = 0;
      for (const row of rows) value += (row.weight ?? 1) * patternLogLikelihood(params, row, raw, row.weight ?? 1);
      const scale = [params.alpha, params.beta, params.gamma, params.delta];
      for (let k = 0; k < 4; k += 1) gradient[k] = (-(raw[k] ?? 0) * (scale[k] ?? 1)) / customers;
      return -value / customers;
    },
    [0, 0, 0, 0],
    { maxIterations: 1000 },
  );
  return { status: 'fitted', params: fromLog(result.x), logLikelihood: -result.value * customers, customers, optimizer: optimizerReport('lbfgs', result) };
}

function fromLog(theta: readonly number[]): BgBbParams {
  return { alpha: Math.exp(theta[0] ?? 0), beta: Math.exp(theta[1] ?? 0), gamma: Math.exp(theta[2] ?? 0), delta: Math.exp(theta[3] ?? 0) };
}

/**
 * P(alive at opportunity n + m | x, t_x, n).
 * @example bgbbPAlive(params, 1, 6, 6, 6) // P(alive in 2002) of a supporter who gave every year
 */
export function bgbbPAlive(params: BgBbParams, m: number, x: number, tx: number, n: number): number {
  const { alpha, beta, gamma, delta } = params;
  const logAlive = logBeta(alpha + x, beta + n - x) - logBeta(alpha, beta) + logBeta(gamma, delta + n + m) - logBeta(gamma, delta);
  return Math.exp(logAlive - patternLogLikelihood(params, { x, tx, n }));
}

/**
 * E[X(n)]: expected purchases of a new customer in the first n opportunities.
 * @example bgbbExpected(params, 10) // 3.179805 (donations, BTYD)
 */
export function bgbbExpected({ alpha, beta, gamma, delta }: BgBbParams, n: number): number {
  const ratio = Math.exp(logGamma(gamma + delta) - logGamma(gamma + delta + n) + logGamma(1 + delta + n) - logGamma(1 + delta));
  return (alpha / (alpha + beta)) * (delta / (gamma - 1)) * (1 - ratio);
}

/**
 * E[X(n, n + m) | x, t_x, n]: expected purchases in the next m opportunities.
 * @example bgbbConditionalExpected(params, 10, 4, 5, 6) // 3.627858
 */
export function bgbbConditionalExpected(params: BgBbParams, m: number, x: number, tx: number, n: number): number {
  const { alpha, beta, gamma, delta } = params;
  const logL = patternLogLikelihood(params, { x, tx, n });
  const logP2 = logBeta(alpha + x + 1, beta + n - x) - logBeta(alpha, beta);
  // δ/(γ−1) and the bracket change sign together when γ < 1: keep the sign out of the logs.
  const p3 = (delta / (gamma - 1)) * Math.exp(logGamma(gamma + delta) - logGamma(1 + delta));
  const p4 = Math.exp(logGamma(1 + delta + n) - logGamma(gamma + delta + n));
  const p5 = Math.exp(logGamma(1 + delta + n + m) - logGamma(gamma + delta + n + m));
  return Math.exp(logP2 - logL) * p3 * (p4 - p5);
}

/**
 * P(X(n) = x): probability that a new customer buys at exactly x of the first n opportunities.
 * @example bgbbPmf(params, 6, 0) * 11104 // ≈ 3454.9 supporters with no repeat donation
 */
export function bgbbPmf({ alpha, beta, gamma, delta }: BgBbParams, n: number, x: number): number {
  const logChoose = (a: number, b: number) => logGamma(a + 1) - logGamma(b + 1) - logGamma(a - b + 1);
  const lbAB = logBeta(alpha, beta);
  const lbGD = logBeta(gamma, delta);
  let total = logChoose(n, x) + logBeta(alpha + x, beta + n - x) - lbAB + logBeta(gamma, delta + n) - lbGD;
  for (let i = x; i < n; i += 1) total = logAddExp(total, logChoose(i, x) + logBeta(alpha + x, beta + i - x) - lbAB + logBeta(gamma + 1, delta + i) - lbGD);
  return Math.exp(total);
}
