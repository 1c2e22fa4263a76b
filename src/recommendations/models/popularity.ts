/*
 * Popularity models: plain counts (PopRec, best-sellers) and time-decayed counts (trending).
 */

/**
 * Interaction counts per item.
 * @example countPopularity([Int32Array.of(1, 1, 0)], 2) // Float64Array [1, 2]
 */
export function countPopularity(sequences: readonly ArrayLike<number>[], numItems: number): Float64Array {
  const counts = new Float64Array(numItems);
  for (const sequence of sequences) {
    for (let i = 0; i < sequence.length; i++) {
      const item = sequence[i] ?? 0;
      if (item >= 0 && item < numItems) counts[item] = (counts[item] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * Exponentially time-decayed popularity: each interaction at time t weighs 2^(-(now - t) / halfLife).
 * Interactions after `now` weigh 1 (clock skew must not make them count more).
 * @example decayedPopularity([Int32Array.of(0)], [Float64Array.of(0)], 1, 10, 10)[0] // 0.5
 */
export function decayedPopularity(sequences: readonly Int32Array[], times: readonly Float64Array[], numItems: number, now: number, halfLife: number): Float64Array {
  const scores = new Float64Array(numItems);
  sequences.forEach((sequence, s) => {
    const sequenceTimes = times[s];
    for (let i = 0; i < sequence.length; i++) {
      const item = sequence[i] ?? 0;
      const age = Math.max(0, now - (sequenceTimes?.[i] ?? now));
      scores[item] = (scores[item] ?? 0) + Math.pow(2, -age / halfLife);
    }
  });
  return scores;
}
