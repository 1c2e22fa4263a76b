/*
 * Top-K selection over score arrays. A bounded min-heap keeps the K best of n candidates in
 * O(n log K), which beats sorting the catalog on every request. Ties go to the lower index so
 * results are deterministic.
 */

/** True when (scoreA, a) ranks before (scoreB, b): higher score first, then lower index. */
function before(scoreA: number, a: number, scoreB: number, b: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && a < b);
}

/**
 * Indexes of the `k` best candidates by `score(index)`, best first. `candidates` defaults to
 * every index below `count`; `accept` drops candidates (masked items).
 * @example topK(3, (i) => [5, 9, 1][i] ?? 0, 2) // [1, 0]
 */
export function topK(count: number, score: (index: number) => number, k: number, candidates?: ArrayLike<number>, accept?: (index: number) => boolean): number[] {
  if (k <= 0) return [];
  const heapItems = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  const total = candidates === undefined ? count : candidates.length;
  for (let c = 0; c < total; c++) {
    const index = candidates === undefined ? c : (candidates[c] ?? 0);
    if (accept !== undefined && !accept(index)) continue;
    const value = score(index);
    if (Number.isNaN(value)) continue;
    if (size < k) {
      // Sift up: the heap root is the worst kept candidate.
      let child = size++;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        const parentScore = heapScores[parent] ?? 0;
        const parentItem = heapItems[parent] ?? 0;
        if (!before(parentScore, parentItem, value, index)) break;
        heapScores[child] = parentScore;
        heapItems[child] = parentItem;
        child = parent;
      }
      heapScores[child] = value;
      heapItems[child] = index;
    } else if (before(value, index, heapScores[0] ?? 0, heapItems[0] ?? 0)) {
      siftDown(heapItems, heapScores, size, index, value);
    }
  }
  const result: number[] = [];
  for (let i = 0; i < size; i++) result.push(heapItems[i] ?? 0);
  return result.sort((a, b) => {
    const difference = score(b) - score(a);
    return difference !== 0 ? difference : a - b;
  });
}

function siftDown(items: Int32Array, scores: Float64Array, size: number, index: number, value: number): void {
  let parent = 0;
  for (;;) {
    const left = 2 * parent + 1;
    if (left >= size) break;
    const right = left + 1;
    let worst = left;
    if (right < size && before(scores[left] ?? 0, items[left] ?? 0, scores[right] ?? 0, items[right] ?? 0)) worst = right;
    if (!before(value, index, scores[worst] ?? 0, items[worst] ?? 0)) break;
    scores[parent] = scores[worst] ?? 0;
    items[parent] = items[worst] ?? 0;
    parent = worst;
  }
  scores[parent] = value;
  items[parent] = index;
}

/**
 * 0-based rank of `target` among the candidates by score (higher first, ties to the lower
 * index), counting only accepted candidates; -1 when the target is not accepted.
 * @example rankOf(Float64Array.of(0.1, 0.9, 0.5), 2) // 1
 */
export function rankOf(scores: Float64Array | Float32Array, target: number, accept?: (index: number) => boolean): number {
  if (accept !== undefined && !accept(target)) return -1;
  const targetScore = scores[target] ?? 0;
  let rank = 0;
  for (let i = 0; i < scores.length; i++) {
    if (i === target || (accept !== undefined && !accept(i))) continue;
    if (before(scores[i] ?? 0, i, targetScore, target)) rank++;
  }
  return rank;
}
