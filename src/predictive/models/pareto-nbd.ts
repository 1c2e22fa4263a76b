/*
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987): while alive a customer buys at Poisson rate
 * λ ~ Gamma(r, α) and dies after an exponential lifetime with rate μ ~ Gamma(s, β). Likelihood
 * from Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions",
 * eq. (22): the 2F1 argument is always taken as |α−β| / (max(α,β) + t) < 1, and the difference of
 * the two hypergeometric terms is formed in log-space.
 */
import { checkSummary, optimizerReport, type FitOutcome } from './fit.js';
import { lbfgs, nelderMead, type LbfgsOptions } from './optimize.js';
import { digamma, logAddExp, logGamma, logHyp2f1, logSubExp } from './special.js';
import type { SummaryColumns } from './summary.js';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/** The pieces of one customer's likelihood, in logs: L = e^{constant} (e^{survive} + e^{dieBetween}). */
interface LogParts {
  constant: number;
  /** Alive through T. */
  survive: number;
  /** Died in (t_x, T]. */
  dieBetween: number;
  converged: boolean;
}

function logParts(params: ParetoNbdParams, x: number, tx: number, T: number): LogParts {
  const { r, alpha, s, beta } = params;
  const constant = logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const survive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const k = r + s + x;
  // F(t) = 2F1(k, b2; k+1; |α−β|/(m+t)) / (m+t)^k with m = max(α, β); A0 = F(t_x) − F(T).
  const alphaLarger = alpha >= beta;
  const m = alphaLarger ? alpha : beta;
  const b2 = alphaLarger ? s + 1 : r + x;
  const diff = Math.abs(alpha - beta);
  const logF = (t: number) => {
    const h = logHyp2f1(k, b2, k + 1, diff / (m + t));
    return { log: h.log - k * Math.log(m + t), converged: h.converged };
  };
  let dieBetween = Number.NEGATIVE_INFINITY;
  let converged = true;
  if (T > tx) {
    const fx = logF(tx);
    const fT = logF(T);
    converged = fx.converged && fT.converged;
    dieBetween = Math.log(s / k) + logSubExp(fx.log, fT.log);
  }
  return { constant, survive, dieBetween, converged };
}

/**
 * ln H and the relative partials (∂H/∂k)/H, (∂H/∂b)/H, (∂H/∂z)/H of H = 2F1(k, b; k+1; z),
 * summed term by term from H = Σ k/(k+n) · (b)_n/n! · zⁿ: ∂/∂k of a term is (b)_n/n! zⁿ · n/(k+n)²,
 * ∂/∂b multiplies it by Σ_{j<n} 1/(b+j), ∂/∂z by n/z. One pass, one running scale.
 */
function hyp2f1WithPartials(k: number, b: number, z: number): { log: number; dk: number; db: number; dz: number; converged: boolean } {
  if (z === 0) return { log: 0, dk: 0, db: 0, dz: (k * b) / (k + 1), converged: true };
  let p = 1;
  let sum = 1;
  let sumK = 0;
  let sumB = 0;
  let sumZ = 0;
  let sigma = 0;
  let logScale = 0;
  for (let n = 1; n < 200_000; n += 1) {
    sigma += 1 / (b + n - 1);
    p *= ((b + n - 1) / n) * z;
    const term = (k / (k + n)) * p;
    sum += term;
    sumK += (p * n) / ((k + n) * (k + n));
    sumB += term * sigma;
    sumZ += term * n;
    if (sum > 1e250) {
      logScale += Math.log(sum);
      p /= sum;
      sumK /= sum;
      sumB /= sum;
      sumZ /= sum;
      sum = 1;
    }
    const ratio = ((b + n) / (n + 1)) * z * ((k + n) / (k + n + 1));
    if (ratio < 1 && term * (n + 1) * (1 + sigma) < sum * 1e-17 * (1 - ratio) * (1 - ratio)) {
      return { log: logScale + Math.log(sum), dk: sumK / sum, db: sumB / sum, dz: sumZ / (z * sum), converged: true };
    }
  }
  return { log: logScale + Math.log(sum), dk: sumK / sum, db: sumB / sum, dz: sumZ / (z * sum), converged: false };
}

/**
 * One customer's log-likelihood and its gradient with respect to (r, α, s, β), written into
 * `gradient` (added to what is there).
 */
