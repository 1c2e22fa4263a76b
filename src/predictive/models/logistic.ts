/*
 * L2-regularized logistic regression on standardized features, fitted by L-BFGS on the exact
 * gradient. Small, deterministic and calibrated by construction (it maximizes the likelihood),
 * which is what a per-workspace propensity model with a few thousand rows needs.
 */
import { optimizerReport, type OptimizerReport } from './fit.js';
import { lbfgs } from './optimize.js';

export interface LogisticModel {
  /** Feature names, in column order. */
  features: string[];
  /** Means and standard deviations used to standardize each column (sd 1 for constant columns). */
  means: number[];
  sds: number[];
  /** Intercept first, then one weight per standardized feature. */
  weights: number[];
  optimizer: OptimizerReport;
}

export interface LogisticOptions {
  /** L2 penalty on the weights (not the intercept), per row (default 1e-3). */
  l2?: number;
}

/**
 * Fits P(y = 1 | x) = σ(w₀ + Σ wⱼ zⱼ) with zⱼ the standardized features.
 * @example const model = fitLogistic(['recency'], [[1], [30]], [1, 0]);
 */
export function fitLogistic(features: readonly string[], rows: readonly (readonly number[])[], labels: readonly number[], options: LogisticOptions = {}): LogisticModel {
  const n = rows.length;
  const d = features.length;
  const l2 = options.l2 ?? 1e-3;
  const means = new Array<number>(d).fill(0);
  const sds = new Array<number>(d).fill(0);
  for (const row of rows) for (let j = 0; j < d; j += 1) means[j] = (means[j] ?? 0) + (row[j] ?? 0) / n;
  for (const row of rows) for (let j = 0; j < d; j += 1) sds[j] = (sds[j] ?? 0) + ((row[j] ?? 0) - (means[j] ?? 0)) ** 2 / n;
  for (let j = 0; j < d; j += 1) sds[j] = Math.sqrt(sds[j] ?? 0) > 1e-12 ? Math.sqrt(sds[j] ?? 0) : 1;
  const z = rows.map((row) => row.map((value, j) => (value - (means[j] ?? 0)) / (sds[j] ?? 1)));
  let positives = 0;
  for (const label of labels) positives += label;
  const prior = Math.min(Math.max(positives / Math.max(1, n), 1e-6), 1 - 1e-6);
  const start = [Math.log(prior / (1 - prior)), ...new Array<number>(d).fill(0)];
  const result = lbfgs(
    (w, gradient) => {
      gradient.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i += 1) {
        const row = z[i] ?? [];
        let eta = w[0] ?? 0;
        for (let j = 0; j < d; j += 1) eta += (w[j + 1] ?? 0) * (row[j] ?? 0);
        const y = labels[i] ?? 0;
        // log(1 + e^η) − yη, stable for either sign of η.
        loss += (eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta))) - y * eta;
        const residual = 1 / (1 + Math.exp(-eta)) - y;
        gradient[0] = (gradient[0] ?? 0) + residual;
        for (let j = 0; j < d; j += 1) gradient[j + 1] = (gradient[j + 1] ?? 0) + residual * (row[j] ?? 0);
      }
      for (let k = 0; k <= d; k += 1) gradient[k] = (gradient[k] ?? 0) / n;
      loss /= n;
      for (let j = 1; j <= d; j += 1) {
        loss += 0.5 * l2 * (w[j] ?? 0) ** 2;
        gradient[j] = (gradient[j] ?? 0) + l2 * (w[j] ?? 0);
      }
      return loss;
    },
    start,
    { maxIterations: 500, gradientTolerance: 1e-8 },
  );
  return { features: [...features], means, sds, weights: result.x, optimizer: optimizerReport('lbfgs', result) };
}

/**
 * P(y = 1) for one feature row.
 * @example predictLogistic(model, [3])
 */
export function predictLogistic(model: LogisticModel, row: readonly number[]): number {
  let eta = model.weights[0] ?? 0;
  for (let j = 0; j < model.features.length; j += 1) eta += (model.weights[j + 1] ?? 0) * (((row[j] ?? 0) - (model.means[j] ?? 0)) / (model.sds[j] ?? 1));
  return 1 / (1 + Math.exp(-eta));
}
