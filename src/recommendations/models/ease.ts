/*
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): item-item
 * weights B = I - P diagMat(1 / diag(P)) with P = (XᵀX + λI)⁻¹, closed form. The inverse is
 * cubic in the number of items (12,101 Beauty items: 1.8e12 operations, out of reach in
 * JavaScript on two cores), so it is restricted to the `topN` most popular items; the others
 * are scored by popularity only. Kept for measurement: the evaluation compares it with the
 * sequence-aware item-kNN that serves "for you".
 */

export interface EaseModel {
  /** Item index of each of the N modelled items. */
  items: Int32Array;
  /** Position in `items` of each item index, -1 when not modelled. */
  position: Int32Array;
  /** N × N weights, row-major, zero diagonal. */
  weights: Float64Array;
  fill: Float64Array;
}

/**
 * Trains EASE on the `topN` most popular items of the sequences (each user's items as a set).
 * @example const model = trainEase(sequences, numItems, { topN: 1000, lambda: 200 });
 */
export function trainEase(sequences: readonly Int32Array[], numItems: number, options: { topN: number; lambda: number }): EaseModel {
  const counts = new Float64Array(numItems);
  for (const sequence of sequences) for (const item of new Set(sequence)) counts[item] = (counts[item] ?? 0) + 1;
  const order = Array.from(counts.keys()).sort((a, b) => (counts[b] ?? 0) - (counts[a] ?? 0) || a - b);
  const n = Math.min(options.topN, numItems);
  const items = Int32Array.from(order.slice(0, n));
  const position = new Int32Array(numItems).fill(-1);
  items.forEach((item, index) => {
    position[item] = index;
  });
  // Gram matrix XᵀX over the modelled items.
  const gram = new Float64Array(n * n);
  for (const sequence of sequences) {
    const present = [...new Set(sequence)].map((item) => position[item] ?? -1).filter((index) => index >= 0);
    for (const a of present) for (const b of present) gram[a * n + b] = (gram[a * n + b] ?? 0) + 1;
  }
  for (let i = 0; i < n; i++) gram[i * n + i] = (gram[i * n + i] ?? 0) + options.lambda;
  invertInPlace(gram, n);
  const weights = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) weights[i * n + j] = i === j ? 0 : -(gram[i * n + j] ?? 0) / (gram[j * n + j] ?? 1);
  }
  let max = 0;
  for (const count of counts) max = Math.max(max, count);
  return { items, position, weights, fill: counts.map((count) => (max === 0 ? 0 : (count / max) * 1e-6)) };
}

/** Gauss-Jordan inversion of a symmetric positive definite matrix (no pivoting needed), row-major. */
function invertInPlace(a: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const pivot = a[k * n + k] ?? 1;
    a[k * n + k] = 1;
    const rowK = k * n;
    for (let j = 0; j < n; j++) a[rowK + j] = (a[rowK + j] ?? 0) / pivot;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const rowI = i * n;
      const factor = a[rowI + k] ?? 0;
      if (factor === 0) continue;
      a[rowI + k] = 0;
      for (let j = 0; j < n; j++) a[rowI + j] = (a[rowI + j] ?? 0) - factor * (a[rowK + j] ?? 0);
    }
  }
}

/**
 * Adds EASE scores for one history to `scores` (length = items).
 * @example scoreEase(model, history, scores)
 */
export function scoreEase(model: EaseModel, history: ArrayLike<number>, scores: Float64Array): void {
  const n = model.items.length;
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] ?? 0) + (model.fill[i] ?? 0);
  const seen = new Set<number>();
  for (let p = 0; p < history.length; p++) {
    const row = model.position[history[p] ?? -1] ?? -1;
    if (row < 0 || seen.has(row)) continue;
    seen.add(row);
    for (let j = 0; j < n; j++) {
      const item = model.items[j] ?? 0;
      scores[item] = (scores[item] ?? 0) + (model.weights[row * n + j] ?? 0);
    }
  }
}