function customerWithGradient(params: ParetoNbdParams, x: number, tx: number, T: number, gradient: number[]): number {
  const { r, alpha, s, beta } = params;
  const constant = logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const survive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const dConstant = [digamma(r + x) - digamma(r) + Math.log(alpha), r / alpha, Math.log(beta), s / beta];
  const dSurvive = [-Math.log(alpha + T), -(r + x) / (alpha + T), -Math.log(beta + T), -s / (beta + T)];
  if (!(T > tx)) {
    for (let j = 0; j < 4; j += 1) gradient[j] = (gradient[j] ?? 0) + (dConstant[j] ?? 0) + (dSurvive[j] ?? 0);
    return constant + survive;
  }
  const k = r + s + x;
  const alphaLarger = alpha >= beta;
  const m = alphaLarger ? alpha : beta;
  const b2 = alphaLarger ? s + 1 : r + x;
  const diff = Math.abs(alpha - beta);
  // d ln F(t) / d(r, α, s, β) with ln F = ln H(k, b2, z) − k ln(m + t), z = diff/(m + t).
  const logF = (t: number) => {
    const z = diff / (m + t);
    const h = hyp2f1WithPartials(k, b2, z);
    const logMt = Math.log(m + t);
    // ∂z/∂α and ∂z/∂β in each branch.
    const dzAlpha = alphaLarger ? (beta + t) / ((alpha + t) * (alpha + t)) : -1 / (beta + t);
    const dzBeta = alphaLarger ? -1 / (alpha + t) : (alpha + t) / ((beta + t) * (beta + t));
    const d = [h.dk - logMt + (alphaLarger ? 0 : h.db), h.dz * dzAlpha - (alphaLarger ? k / (m + t) : 0), h.dk - logMt + (alphaLarger ? h.db : 0), h.dz * dzBeta - (alphaLarger ? 0 : k / (m + t))];
    return { log: h.log - k * logMt, d };
  };
  const fx = logF(tx);
  const fT = logF(T);
  const logA0 = logSubExp(fx.log, fT.log);
  const dieBetween = Math.log(s / k) + logA0;
  const total = logAddExp(survive, dieBetween);
  const wSurvive = Math.exp(survive - total);
  const wDie = Math.exp(dieBetween - total);
  // d ln A0 = (F(t_x) g(t_x) − F(T) g(T)) / (F(t_x) − F(T)) with ρ = F(T)/F(t_x).
  const rho = Math.exp(fT.log - fx.log);
  const dLogK = [-1 / k, 0, 1 / s - 1 / k, 0];
  for (let j = 0; j < 4; j += 1) {
    const dA0 = ((fx.d[j] ?? 0) - rho * (fT.d[j] ?? 0)) / (1 - rho);
    gradient[j] = (gradient[j] ?? 0) + (dConstant[j] ?? 0) + wSurvive * (dSurvive[j] ?? 0) + wDie * ((dLogK[j] ?? 0) + dA0);
  }
  return constant + total;
}

/**
 * Gradient of the total log-likelihood with respect to (ln r, ln α, ln s, ln β).
 * @example paretoNbdLogLikelihoodGradient({ r: 0.55, alpha: 10.6, s: 0.61, beta: 11.7 }, data)
 */
export function paretoNbdLogLikelihoodGradient(params: ParetoNbdParams, data: SummaryColumns): number[] {
  const gradient = [0, 0, 0, 0];
  evaluateWithGradient(params, data, gradient);
  return gradient;
}

/** Total log-likelihood; fills `gradient` with ∂/∂(ln r, ln α, ln s, ln β). */
function evaluateWithGradient(params: ParetoNbdParams, data: SummaryColumns, gradient: number[]): number {
  gradient.fill(0);
  let total = 0;
  for (let i = 0; i < data.x.length; i += 1) total += customerWithGradient(params, data.x[i] ?? 0, data.tx[i] ?? 0, data.T[i] ?? 0, gradient);
  gradient[0] = (gradient[0] ?? 0) * params.r;
  gradient[1] = (gradient[1] ?? 0) * params.alpha;
  gradient[2] = (gradient[2] ?? 0) * params.s;
  gradient[3] = (gradient[3] ?? 0) * params.beta;
  return total;
}

/**
 * Total Pareto/NBD log-likelihood.
 * @example paretoNbdLogLikelihood({ r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }, cdnow) // ≈ -9594.98
 */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, data: SummaryColumns): number {
  let total = 0;
  for (let i = 0; i < data.x.length; i += 1) {
    const parts = logParts(params, data.x[i] ?? 0, data.tx[i] ?? 0, data.T[i] ?? 0);
    total += parts.constant + logAddExp(parts.survive, parts.dieBetween);
  }
  return total;
}

