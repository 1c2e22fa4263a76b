/*
 * Deterministic assignment hashing, identical to GrowthBook's SDKs so the server, our browser
 * SDK and any GrowthBook SDK put a unit in the same bucket (test vectors from GrowthBook's
 * language-neutral packages/sdk-js/test/cases.json, "hash" section):
 *
 *   fnv1a32(s)      = 32-bit FNV-1a over the UTF-16 code units of s (offset basis 0x811c9dc5,
 *                     prime 0x01000193), as an unsigned integer
 *   bucket v2(seed, unit) = (fnv1a32(decimal(fnv1a32(seed + unit))) mod 10000) / 10000
 *   bucket v1(seed, unit) = (fnv1a32(unit + seed) mod 1000) / 1000   (namespaces/layers only)
 *
 * The double hash of v2 spreads sequential ids (GrowthBook changed to it for that reason).
 */

/**
 * 32-bit FNV-1a over UTF-16 code units.
 * @example fnv1a32('a'); // 0xe40c292c
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A unit's position in [0, 1) for a seed: version 2 for variant buckets, version 1 for layers.
 * @example hashBucket('seed', 'a', 2); // 0.0505
 */
export function hashBucket(seed: string, unit: string, version: 1 | 2 = 2): number {
  if (version === 1) return (fnv1a32(unit + seed) % 1000) / 1000;
  return (fnv1a32(String(fnv1a32(seed + unit))) % 10000) / 10000;
}

/**
 * Bucket ranges per variant: variant i owns [c_i, c_i + traffic × w_i) where c_i is the sum of
 * the weights before it. Raising `traffic` only extends ranges, so units already in keep their
 * variant (GrowthBook's getBucketRanges).
 * @example bucketRanges([0.5, 0.5], 0.5); // [[0, 0.25], [0.5, 0.75]]
 */
export function bucketRanges(weights: readonly number[], traffic: number): Array<[number, number]> {
  const coverage = Math.min(1, Math.max(0, traffic));
  let cumulative = 0;
  return weights.map((weight) => {
    const start = cumulative;
    cumulative += weight;
    return [start, start + coverage * weight];
  });
}

/** Index of the range holding `bucket`, or -1 (outside the traffic). @example chooseVariant(0.6, [[0, 0.5], [0.5, 1]]); // 1 */
export function chooseVariant(bucket: number, ranges: ReadonlyArray<readonly [number, number]>): number {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i];
    if (range !== undefined && bucket >= range[0] && bucket < range[1]) return i;
  }
  return -1;
}

/** Whether a unit falls in a layer's slice [start, end) (GrowthBook's inNamespace). @example inLayer('1', 'namespace1', 0.4, 1); // true */
export function inLayer(unit: string, layer: string, start: number, end: number): boolean {
  const position = hashBucket(`__${layer}`, unit, 1);
  return position >= start && position < end;
}
