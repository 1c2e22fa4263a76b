import { describe, expect, it } from 'vitest';
import { topK, rankOf } from '../select.js';
import { mineCategoryRules, rulesFor } from './association-rules.js';
import { DecayedCounter } from './decayed-counter.js';
import { trainEase, scoreEase } from './ease.js';
import { buildNeighbours, neighboursOf } from './neighbours.js';
import { decayedPopularity } from './popularity.js';
import { scoreSequentialKnn, trainSequentialKnn } from './sequential-knn.js';

const seqs = (...lists: number[][]) => lists.map((list) => Int32Array.from(list));
const base = { window: Infinity, decay: 1, forward: 1, backward: 1, topM: 10 } as const;

describe('topK and rankOf', () => {
  it('keeps the best k, ties to the lower index, and honours the filter', () => {
    const scores = [3, 9, 9, 1, 7, 9];
    expect(topK(scores.length, (i) => scores[i] ?? 0, 4)).toEqual([1, 2, 5, 4]);
    expect(
      topK(
        scores.length,
        (i) => scores[i] ?? 0,
        2,
        undefined,
        (i) => i !== 1,
      ),
    ).toEqual([2, 5]);
    expect(topK(3, () => 0, 0)).toEqual([]);
    expect(rankOf(Float64Array.from(scores), 4)).toBe(3);
    expect(rankOf(Float64Array.from(scores), 4, (i) => i !== 2)).toBe(2);
  });
});

describe('neighbour tables', () => {
  // Users: {0,1}, {0,1,2}, {0,2}, {3}
  const users = seqs([0, 1], [0, 1, 2], [0, 2], [3]);

  it('normalizes co-occurrence by cosine', () => {
    const table = buildNeighbours(users, 4, { ...base, normalization: 'cosine' });
    // c(0,1) = 2, n0 = 3, n1 = 2: 2 / sqrt(6).
    expect(neighboursOf(table, 0)).toEqual([
      { item: 1, score: expect.closeTo(2 / Math.sqrt(6), 6) },
      { item: 2, score: expect.closeTo(2 / Math.sqrt(6), 6) },
    ]);
    expect(neighboursOf(table, 3)).toEqual([]);
  });

  it('normalizes by lift and drops pairs under the minimum support', () => {
    const table = buildNeighbours(users, 4, { ...base, normalization: 'lift', minSupport: 2 });
    // lift(0,1) = c N / (n0 n1) = 2 * 4 / (3 * 2); (1,2) co-occur once: dropped.
    expect(neighboursOf(table, 1)).toEqual([{ item: 0, score: expect.closeTo(8 / 6, 6) }]);
  });

  it('weights transitions over predecessors inside a decaying window', () => {
    const table = buildNeighbours(seqs([0, 1, 2, 3]), 4, { window: 2, decay: 0.5, forward: 1, backward: 0.25, normalization: 'none', topM: 10 });
    expect(neighboursOf(table, 1)).toEqual([
      { item: 2, score: 0.5 },
      { item: 3, score: 0.25 },
      { item: 0, score: 0.125 },
    ]);
  });

  it('for-you ranks what followed the latest items first and fills the rest by popularity', () => {
    const model = trainSequentialKnn(seqs([0, 1, 2], [0, 1, 2], [3, 4], [5, 5, 5, 5]), 6, { window: 1, backward: 0, historyLength: 1 });
    const scores = new Float64Array(6);
    scoreSequentialKnn(model, Int32Array.of(0, 1), scores);
    const ranking = topK(6, (i) => scores[i] ?? 0, 6);
    expect(ranking[0]).toBe(2);
    // Items no neighbour reaches follow in popularity order (5 is the most frequent).
    expect(ranking.indexOf(5)).toBeLessThan(ranking.indexOf(3));
  });

  it('EASE on a tiny catalogue gives co-occurring items positive weight', () => {
    const model = trainEase(seqs([0, 1], [0, 1], [2, 3], [2, 3], [0, 1, 2]), 4, { topN: 4, lambda: 1 });
    const scores = new Float64Array(4);
    scoreEase(model, Int32Array.of(0), scores);
    expect(scores[1]).toBeGreaterThan(scores[2] ?? 0);
    expect(scores[1]).toBeGreaterThan(scores[3] ?? 0);
  });
});

describe('time decay', () => {
  it('halves a count every half-life, in batch and live, and survives rebasing', () => {
    expect(decayedPopularity(seqs([0, 0]), [Float64Array.of(0, 10)], 1, 10, 10)[0]).toBeCloseTo(1.5, 10);
    const counter = new DecayedCounter(10, 0, 0);
    counter.add(1, 0);
    counter.add(2, 10);
    expect(counter.valueAt(1, 10)).toBeCloseTo(0.5, 10);
    expect(counter.top(2, 10)).toEqual([2, 1]);
    // Far in the future the reference moves; ratios are kept and old items fade out.
    counter.add(2, 10_000);
    counter.add(3, 10_000, 0.5);
    expect(counter.valueAt(2, 10_000)).toBeCloseTo(1, 6);
    expect(counter.top(3, 10_000)).toEqual([2, 3]);
  });

  it('reuses the top list within its cache window, then shows new counts', () => {
    const counter = new DecayedCounter(Infinity, 0, 1000);
    counter.add(1, 0);
    expect(counter.top(1, 0)).toEqual([1]);
    counter.add(2, 1);
    counter.add(2, 1);
    expect(counter.top(1, 500)).toEqual([1]);
    expect(counter.top(1, 1500)).toEqual([2]);
  });
});

describe('category association rules', () => {
  const baskets = [['Jackets', 'Hats'], ['Jackets', 'Hats', 'Gloves'], ['Jackets', 'Gloves'], ['Soap'], ['Soap', 'Shampoo'], ['Hats']];

  it('mines rules with support, confidence and lift, keeping positive associations', () => {
    const rules = mineCategoryRules(baskets, { minCount: 2 });
    const jackets = rules.get('Jackets') ?? [];
    expect(jackets.map((rule) => rule.to)).toEqual(['Gloves', 'Hats']);
    const gloves = jackets[0];
    // Jackets in 3 of 6 baskets, Gloves in 2, both in 2: confidence 2/3, lift (2/3)/(2/6) = 2.
    expect(gloves).toMatchObject({ support: 2 / 6, confidence: 2 / 3 });
    expect(gloves?.lift).toBeCloseTo(2, 10);
    expect(rules.has('Soap')).toBe(false); // one basket only: under the minimum count
  });

  it('applies the nearest parent category rules to a product in a deeper category', () => {
    const rules = mineCategoryRules(
      [
        ['Apparel > Jackets', 'Accessories > Hats'],
        ['Apparel > Jackets', 'Accessories > Hats'],
      ],
      { minCount: 1, minLift: 0 },
    );
    expect(rulesFor(rules, ['Apparel', 'Jackets', 'Parkas']).map((rule) => rule.to)).toEqual(['Accessories > Hats']);
    expect(rulesFor(rules, ['Garden'])).toEqual([]);
  });
});
