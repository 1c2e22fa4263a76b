/*
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing Science
 * 24(2)): while active a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they
 * drop out with probability p ~ Beta(a, b). Everything is computed in log-space so customers
 * with many purchases neither overflow nor underflow.
 */
import { checkSummary, DEFAULT_LOG_BOUNDS, fromBounded, optimizerReport, outOfRange, toBounded, type FitOutcome, type Fitted } from './fit.js';
import { lbfgs, type LbfgsOptions, type OptimizeResult } from './optimize.js';
import { digamma, logAddExp, logBeta, logGamma, logHyp2f1 } from './special.js';
import type { SummaryColumns } from './summary.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Customers grouped by x: the Gamma-function terms depend on x only, so they are computed once per distinct x. */
interface Prepared {
  data: SummaryColumns;
  group: Int32Array;
  xs: number[];
}

function prepare(data: SummaryColumns): Prepared {
  const index = new Map<number, number>();
  const xs: number[] = [];
  const group = new Int32Array(data.x.length);
  for (let i = 0; i < data.x.length; i += 1) {
    const x = data.x[i] ?? 0;
    let g = index.get(x);
    if (g === undefined) {
      g = xs.length;
      index.set(x, g);
      xs.push(x);
    }
    group[i] = g;
  }
  return { data, group, xs };
}

/**
 * Total log-likelihood (FHL 2005 eq. 6) and, when `gradient` is given, its gradient with respect
 * to (ln r, ln α, ln a, ln b).
 */