export interface ParetoFitOptions {
  minRepeaters?: number;
  minCustomers?: number;
  start?: ParetoNbdParams;
  optimizer?: LbfgsOptions;
  /** Retry with Nelder-Mead when L-BFGS does not converge (default true). */
  fallback?: boolean;
}

/**
 * Maximum-likelihood Pareto/NBD fit: L-BFGS on log-parameters with the analytic gradient (the
 * 2F1 series differentiated term by term), Nelder-Mead as a fallback when L-BFGS stops short.
 * @example const fit = fitParetoNbd(toColumns(rows));
 */
export function fitParetoNbd(data: SummaryColumns, options: ParetoFitOptions = {}): FitOutcome<ParetoNbdParams> {
  const checked = checkSummary(data, options);
  if ('status' in checked) return checked;
  const { n, meanT, meanX } = checked;
  const scale = Math.max(1e-3, meanT / (1 + meanX));
  const start = options.start ?? { r: 1, alpha: scale, s: 1, beta: scale };
  const theta0 = [Math.log(start.r), Math.log(start.alpha), Math.log(start.s), Math.log(start.beta)];
  const result = lbfgs(
    (theta, gradient) => {
      const value = -evaluateWithGradient(fromLog(theta), data, gradient) / n;
      for (let j = 0; j < 4; j += 1) gradient[j] = -(gradient[j] ?? 0) / n;
      return value;
    },
    theta0,
    { maxIterations: 1000, ...options.optimizer },
  );
  if (result.status === 'converged' || options.fallback === false) {
    return { status: 'fitted', params: fromLog(result.x), logLikelihood: -result.value * n, customers: n, optimizer: optimizerReport('lbfgs', result) };
  }
  // A failed line search far from the optimum (extreme start, flat ridge) gets a derivative-free second try from where it stopped.
  const simplex = nelderMead((theta) => -paretoNbdLogLikelihood(fromLog(theta), data) / n, result.x, { step: 0.5, maxEvaluations: 6000, valueTolerance: 1e-15, pointTolerance: 1e-9 });
  const best = simplex.value <= result.value ? simplex : result;
  return {
    status: 'fitted',
    params: fromLog(best.x),
    logLikelihood: -best.value * n,
    customers: n,
    optimizer: best === simplex ? optimizerReport('nelder-mead', simplex) : optimizerReport('lbfgs', result),
  };
}

function fromLog(theta: readonly number[]): ParetoNbdParams {
  return { r: Math.exp(theta[0] ?? 0), alpha: Math.exp(theta[1] ?? 0), s: Math.exp(theta[2] ?? 0), beta: Math.exp(theta[3] ?? 0) };
}

/**
 * P(alive | x, t_x, T) = (survival term) / (likelihood) (Fader & Hardie 2005 note, eq. 23).
 * @example paretoNbdPAlive(params, 26, 30.857143, 31) // 0.997874 (CDNOW customer 1516)
 */
export function paretoNbdPAlive(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const parts = logParts(params, x, tx, T);
  return Math.exp(parts.survive - logAddExp(parts.survive, parts.dieBetween));
}

/** (1 − u^e) / e with its limit −ln u at e = 0, without cancellation. */
function oneMinusPowOver(logU: number, e: number): number {
  return Math.abs(e) < 1e-12 ? -logU : -Math.expm1(e * logU) / e;
}

/**
 * E[X(t)] for a new customer: rβ/(α(s−1)) · [1 − (β/(β+t))^{s−1}].
 * @example paretoNbdExpected(params, 52) // 1.473434 at the BTYD CDNOW fit
 */
export function paretoNbdExpected(params: ParetoNbdParams, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = params;
  return ((r * beta) / alpha) * oneMinusPowOver(Math.log(beta / (beta + t)), s - 1);
}

/**
 * E[Y(t) | x, t_x, T] = (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}] · P(alive).
 * @example paretoNbdConditionalExpected(params, 52, 26, 30.857143, 31) // 25.45647
 */
export function paretoNbdConditionalExpected(params: ParetoNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = params;
  const rate = ((r + x) * (beta + T)) / (alpha + T);
  return rate * oneMinusPowOver(Math.log((beta + T) / (beta + T + t)), s - 1) * paretoNbdPAlive(params, x, tx, T);
}
