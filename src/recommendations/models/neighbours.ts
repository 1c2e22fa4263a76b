import { topK } from '../select.js';

/*
 * Item-item neighbour tables: the shared engine of "also bought", "viewed together" and the
 * sequence-aware "for you" model. For each item the co-occurring items are accumulated in a
 * dense scratch array from an inverted index (item → occurrences), normalized, and only the
 * best `topM` are kept, in a compressed sparse row table. Cost is the number of (occurrence,
 * neighbour-in-window) pairs, on typed arrays; memory is items × topM.
 */

export type Normalization = 'cosine' | 'lift' | 'asymmetric' | 'none';

export interface NeighbourOptions {
  /** Positions on each side of an occurrence that count as co-occurring; Infinity = whole sequence. */
  window: number;
  /** Weight multiplier per step of distance (1: distance does not matter). */
  decay: number;
  /** Weight of a neighbour that comes after the item (a transition i → j). */
  forward: number;
  /** Weight of a neighbour that comes before the item. */
  backward: number;
  /**
   * How co-occurrence weights c(i, j) are turned into similarities, with n(i) the occurrence
   * counts: cosine c / sqrt(n_i n_j); lift c N / (n_i n_j) with N sequences; asymmetric
   * c / (n_i^alpha n_j^(1 - alpha)) (Aiolli 2013); none keeps raw weights.
   */
  normalization: Normalization;
  alpha?: number;
  /** Damps similarities resting on little evidence: s * c / (c + shrink). */
  shrink?: number;
  /** Minimum co-occurrence weight for a pair to count (lift needs support to mean anything). */
  minSupport?: number;
  /** Neighbours kept per item. */
  topM: number;
  /** Called every few hundred items with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Neighbours of item i are `items[offsets[i] .. offsets[i + 1])`, best first, with `scores`. */
export interface NeighbourTable {
  numItems: number;
  offsets: Int32Array;
  items: Int32Array;
  scores: Float32Array;
}

/**
 * Learns item neighbours from sequences of item indexes (a user's purchases, a session's views).
 * @example
 * const table = buildNeighbours([Int32Array.of(0, 1), Int32Array.of(0, 1, 2)], 3, { window: Infinity, decay: 1, forward: 1, backward: 1, normalization: 'cosine', topM: 10 });
 * neighboursOf(table, 0) // [{ item: 1, score: 1 }, { item: 2, score: 0.707... }]
 */
export function buildNeighbours(sequences: readonly Int32Array[], numItems: number, options: NeighbourOptions): NeighbourTable {
  const counts = new Float64Array(numItems);
  const occurrenceCounts = new Int32Array(numItems + 1);
  for (const sequence of sequences) {
    for (let p = 0; p < sequence.length; p++) {
      const item = sequence[p] ?? 0;
      counts[item] = (counts[item] ?? 0) + 1;
      occurrenceCounts[item + 1] = (occurrenceCounts[item + 1] ?? 0) + 1;
    }
  }
  // Inverted index in CSR form: occurrences of item i are at [occStart[i], occStart[i + 1]).
  const occStart = new Int32Array(numItems + 1);
  for (let i = 0; i < numItems; i++) occStart[i + 1] = (occStart[i] ?? 0) + (occurrenceCounts[i + 1] ?? 0);
  const fill = occStart.slice(0, numItems);
  const total = occStart[numItems] ?? 0;
  const occSequence = new Int32Array(total);
  const occPosition = new Int32Array(total);
  sequences.forEach((sequence, s) => {
    for (let p = 0; p < sequence.length; p++) {
      const item = sequence[p] ?? 0;
      const at = fill[item] ?? 0;
      occSequence[at] = s;
      occPosition[at] = p;
      fill[item] = at + 1;
    }
  });

  const alpha = options.alpha ?? 0.5;
  const shrink = options.shrink ?? 0;
  const minSupport = options.minSupport ?? 0;
  const sequenceCount = sequences.length;
  const decayPowers = new Float64Array(Math.min(Number.isFinite(options.window) ? options.window + 1 : 1, 4097));
  for (let d = 0; d < decayPowers.length; d++) decayPowers[d] = Math.pow(options.decay, d);

  const scratch = new Float64Array(numItems);
  const touched = new Int32Array(numItems);
  const offsets = new Int32Array(numItems + 1);
  const outItems: number[] = [];
  const outScores: number[] = [];
  const similarity = new Float64Array(numItems);

  for (let i = 0; i < numItems; i++) {
    let touchedCount = 0;
    for (let o = occStart[i] ?? 0, end = occStart[i + 1] ?? 0; o < end; o++) {
      const sequence = sequences[occSequence[o] ?? 0];
      if (sequence === undefined) continue;
      const p = occPosition[o] ?? 0;
      const from = Number.isFinite(options.window) ? Math.max(0, p - options.window) : 0;
      const to = Number.isFinite(options.window) ? Math.min(sequence.length - 1, p + options.window) : sequence.length - 1;
      for (let q = from; q <= to; q++) {
        if (q === p) continue;
        const j = sequence[q] ?? 0;
        if (j === i) continue;
        const distance = q > p ? q - p : p - q;
        const weight = (q > p ? options.forward : options.backward) * (decayPowers[distance] ?? Math.pow(options.decay, distance));
        if (weight === 0) continue;
        if (scratch[j] === 0) touched[touchedCount++] = j;
        scratch[j] = (scratch[j] ?? 0) + weight;
      }
    }
    const ni = counts[i] ?? 0;
    for (let t = 0; t < touchedCount; t++) {
      const j = touched[t] ?? 0;
      const c = scratch[j] ?? 0;
      const nj = counts[j] ?? 0;
      let value: number;
      if (c < minSupport) value = Number.NaN;
      else if (options.normalization === 'cosine') value = c / Math.sqrt(ni * nj);
      else if (options.normalization === 'lift') value = (c * sequenceCount) / (ni * nj);
      else if (options.normalization === 'asymmetric') value = c / (Math.pow(ni, alpha) * Math.pow(nj, 1 - alpha));
      else value = c;
      if (shrink > 0) value *= c / (c + shrink);
      similarity[j] = value;
    }
    const best = topK(numItems, (j) => similarity[j] ?? 0, options.topM, touched.subarray(0, touchedCount));
    for (const j of best) {
      outItems.push(j);
      outScores.push(similarity[j] ?? 0);
    }
    offsets[i + 1] = outItems.length;
    for (let t = 0; t < touchedCount; t++) {
      const j = touched[t] ?? 0;
      scratch[j] = 0;
      similarity[j] = 0;
    }
    if (options.onProgress !== undefined && (i % 500 === 499 || i === numItems - 1)) options.onProgress(i + 1, numItems);
  }
  return { numItems, offsets, items: Int32Array.from(outItems), scores: Float32Array.from(outScores) };
}

/**
 * The neighbours of one item, best first.
 * @example neighboursOf(table, 4).slice(0, 3)
 */
export function neighboursOf(table: NeighbourTable, item: number): { item: number; score: number }[] {
  const result: { item: number; score: number }[] = [];
  if (item < 0 || item >= table.numItems) return result;
  for (let o = table.offsets[item] ?? 0, end = table.offsets[item + 1] ?? 0; o < end; o++) result.push({ item: table.items[o] ?? 0, score: table.scores[o] ?? 0 });
  return result;
}