function evaluate(prepared: Prepared, params: BgNbdParams, gradient?: number[]): number {
  const { r, alpha, a, b } = params;
  const { data, group, xs } = prepared;
  const groups = xs.length;
  // Per-x constants: the Gamma/Beta part of the likelihood and its digamma derivatives.
  const constant = new Float64Array(groups);
  const dConstR = new Float64Array(groups);
  const dConstA = new Float64Array(groups);
  const dConstB = new Float64Array(groups);
  const logAOverB = new Float64Array(groups);
  const lgR = logGamma(r);
  const lgAB = logGamma(a + b);
  const lgB = logGamma(b);
  const logAlpha = Math.log(alpha);
  const psiR = digamma(r);
  const psiAB = digamma(a + b);
  const psiB = digamma(b);
  for (let g = 0; g < groups; g += 1) {
    const x = xs[g] ?? 0;
    constant[g] = logGamma(r + x) - lgR + r * logAlpha + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x);
    if (gradient) {
      dConstR[g] = digamma(r + x) - psiR + logAlpha;
      dConstA[g] = psiAB - digamma(a + b + x);
      dConstB[g] = psiAB + digamma(b + x) - psiB - digamma(a + b + x);
    }
    logAOverB[g] = x > 0 ? Math.log(a / (b + x - 1)) : Number.NEGATIVE_INFINITY;
  }
  let total = 0;
  let gR = 0;
  let gAlpha = 0;
  let gA = 0;
  let gB = 0;
  const n = data.x.length;
  for (let i = 0; i < n; i += 1) {
    const g = group[i] ?? 0;
    const x = data.x[i] ?? 0;
    const logT = Math.log(alpha + (data.T[i] ?? 0));
    const a3 = -(r + x) * logT;
    let ll: number;
    let w4 = 0;
    let logTx = 0;
    if (x > 0) {
      logTx = Math.log(alpha + (data.tx[i] ?? 0));
      const a4 = (logAOverB[g] ?? 0) - (r + x) * logTx;
      ll = logAddExp(a3, a4);
      w4 = Math.exp(a4 - ll);
    } else ll = a3;
    total += (constant[g] ?? 0) + ll;
    if (gradient) {
      const w3 = 1 - w4;
      gR += (dConstR[g] ?? 0) - w3 * logT - w4 * logTx;
      gAlpha += r / alpha - (r + x) * (w3 / (alpha + (data.T[i] ?? 0)) + (x > 0 ? w4 / (alpha + (data.tx[i] ?? 0)) : 0));
      gA += (dConstA[g] ?? 0) + w4 / a;
      gB += (dConstB[g] ?? 0) - (x > 0 ? w4 / (b + x - 1) : 0);
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
 * The BG/NBD log-likelihood of a customer base at given parameters.
 * @example bgnbdLogLikelihood({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, cdnow) // ≈ -9582.43
 */
export function bgnbdLogLikelihood(params: BgNbdParams, data: SummaryColumns): number {
  return evaluate(prepare(data), params);
}

/**
 * Gradient of the log-likelihood with respect to (ln r, ln α, ln a, ln b); used by tests to check the analytic form.
 * @example bgnbdLogLikelihoodGradient({ r: 0.3, alpha: 5, a: 0.6, b: 3 }, data) // [dLL/dln r, ...]
 */
export function bgnbdLogLikelihoodGradient(params: BgNbdParams, data: SummaryColumns): number[] {
  const gradient = [0, 0, 0, 0];
  evaluate(prepare(data), params, gradient);
  return gradient;
}

export interface FitOptions {
  /** Customers with at least one repeat purchase needed to fit (default 10). */
  minRepeaters?: number;
  /** Customers needed (default 30). */
  minCustomers?: number;
  start?: BgNbdParams;
  optimizer?: LbfgsOptions;
}

/**
 * Maximum-likelihood BG/NBD fit with L-BFGS on bounded log-parameters and the analytic gradient.
 * Robust to the data's scale: time is rescaled so the oldest customer is 10 units old (α is
 * converted back; the likelihood changes by the constant Σx·ln(scale), added back too), several
 * starting points are tried and the best converged one is kept, and parameters running to a
 * bound are reported in `degenerate` instead of overflowing (see `fitProblem`).
 * @example const fit = fitBgNbd(toColumns(rows)); if (fit.status === 'fitted' && fitProblem('BG/NBD', fit) === null) fit.params.r;
 */
export function fitBgNbd(data: SummaryColumns, options: FitOptions = {}): FitOutcome<BgNbdParams> {
  const checked = checkSummary(data, options);
  if ('status' in checked) return checked;
  const { n, meanT, meanX } = checked;
  let maxT = 0;
  let totalX = 0;
  for (let i = 0; i < n; i += 1) {
    maxT = Math.max(maxT, data.T[i] ?? 0);
    totalX += data.x[i] ?? 0;
  }
  const scale = maxT > 0 ? maxT / 10 : 1;
  const scaled: SummaryColumns = { x: data.x, tx: data.tx.map((value) => value / scale), T: data.T.map((value) => value / scale), monetary: data.monetary };
  const prepared = prepare(scaled);
  const bounds = DEFAULT_LOG_BOUNDS;
  const m = meanT / scale;
  const starts: BgNbdParams[] = options.start
    ? [{ ...options.start, alpha: options.start.alpha / scale }]
    : [
        { r: 1, alpha: Math.max(1e-3, m / (1 + meanX)), a: 1, b: 1 },
        { r: 0.5, alpha: Math.max(1e-3, m), a: 0.5, b: 2 },
        { r: 0.2, alpha: Math.max(1e-3, m / 5), a: 2, b: 8 },
      ];
  const objective = (phi: readonly number[], gradient: number[]) => {
    const mapped = phi.map((value) => fromBounded(value, bounds));
    const params = { r: mapped[0]?.value ?? 1, alpha: mapped[1]?.value ?? 1, a: mapped[2]?.value ?? 1, b: mapped[3]?.value ?? 1 };
    const value = -evaluate(prepared, params, gradient) / n;
    for (let k = 0; k < 4; k += 1) gradient[k] = (-(gradient[k] ?? 0) / n) * (mapped[k]?.dLogDPhi ?? 1);
    return value;
  };
  let best: { result: OptimizeResult; params: BgNbdParams; degenerate: string | undefined } | undefined;
  let tried = 0;
  for (const start of starts) {
    tried += 1;
    const result = lbfgs(
      objective,
      [start.r, start.alpha, start.a, start.b].map((value) => toBounded(value, bounds)),
      { maxIterations: 1000, ...options.optimizer },
    );
    const [r, alpha, a, b] = result.x.map((value) => fromBounded(value, bounds).value);
    const params = { r: r ?? Number.NaN, alpha: alpha ?? Number.NaN, a: a ?? Number.NaN, b: b ?? Number.NaN };
    // r and α (in the scaled unit) near zero or huge mean the fit ran off; a and b may grow large together (a nearly
    // constant drop-out probability is a proper limit), so only their runs to the hard bounds count.
    const degenerate = outOfRange({ r: params.r, alpha: params.alpha }, 1e-4, 1e4) ?? outOfRange({ a: params.a, b: params.b }, 1e-6, 1e6);
    const candidate = { result, params, degenerate };
    const sound = (c: typeof candidate) => c.result.status === 'converged' && c.degenerate === undefined && Number.isFinite(c.result.value);
    if (best !== undefined && sound(best) && sound(candidate) && Math.abs(best.result.value - result.value) <= 1e-9 * Math.max(1, Math.abs(result.value))) break;
    if (best === undefined || (sound(candidate) && !sound(best)) || (sound(candidate) === sound(best) && result.value < best.result.value)) best = candidate;
  }
  if (best === undefined) throw new Error('fitBgNbd: no starting point');
  const params = { ...best.params, alpha: best.params.alpha * scale };
  const fitted: Fitted<BgNbdParams> = {
    status: 'fitted',
    params,
    logLikelihood: -best.result.value * n - totalX * Math.log(scale),
    customers: n,
    optimizer: optimizerReport('lbfgs', best.result),
    starts: tried,
  };
  if (best.degenerate !== undefined) fitted.degenerate = best.degenerate.startsWith('alpha') ? `${best.degenerate}, measured in tenths of the longest customer history` : best.degenerate;
  return fitted;
}

/**
 * P(alive | x, t_x, T) (FHL 2005 eq. 11 / Fader-Hardie note "Computing P(alive)"): 1 when x = 0.
 * @example bgnbdPAlive(params, 26, 30.857143, 31) // 0.9688523 at the BTYD CDNOW fit
 */
export function bgnbdPAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  return Math.exp(-logDeadOdds(params, x, tx, T));
}

/** ln(1 + odds of having dropped out), the denominator of P(alive) and of the conditional expectation. */
function logDeadOdds(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 0;
  const { r, alpha, a, b } = params;
  return logAddExp(0, Math.log(a / (b + x - 1)) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
}

/** a = 1 makes (a+b-1)/(a-1) and the bracket both vanish; the limit is taken by nudging a. */
function awayFromOne(a: number): number {
  return Math.abs(a - 1) < 1e-7 ? 1 + 1e-7 : a;
}

/**
 * E[X(t)]: expected purchases of a new customer in (0, t] (FHL 2005 eq. 7).
 * @example bgnbdExpected(params, 52) // 1.444004 at the BTYD CDNOW fit
 */
export function bgnbdExpected(params: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, b } = params;
  const a = awayFromOne(params.a);
  const z = t / (alpha + t);
  const h = logHyp2f1(r, b, a + b - 1, z);
  return ((a + b - 1) / (a - 1)) * -Math.expm1(r * Math.log(alpha / (alpha + t)) + h.log);
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t periods of a customer with this history
 * (FHL 2005 eq. 10).
 * @example bgnbdConditionalExpected(params, 52, 26, 30.857143, 31) // 25.75659 (CDNOW customer 1516)
 */
export function bgnbdConditionalExpected(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, b } = params;
  const a = awayFromOne(params.a);
  const z = t / (alpha + T + t);
  const h = logHyp2f1(r + x, b + x, a + b + x - 1, z);
  const bracket = -Math.expm1((r + x) * Math.log((alpha + T) / (alpha + T + t)) + h.log);
  return Math.exp(Math.log(((a + b + x - 1) / (a - 1)) * bracket) - logDeadOdds(params, x, tx, T));
}

/**
 * P(X(t) = n): probability that a new customer makes exactly n purchases in (0, t] (FHL 2005
 * eq. 8). The bracket 1 − Σ_{j<n} NB(j) is summed as the upper tail Σ_{j≥n} NB(j), which has no
 * cancellation for large n.
 * @example bgnbdPmf({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 39, 0) // 0.5737864
 */
export function bgnbdPmf(params: BgNbdParams, t: number, n: number): number {
  const { r, alpha, a, b } = params;
  if (!(Number.isInteger(n) && n >= 0)) return 0;
  if (t <= 0) return n === 0 ? 1 : 0;
  const logP = Math.log(alpha / (alpha + t));
  const logQ = Math.log(t / (alpha + t));
  const logBab = logBeta(a, b);
  const logNb = (j: number) => logGamma(r + j) - logGamma(r) - logGamma(j + 1) + r * logP + j * logQ;
  const first = logBeta(a, b + n) - logBab + logNb(n);
  if (n === 0) return Math.exp(first);
  // Upper tail of the negative binomial from n on; terms shrink geometrically (ratio → t/(α+t)).
  let logTail = Number.NEGATIVE_INFINITY;
  let term = logNb(n);
  for (let j = n; j < n + 1_000_000; j += 1) {
    logTail = logAddExp(logTail, term);
    term += Math.log((r + j) / (j + 1)) + logQ;
    if (term < logTail - 40) break;
  }
  const second = logBeta(a + 1, b + n - 1) - logBab + logTail;
  return Math.exp(logAddExp(first, second));
}
