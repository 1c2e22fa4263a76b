/*
 * Draws synthetic customer bases from known BG/NBD and Gamma-Gamma parameters, for parameter
 * recovery tests and the benchmark. Randomness comes in as a uniform generator so runs are
 * reproducible from a seed.
 */
import type { BgNbdParams } from './bgnbd.js';
import type { GammaGammaParams } from './gamma-gamma.js';
import type { SummaryColumns } from './summary.js';

/** Uniform in [0, 1). */
export type Uniform = () => number;

function normal(uniform: Uniform): number {
  // Box-Muller; 1 - u keeps the log finite.
  return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Gamma(shape, rate) by Marsaglia & Tsang (2000), with the u^(1/shape) boost for shape < 1.
 * @example sampleGamma(Math.random, 2, 1)
 */
export function sampleGamma(uniform: Uniform, shape: number, rate: number): number {
  if (shape < 1) return sampleGamma(uniform, shape + 1, rate) * (1 - uniform()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = normal(uniform);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - uniform();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export interface SimulateOptions {
  customers: number;
  /** Each customer's first purchase is uniform in [0, maxAge) periods before the end of observation. */
  maxAge: number;
  bgnbd: BgNbdParams;
  gammaGamma?: GammaGammaParams;
}

/**
 * A customer base drawn from the BG/NBD story (and Gamma-Gamma spend when given): λ ~ Gamma(r, α),
 * p ~ Beta(a, b); purchases at rate λ; after each repeat purchase the customer leaves with
 * probability p.
 * @example const data = simulateCustomers(new Random(1).next.bind(...), { customers: 1000, maxAge: 52, bgnbd });
 */
export function simulateCustomers(uniform: Uniform, options: SimulateOptions): SummaryColumns {
  const n = options.customers;
  const { r, alpha, a, b } = options.bgnbd;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const monetary = options.gammaGamma ? new Float64Array(n) : null;
  for (let i = 0; i < n; i += 1) {
    const age = options.maxAge * (1 - uniform());
    const lambda = sampleGamma(uniform, r, alpha);
    const ga = sampleGamma(uniform, a, 1);
    const p = ga / (ga + sampleGamma(uniform, b, 1));
    let t = 0;
    let count = 0;
    for (;;) {
      const next = t - Math.log(1 - uniform()) / lambda;
      if (next > age) break;
      t = next;
      count += 1;
      if (uniform() < p) break;
    }
    x[i] = count;
    tx[i] = count > 0 ? t : 0;
    T[i] = age;
    if (monetary && options.gammaGamma && count > 0) {
      const { p: shape, q, v } = options.gammaGamma;
      const nu = sampleGamma(uniform, q, v);
      let total = 0;
      for (let k = 0; k < count; k += 1) total += sampleGamma(uniform, shape, nu);
      monetary[i] = total / count;
    }
  }
  return { x, tx, T, monetary };
}
