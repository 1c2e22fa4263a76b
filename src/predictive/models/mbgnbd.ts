/*
 * Modified BG/NBD (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but a customer may also
 * drop out right after the first purchase, so someone who never came back is not assumed
 * alive. L = Γ(r+x)α^r/Γ(r) · [B(a, b+x+1)/B(a,b) (α+T)^{−(r+x)} + B(a+1, b+x)/B(a,b) (α+t_x)^{−(r+x)}].
 */
import type { BgNbdParams } from './bgnbd.js';
import { checkSummary, optimizerReport, type FitOutcome } from './fit.js';
import { lbfgs } from './optimize.js';
import { digamma, logAddExp, logBeta, logGamma } from './special.js';
import type { SummaryColumns } from './summary.js';

/** Log-likelihood and, when given, its gradient in (ln r, ln α, ln a, ln b). */
function evaluate({ r, alpha, a, b }: BgNbdParams, data: SummaryColumns, gradient?: number[]): number {
  let total = 0;
  let gR = 0;
  let gAlpha = 0;
  let gA = 0;
  let gB = 0;
  const lbAB = logBeta(a, b);
  const lgR = logGamma(r);
  const psiR = digamma(r);
  const psiA = digamma(a);
  const psiB = digamma(b);
  const psiAB = digamma(a + b);
  const logAlpha = Math.log(alpha);
  for (let i = 0; i < data.x.length; i += 1) {
    const x = data.x[i] ?? 0;
    const logT = Math.log(alpha + (data.T[i] ?? 0));
    const logTx = Math.log(alpha + (data.tx[i] ?? 0));
    const stay = logBeta(a, b + x + 1) - lbAB - (r + x) * logT;
    const leave = logBeta(a + 1, b + x) - lbAB - (r + x) * logTx;
    const both = logAddExp(stay, leave);
    total += logGamma(r + x) - lgR + r * logAlpha + both;
    if (gradient) {
      const wStay = Math.exp(stay - both);
      const wLeave = 1 - wStay;
      gR += digamma(r + x) - psiR + logAlpha - wStay * logT - wLeave * logTx;
      gAlpha += r / alpha - (r + x) * (wStay / (alpha + (data.T[i] ?? 0)) + wLeave / (alpha + (data.tx[i] ?? 0)));
      const psiStay = digamma(a + b + x + 1);
      gA += wStay * (psiA - psiStay) + wLeave * (digamma(a + 1) - psiStay) - (psiA - psiAB);
      gB += wStay * (digamma(b + x + 1) - psiStay) + wLeave * (digamma(b + x) - psiStay) - (psiB - psiAB);
    }
  }
  if (gradient) {
    gradient[0] = gR * r;
    gradient[1] = gAlpha * alpha;
    gradient[2] = gA * a;
    gradient[3] = gB * b;
  }
  return total;
}

/**
 * The MBG/NBD log-likelihood.
 * @example mbgnbdLogLikelihood({ r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 }, cdnow)
 */
export function mbgnbdLogLikelihood(params: BgNbdParams, data: SummaryColumns): number {
  return evaluate(params, data);
}

/**
 * Gradient of the MBG/NBD log-likelihood in (ln r, ln α, ln a, ln b).
 * @example mbgnbdLogLikelihoodGradient({ r: 0.5, alpha: 6, a: 0.9, b: 1.6 }, cdnow)
 */
export function mbgnbdLogLikelihoodGradient(params: BgNbdParams, data: SummaryColumns): number[] {
  const gradient = [0, 0, 0, 0];
  evaluate(params, data, gradient);
  return gradient;
}

/**
 * Maximum-likelihood MBG/NBD fit (L-BFGS on log-parameters, analytic gradient).
 * @example const fit = fitMbgNbd(toColumns(rows)); // CDNOW: r 0.525, α 6.183, a 0.891, b 1.614
 */
export function fitMbgNbd(data: SummaryColumns, options: { minCustomers?: number; minRepeaters?: number } = {}): FitOutcome<BgNbdParams> {
  const checked = checkSummary(data, options);
  if ('status' in checked) return checked;
  const { n, meanT, meanX } = checked;
  const result = lbfgs(
    (theta, gradient) => {
      const params = { r: Math.exp(theta[0] ?? 0), alpha: Math.exp(theta[1] ?? 0), a: Math.exp(theta[2] ?? 0), b: Math.exp(theta[3] ?? 0) };
      const value = -evaluate(params, data, gradient) / n;
      for (let k = 0; k < 4; k += 1) gradient[k] = -(gradient[k] ?? 0) / n;
      return value;
    },
    [0, Math.log(Math.max(1e-3, meanT / (1 + meanX))), 0, 0],
    { maxIterations: 1000 },
  );
  const params = { r: Math.exp(result.x[0] ?? 0), alpha: Math.exp(result.x[1] ?? 0), a: Math.exp(result.x[2] ?? 0), b: Math.exp(result.x[3] ?? 0) };
  return { status: 'fitted', params, logLikelihood: -result.value * n, customers: n, optimizer: optimizerReport('lbfgs', result) };
}

/**
 * P(alive | x, t_x, T) under MBG/NBD: below 1 even for x = 0.
 * @example mbgnbdPAlive(params, 0, 0, 38.86)
 */
export function mbgnbdPAlive({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  const stay = logBeta(a, b + x + 1) - (r + x) * Math.log(alpha + T);
  const leave = logBeta(a + 1, b + x) - (r + x) * Math.log(alpha + tx);
  return Math.exp(stay - logAddExp(stay, leave));
}
