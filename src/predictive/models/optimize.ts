/*
 * Unconstrained minimizers for the model fits. The models are fitted on log-parameters, so
 * every positive parameter maps to the whole real line and no bound handling is needed.
 * Written here rather than pulled in: L-BFGS with a backtracking line search and Nelder-Mead
 * are each under a hundred lines, and the fits need their status reported, not thrown.
 */

/** Why the optimizer stopped. Only 'converged' means the result is a (local) optimum. */
export type OptimizerStatus = 'converged' | 'max-iterations' | 'line-search-failed' | 'non-finite';

export interface OptimizeResult {
  x: number[];
  /** Objective at x. */
  value: number;
  status: OptimizerStatus;
  iterations: number;
  /** Objective evaluations (with gradient for L-BFGS). */
  evaluations: number;
  /** Max-norm of the gradient at x (L-BFGS) or the simplex spread in f (Nelder-Mead). */
  gradientNorm: number;
}

/** An objective with its gradient: returns f(x) and writes ∇f(x) into `gradient`. */
export type ObjectiveWithGradient = (x: readonly number[], gradient: number[]) => number;

export interface LbfgsOptions {
  /** Stop when the max-norm of the gradient is below this (default 1e-7, scaled by max(1,|f|)). */
  gradientTolerance?: number;
  /** Stop when the relative decrease of f in one step is below this (default 1e-13). */
  valueTolerance?: number;
  maxIterations?: number;
  /** Pairs kept for the inverse-Hessian approximation (default 8). */
  memory?: number;
}

/**
 * Minimizes a smooth function with L-BFGS (Nocedal & Wright 2006, Alg. 7.4/7.5) and an Armijo
 * backtracking line search; curvature pairs with sᵀy ≤ 0 are skipped, which keeps the
 * approximation positive definite without a full Wolfe search.
 * @example lbfgs((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2; }, [0]).x // [3]
 */
export function lbfgs(objective: ObjectiveWithGradient, start: readonly number[], options: LbfgsOptions = {}): OptimizeResult {
  const n = start.length;
  const gradientTolerance = options.gradientTolerance ?? 1e-7;
  const valueTolerance = options.valueTolerance ?? 1e-13;
  const maxIterations = options.maxIterations ?? 500;
  const memory = options.memory ?? 8;
  let x = [...start];
  let g = new Array<number>(n).fill(0);
  let f = objective(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) return { x, value: f, status: 'non-finite', iterations: 0, evaluations, gradientNorm: Number.NaN };
  const sList: number[][] = [];
  const yList: number[][] = [];
  const rhoList: number[] = [];
  let iterations = 0;
  let status: OptimizerStatus = 'max-iterations';
  while (iterations < maxIterations) {
    if (maxAbs(g) <= gradientTolerance * Math.max(1, Math.abs(f))) {
      status = 'converged';
      break;
    }
    iterations += 1;
    // Two-loop recursion: direction = -H·g.
    const q = [...g];
    const alphas: number[] = [];
    for (let i = sList.length - 1; i >= 0; i -= 1) {
      const alpha = (rhoList[i] ?? 0) * dot(sList[i] ?? [], q);
      alphas[i] = alpha;
      axpy(-alpha, yList[i] ?? [], q);
    }
    const last = sList.length - 1;
    const gamma = last >= 0 ? dot(sList[last] ?? [], yList[last] ?? []) / dot(yList[last] ?? [], yList[last] ?? []) : 1 / Math.max(1, maxAbs(g));
    for (let i = 0; i < n; i += 1) q[i] = (q[i] ?? 0) * gamma;
    for (let i = 0; i < sList.length; i += 1) {
      const beta = (rhoList[i] ?? 0) * dot(yList[i] ?? [], q);
      axpy((alphas[i] ?? 0) - beta, sList[i] ?? [], q);
    }
    let direction = q.map((value) => -value);
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      direction = g.map((value) => -value / Math.max(1, maxAbs(g)));
      slope = dot(direction, g);
    }
    let step = 1;
    let accepted = false;
    const nextGradient = new Array<number>(n).fill(0);
    let nextX = x;
    let nextF = f;
    for (let tries = 0; tries < 60; tries += 1) {
      nextX = x.map((value, i) => value + step * (direction[i] ?? 0));
      nextF = objective(nextX, nextGradient);
      evaluations += 1;
      if (Number.isFinite(nextF) && nextGradient.every(Number.isFinite) && nextF <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= Number.isFinite(nextF) ? 0.5 : 0.1;
    }
    if (!accepted) {
      status = 'line-search-failed';
      break;
    }
    const s = nextX.map((value, i) => value - (x[i] ?? 0));
    const y = nextGradient.map((value, i) => value - (g[i] ?? 0));
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
      if (sList.length > memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
    }
    const decrease = f - nextF;
    x = nextX;
    g = [...nextGradient];
    f = nextF;
    if (decrease <= valueTolerance * Math.max(1, Math.abs(f)) && maxAbs(g) <= Math.sqrt(gradientTolerance) * Math.max(1, Math.abs(f))) {
      status = 'converged';
      break;
    }
  }
  return { x, value: f, status, iterations, evaluations, gradientNorm: maxAbs(g) };
}

export interface NelderMeadOptions {
  /** Stop when the spread of f over the simplex is below this, relative to max(1, |f|) (default 1e-13). */
  valueTolerance?: number;
  /** Stop when the simplex is smaller than this in every coordinate (default 1e-10). */
  pointTolerance?: number;
  maxEvaluations?: number;
  /** Initial simplex edge (default 0.1 in each coordinate). */
  step?: number;
}

