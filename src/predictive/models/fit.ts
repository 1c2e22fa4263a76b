import type { OptimizeResult, OptimizerStatus } from './optimize.js';
import { validateSummary, type SummaryColumns } from './summary.js';

/** What the optimizer did, kept on every model report. */
export interface OptimizerReport {
  method: 'lbfgs' | 'nelder-mead';
  status: OptimizerStatus;
  converged: boolean;
  iterations: number;
  evaluations: number;
  /** Max-norm of the gradient of the mean negative log-likelihood in log-parameters (L-BFGS), or the simplex spread (Nelder-Mead). */
  gradientNorm: number;
}

/** A fit that ran. `optimizer.converged` false means the parameters are the last iterate, not an optimum. */
export interface Fitted<P> {
  status: 'fitted';
  params: P;
  logLikelihood: number;
  customers: number;
  optimizer: OptimizerReport;
  /** Why the parameters are unusable even though the optimizer stopped (e.g. "r = 2e-16 is at its lower bound"); absent when they are sound. */
  degenerate?: string;
  /** Starting points tried (several, so one bad start cannot decide the fit). */
  starts?: number;
}

/** Too little data to fit honestly: a state, not a silent nonsense score. */
export interface InsufficientData {
  status: 'insufficient-data';
  /** e.g. "10 customers with a repeat purchase". */
  needs: string;
  has: string;
  /** "not enough history: needs X, has Y". */
  message: string;
}

/** A row of the input breaks the model's invariants. */
export interface InvalidData {
  status: 'invalid-data';
  row: number;
  message: string;
}

export type FitOutcome<P> = Fitted<P> | InsufficientData | InvalidData;

/**
 * The "not enough history" state with its message.
 * @example insufficient(10, 3, 'customers with a repeat purchase').message // "not enough history: needs 10 customers with a repeat purchase, has 3"
 */
export function insufficient(needs: number, has: number, what: string): InsufficientData {
  return { status: 'insufficient-data', needs: `${needs} ${what}`, has: `${has}`, message: `not enough history: needs ${needs} ${what}, has ${has}` };
}

/**
 * The optimizer's outcome as kept on a model report.
 * @example optimizerReport('lbfgs', lbfgs(f, start)).converged
 */
export function optimizerReport(method: OptimizerReport['method'], result: OptimizeResult): OptimizerReport {
  return { method, status: result.status, converged: result.status === 'converged', iterations: result.iterations, evaluations: result.evaluations, gradientNorm: result.gradientNorm };
}

/** What the count-model fits need to know about a summary before they start. */
export interface SummaryStats {
  n: number;
  /** Mean age T and mean repeat count x: the data's scale, for starting points. */
  meanT: number;
  meanX: number;
}

/**
 * Checks a summary is valid and large enough for a BG/NBD-family fit: returns its scale, or
 * the outcome that explains why there is no fit ("not enough history: needs X, has Y").
 * @example const checked = checkSummary(data, options); if ('status' in checked) return checked;
 */
export function checkSummary(data: SummaryColumns, options: { minCustomers?: number; minRepeaters?: number }): SummaryStats | InsufficientData | InvalidData {
  const issue = validateSummary(data);
  if (issue) return { status: 'invalid-data', ...issue };
  const n = data.x.length;
  let repeaters = 0;
  let meanT = 0;
  let meanX = 0;
  for (let i = 0; i < n; i += 1) {
    if ((data.x[i] ?? 0) > 0) repeaters += 1;
    meanT += (data.T[i] ?? 0) / n;
    meanX += (data.x[i] ?? 0) / n;
  }
  const minCustomers = options.minCustomers ?? 30;
  const minRepeaters = options.minRepeaters ?? 10;
  if (n < minCustomers) return insufficient(minCustomers, n, 'customers');
  if (repeaters < minRepeaters) return insufficient(minRepeaters, repeaters, 'customers with a repeat purchase');
  return { n, meanT, meanX };
}

/**
 * Why a fit must not be used for scores, or null when it can: the optimizer did not converge,
 * the log-likelihood or a parameter is not finite, or the parameters are degenerate.
 * @example const problem = fitProblem('BG/NBD', fit); if (problem) return { failure: problem };
 */
export function fitProblem(model: string, fit: Fitted<object>): string | null {
  if (!Number.isFinite(fit.logLikelihood)) return `${model} fit failed: the log-likelihood is not finite`;
  for (const [name, value] of Object.entries(fit.params))
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return `${model} fit failed: parameter ${name} = ${String(value)} is not a positive finite number`;
  if (fit.degenerate !== undefined) return `${model} fit is degenerate: ${fit.degenerate}`;
  if (!fit.optimizer.converged) return `${model} fit did not converge (optimizer stopped with "${fit.optimizer.status}" after ${fit.optimizer.iterations} iterations)`;
  return null;
}

/*
 * Bounded log-parameters: each positive parameter is exp(θ) with θ = L + (U − L)·σ(φ), so the
 * optimizer walks an unbounded φ while the parameter stays inside [lower, upper]. A fit that
 * runs towards a bound (r → 0, a → ∞) then stops there instead of overflowing, and is reported
 * as degenerate rather than written as scores.
 */
export interface LogBounds {
  lower: number;
  upper: number;
}

export const DEFAULT_LOG_BOUNDS: LogBounds = { lower: 1e-7, upper: 1e7 };

/**
 * The unbounded coordinate φ of a parameter value (clamped just inside the bounds).
 * @example toBounded(1, DEFAULT_LOG_BOUNDS) // 0
 */
export function toBounded(value: number, bounds: LogBounds): number {
  const L = Math.log(bounds.lower);
  const U = Math.log(bounds.upper);
  const theta = Math.min(U - 1e-9 * (U - L), Math.max(L + 1e-9 * (U - L), Math.log(value)));
  return Math.log((theta - L) / (U - theta));
}

/**
 * The parameter value of φ and dθ/dφ (θ = ln value), for the chain rule on gradients in θ.
 * @example fromBounded(0, DEFAULT_LOG_BOUNDS).value // 1
 */
export function fromBounded(phi: number, bounds: LogBounds): { value: number; dLogDPhi: number } {
  const L = Math.log(bounds.lower);
  const U = Math.log(bounds.upper);
  const sigma = phi >= 0 ? 1 / (1 + Math.exp(-phi)) : Math.exp(phi) / (1 + Math.exp(phi));
  const theta = L + (U - L) * sigma;
  return { value: Math.exp(theta), dLogDPhi: (U - L) * sigma * (1 - sigma) };
}

/**
 * Names the first parameter outside [lower, upper], or undefined.
 * @example outOfRange({ r: 2e-16, a: 1 }, 1e-4, 1e4) // "r = 2.00e-16 is near zero (below 0.0001)"
 */
export function outOfRange(params: Record<string, number>, lower: number, upper: number): string | undefined {
  for (const [name, value] of Object.entries(params)) {
    if (value < lower) return `${name} = ${value.toPrecision(3)} is near zero (below ${lower})`;
    if (value > upper) return `${name} = ${value.toPrecision(3)} is huge (above ${upper})`;
  }
  return undefined;
}
