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
