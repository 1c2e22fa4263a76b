import type { OptimizeResult, OptimizerStatus } from './optimize.js';

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
