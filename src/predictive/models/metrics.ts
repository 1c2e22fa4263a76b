/*
 * How good a prediction is on held-out data: ROC AUC (ties counted half), Brier score and a
 * reliability table with the expected calibration error.
 */

/**
 * Area under the ROC curve by the rank-sum (Mann-Whitney) statistic, with average ranks for
 * ties; null when one class is missing (AUC is undefined then).
 * @example auc([0.9, 0.2, 0.6], [1, 0, 0]) // 1
 */
export function auc(scores: readonly number[], labels: readonly number[]): number | null {
  const order = scores.map((_, i) => i).sort((i, j) => (scores[i] ?? 0) - (scores[j] ?? 0));
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] ?? 0] === scores[order[i] ?? 0]) j += 1;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k += 1) {
      if ((labels[order[k] ?? 0] ?? 0) === 1) {
        positives += 1;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean squared error of probabilities against 0/1 outcomes.
 * @example brierScore([0.8, 0.1], [1, 0]) // 0.025
 */
export function brierScore(probabilities: readonly number[], labels: readonly number[]): number {
  let sum = 0;
  probabilities.forEach((p, i) => {
    sum += (p - (labels[i] ?? 0)) ** 2;
  });
  return probabilities.length === 0 ? 0 : sum / probabilities.length;
}

export interface CalibrationBin {
  /** Upper edge of the predicted-probability bin. */
  upTo: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface Calibration {
  bins: CalibrationBin[];
  /** Expected calibration error: Σ (count/n)·|observed − predicted| over the bins. */
  ece: number;
}

/**
 * Reliability table over equal-width probability bins (default 10), empty bins left out.
 * @example calibration([0.1, 0.8], [0, 1]).ece
 */
export function calibration(probabilities: readonly number[], labels: readonly number[], binCount = 10): Calibration {
  const sums = Array.from({ length: binCount }, () => ({ count: 0, predicted: 0, observed: 0 }));
  probabilities.forEach((p, i) => {
    const bin = sums[Math.min(binCount - 1, Math.max(0, Math.floor(p * binCount)))];
    if (!bin) return;
    bin.count += 1;
    bin.predicted += p;
    bin.observed += labels[i] ?? 0;
  });
  const n = probabilities.length;
  let ece = 0;
  const bins: CalibrationBin[] = [];
  sums.forEach((bin, k) => {
    if (bin.count === 0) return;
    const meanPredicted = bin.predicted / bin.count;
    const observedRate = bin.observed / bin.count;
    ece += (bin.count / n) * Math.abs(observedRate - meanPredicted);
    bins.push({ upTo: (k + 1) / binCount, count: bin.count, meanPredicted, observedRate });
  });
  return { bins, ece };
}