/**
 * Derivative-free minimization (Nelder & Mead 1965 with the standard coefficients 1, 2, ½, ½);
 * used where an analytic gradient is not available. Restarts once from the best vertex so a
 * collapsed simplex does not stop it early.
 * @example nelderMead((x) => (x[0] - 1) ** 2 + (x[1] + 2) ** 2, [0, 0]).x // ≈ [1, -2]
 */
export function nelderMead(objective: (x: readonly number[]) => number, start: readonly number[], options: NelderMeadOptions = {}): OptimizeResult {
  const maxEvaluations = options.maxEvaluations ?? 4000;
  let total = 0;
  let iterations = 0;
  let best = runSimplex(objective, start, options, maxEvaluations);
  total += best.evaluations;
  iterations += best.iterations;
  if (total < maxEvaluations) {
    const again = runSimplex(objective, best.x, { ...options, step: (options.step ?? 0.1) / 10 }, maxEvaluations - total);
    total += again.evaluations;
    iterations += again.iterations;
    if (again.value <= best.value) best = again;
  }
  return { ...best, evaluations: total, iterations };
}

function runSimplex(objective: (x: readonly number[]) => number, start: readonly number[], options: NelderMeadOptions, budget: number): OptimizeResult {
  const n = start.length;
  const valueTolerance = options.valueTolerance ?? 1e-13;
  const pointTolerance = options.pointTolerance ?? 1e-10;
  const edge = options.step ?? 0.1;
  const safe = (x: readonly number[]) => {
    const value = objective(x);
    return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  };
  let evaluations = 0;
  const points: number[][] = [[...start]];
  for (let i = 0; i < n; i += 1) {
    const point = [...start];
    point[i] = (point[i] ?? 0) + edge;
    points.push(point);
  }
  const values = points.map((point) => {
    evaluations += 1;
    return safe(point);
  });
  let iterations = 0;
  let status: OptimizerStatus = 'max-iterations';
  while (evaluations < budget) {
    const order = values.map((_, i) => i).sort((i, j) => (values[i] ?? 0) - (values[j] ?? 0));
    const sortedPoints = order.map((i) => points[i] ?? []);
    const sortedValues = order.map((i) => values[i] ?? 0);
    points.splice(0, points.length, ...sortedPoints);
    values.splice(0, values.length, ...sortedValues);
    const fBest = values[0] ?? 0;
    const fWorst = values[n] ?? 0;
    let size = 0;
    for (let i = 1; i <= n; i += 1) for (let k = 0; k < n; k += 1) size = Math.max(size, Math.abs((points[i]?.[k] ?? 0) - (points[0]?.[k] ?? 0)));
    if (Number.isFinite(fWorst) && fWorst - fBest <= valueTolerance * Math.max(1, Math.abs(fBest)) && size <= Math.sqrt(pointTolerance)) {
      status = 'converged';
      break;
    }
    if (size <= pointTolerance) {
      status = 'converged';
      break;
    }
    iterations += 1;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i += 1) for (let k = 0; k < n; k += 1) centroid[k] = (centroid[k] ?? 0) + (points[i]?.[k] ?? 0) / n;
    const worst = points[n] ?? [];
    const along = (coefficient: number) => centroid.map((c, k) => c + coefficient * (c - (worst[k] ?? 0)));
    const reflected = along(1);
    const fReflected = safe(reflected);
    evaluations += 1;
    if (fReflected < fBest) {
      const expanded = along(2);
      const fExpanded = safe(expanded);
      evaluations += 1;
      if (fExpanded < fReflected) {
        points[n] = expanded;
        values[n] = fExpanded;
      } else {
        points[n] = reflected;
        values[n] = fReflected;
      }
      continue;
    }
    if (fReflected < (values[n - 1] ?? 0)) {
      points[n] = reflected;
      values[n] = fReflected;
      continue;
    }
    const outside = fReflected < fWorst;
    const contracted = along(outside ? 0.5 : -0.5);
    const fContracted = safe(contracted);
    evaluations += 1;
    if (fContracted < (outside ? fReflected : fWorst)) {
      points[n] = contracted;
      values[n] = fContracted;
      continue;
    }
    for (let i = 1; i <= n; i += 1) {
      const shrunk = (points[i] ?? []).map((value, k) => (points[0]?.[k] ?? 0) + 0.5 * (value - (points[0]?.[k] ?? 0)));
      points[i] = shrunk;
      values[i] = safe(shrunk);
      evaluations += 1;
    }
  }
  let bestIndex = 0;
  for (let i = 1; i < values.length; i += 1) if ((values[i] ?? 0) < (values[bestIndex] ?? 0)) bestIndex = i;
  const value = values[bestIndex] ?? Number.NaN;
  const spread = Math.max(...values) - Math.min(...values);
  return { x: points[bestIndex] ?? [...start], value, status: Number.isFinite(value) ? status : 'non-finite', iterations, evaluations, gradientNorm: spread };
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function axpy(alpha: number, x: readonly number[], y: number[]): void {
  for (let i = 0; i < y.length; i += 1) y[i] = (y[i] ?? 0) + alpha * (x[i] ?? 0);
}

function maxAbs(values: readonly number[]): number {
  let max = 0;
  for (const value of values) max = Math.max(max, Math.abs(value));
  return max;
}
