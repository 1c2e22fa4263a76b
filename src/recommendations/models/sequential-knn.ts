import { buildNeighbours, type NeighbourTable } from './neighbours.js';
import { countPopularity } from './popularity.js';

/*
 * "For you": a sequence-aware item-kNN. Similarities come from co-occurrence inside a window of
 * each user's sequence, weighting what came next (transitions) above what came before and near
 * neighbours above far ones, normalized with an asymmetric cosine (Aiolli 2013). A user is
 * scored from the last few items of their history, the most recent weighing most, in the
 * spirit of session-kNN models (Ludewig & Jannach 2018) that match neural sequential models on
 * e-commerce data at a fraction of the cost. Items no neighbour reaches are ranked by
 * popularity, scaled far below any neighbour score.
 */

export interface SequentialKnnOptions {
  /** Co-occurrence window (positions on each side). */
  window: number;
  /** Weight multiplier per step of distance inside the window. */
  decay: number;
  /** Weight of items that came after (i → j). */
  forward: number;
  /** Weight of items that came before. */
  backward: number;
  /** Asymmetric-cosine exponent on the source item's count. */
  alpha: number;
  shrink: number;
  /** Neighbours kept per item. */
  topM: number;
  /** History items that score (the most recent ones). */
  historyLength: number;
  /** Weight multiplier per step back in the history. */
  recency: number;
  /** Score of an item the user already has, relative to the model (0: no repeat signal). */
  repeat: number;
}

export const defaultSequentialKnnOptions: SequentialKnnOptions = {
  window: 3,
  decay: 0.6,
  forward: 1,
  backward: 0.5,
  // Chosen on the Beauty validation targets (0.5, 0.7, 0.85, 1 tried), never on test targets.
  alpha: 0.85,
  shrink: 0,
  topM: 200,
  historyLength: 8,
  recency: 0.6,
  repeat: 0,
};

export interface SequentialKnnModel {
  options: SequentialKnnOptions;
  table: NeighbourTable;
  /** Popularity scaled to [0, 1e-6): the tie-break for items no neighbour reaches. */
  fill: Float64Array;
}

/**
 * Trains the model on users' item sequences (time order).
 * @example const model = trainSequentialKnn(sequences, numItems); scoreSequentialKnn(model, history, scores);
 */
export function trainSequentialKnn(
  sequences: readonly Int32Array[],
  numItems: number,
  options: Partial<SequentialKnnOptions> = {},
  onProgress?: (done: number, total: number) => void,
): SequentialKnnModel {
  const settings = { ...defaultSequentialKnnOptions, ...options };
  const table = buildNeighbours(sequences, numItems, {
    window: settings.window,
    decay: settings.decay,
    forward: settings.forward,
    backward: settings.backward,
    normalization: 'asymmetric',
    alpha: settings.alpha,
    shrink: settings.shrink,
    topM: settings.topM,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  const popularity = countPopularity(sequences, numItems);
  let max = 0;
  for (const count of popularity) max = Math.max(max, count);
  const fill = popularity.map((count) => (max === 0 ? 0 : (count / max) * 1e-6));
  return { options: settings, table, fill };
}

/**
 * Adds the model's scores for one history (oldest first) to `scores` (length = items).
 * @example scoreSequentialKnn(model, Int32Array.of(4, 9), scores)
 */
export function scoreSequentialKnn(model: SequentialKnnModel, history: ArrayLike<number>, scores: Float64Array): void {
  const { table, options } = model;
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] ?? 0) + (model.fill[i] ?? 0);
  let weight = 1;
  const seen = new Set<number>();
  for (let p = history.length - 1, used = 0; p >= 0 && used < options.historyLength; p--) {
    const source = history[p] ?? -1;
    if (seen.has(source)) continue;
    seen.add(source);
    used++;
    if (source < 0 || source >= table.numItems) continue;
    for (let o = table.offsets[source] ?? 0, end = table.offsets[source + 1] ?? 0; o < end; o++) {
      const j = table.items[o] ?? 0;
      scores[j] = (scores[j] ?? 0) + weight * (table.scores[o] ?? 0);
    }
    weight *= options.recency;
  }
  if (options.repeat > 0) {
    for (let p = 0; p < history.length; p++) {
      const item = history[p] ?? -1;
      if (item >= 0 && item < scores.length) scores[item] = (scores[item] ?? 0) + options.repeat;
    }
  }
}
