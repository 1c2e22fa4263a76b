import type { EvalStrategy } from './evaluation.js';
import { scoreEase, trainEase } from './models/ease.js';
import { buildNeighbours } from './models/neighbours.js';
import { countPopularity, decayedPopularity } from './models/popularity.js';
import { scoreSequentialKnn, trainSequentialKnn, type SequentialKnnOptions } from './models/sequential-knn.js';

/*
 * Strategies as the evaluation harness runs them: the same models the engine serves, scoring
 * every item for a user's history.
 */

export const evalStrategyNames = ['pop', 'poprec-s3rec', 'trending', 'repeat', 'also-bought', 'also-bought-lift', 'for-you', 'for-you-repeat', 'ease-1000', 'ease-2000'] as const;
export type EvalStrategyName = (typeof evalStrategyNames)[number];

/** @example isEvalStrategyName('ease-1000') // true */
export function isEvalStrategyName(value: string): value is EvalStrategyName {
  return evalStrategyNames.some((name) => name === value);
}

function normalized(values: Float64Array, scale: number): Float64Array {
  let max = 0;
  for (const value of values) max = Math.max(max, value);
  return values.map((value) => (max === 0 ? 0 : (value / max) * scale));
}

/**
 * The named strategy, ready to train. `pop` counts training interactions; `poprec-s3rec` counts
 * complete sequences as the S3-Rec code does (its published PopRec row); `trending` decays
 * counts with a half-life of a tenth of the training period; `repeat` ranks the user's own
 * items by frequency, then global popularity (GP-TopFreq); `also-bought` is co-occurrence in a
 * user's history (cosine or lift) summed over the recent history; `for-you` the sequence-aware
 * item-kNN; `for-you-repeat` adds the user's own items (for repeat-purchase data such as groceries);
 * `ease-N` is EASE restricted to the N most popular items (models/ease.ts), for comparison.
 * @example evaluate(dataset, evalStrategy('for-you'), { protocol: 'loo' })
 */
export function evalStrategy(name: EvalStrategyName, options: Partial<SequentialKnnOptions> = {}): EvalStrategy {
  switch (name) {
    case 'pop':
    case 'poprec-s3rec':
      return {
        name,
        train(data) {
          const counts = countPopularity(name === 'pop' ? data.sequences : data.complete, data.numItems);
          return { score: (_history, _times, scores) => scores.set(counts) };
        },
      };
    case 'trending':
      return {
        name,
        train(data) {
          let first = Number.POSITIVE_INFINITY;
          let last = Number.NEGATIVE_INFINITY;
          for (const times of data.times)
            for (const time of times) {
              first = Math.min(first, time);
              last = Math.max(last, time);
            }
          const halfLife = Math.max(1, (last - first) / 10);
          const counts = decayedPopularity(data.sequences, data.times, data.numItems, Number.isFinite(last) ? last : 0, halfLife);
          return { score: (_history, _times, scores) => scores.set(counts) };
        },
      };
    case 'repeat':
      return {
        name,
        train(data) {
          const fill = normalized(countPopularity(data.sequences, data.numItems), 0.5);
          return {
            score(history, _times, scores) {
              scores.set(fill);
              for (const item of history) scores[item] = (scores[item] ?? 0) + 1;
            },
          };
        },
      };
    case 'also-bought':
    case 'also-bought-lift':
      return {
        name,
        train(data) {
          const lift = name === 'also-bought-lift';
          const sets = data.sequences.map((sequence) => Int32Array.from(new Set(sequence)));
          const table = buildNeighbours(sets, data.numItems, {
            window: 200,
            decay: 1,
            forward: 1,
            backward: 1,
            normalization: lift ? 'lift' : 'cosine',
            minSupport: lift ? 2 : 1,
            shrink: lift ? 5 : 0,
            topM: 100,
          });
          const fill = normalized(countPopularity(data.sequences, data.numItems), 1e-6);
          // Scored like for-you (recent items count more) so the two differ only in their similarities.
          const model = { options: { ...trainSequentialKnn([], 0).options, ...options }, table, fill };
          return { score: (history, _times, scores) => scoreSequentialKnn(model, history, scores) };
        },
      };
    case 'ease-1000':
    case 'ease-2000':
      return {
        name,
        train(data) {
          // λ = 200: within the range Steck reports for sparse data (hundreds); not tuned on test targets.
          const model = trainEase(data.sequences, data.numItems, { topN: name === 'ease-1000' ? 1000 : 2000, lambda: 200 });
          return { score: (history, _times, scores) => scoreEase(model, history, scores) };
        },
      };
    case 'for-you':
    case 'for-you-repeat':
      return {
        name,
        train(data) {
          const model = trainSequentialKnn(data.sequences, data.numItems, { ...(name === 'for-you-repeat' ? { repeat: 1 } : {}), ...options });
          return { score: (history, _times, scores) => scoreSequentialKnn(model, history, scores) };
        },
      };
  }
}
