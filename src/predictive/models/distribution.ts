/*
 * The distribution of one score over a workspace's profiles, for the dashboard's histograms:
 * counts per bin plus the summary a reader checks first (mean, median, 90th percentile).
 * Pure: plain numbers in, plain numbers out.
 */

export interface Bin {
  /** Inclusive lower edge. */
  from: number;
  /** Exclusive upper edge (the last bin includes it). */
  to: number;
  count: number;
}

export interface Distribution {
  count: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
  bins: Bin[];
}

/** The q-quantile of sorted values by linear interpolation (Hyndman & Fan type 7, as R and NumPy default). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (position - low);
}

/**
 * Counts `values` (non-finite ones dropped) into `bins` equal bins over [lower, upper]; values
 * above `upper` fall in the last bin, so a long tail (CLV) does not squash the histogram.
 * @example distribution([0.1, 0.5, 0.9], { bins: 2, lower: 0, upper: 1 }).bins // [{from: 0, to: 0.5, count: 1}, {from: 0.5, to: 1, count: 2}]
 */
export function distribution(values: readonly number[], options: { bins: number; lower: number; upper: number }): Distribution {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  const bins = Math.max(1, Math.floor(options.bins));
  const width = options.upper > options.lower ? (options.upper - options.lower) / bins : 1;
  const out: Bin[] = Array.from({ length: bins }, (_, index) => ({ from: options.lower + index * width, to: options.lower + (index + 1) * width, count: 0 }));
  for (const value of finite) {
    const index = Math.min(bins - 1, Math.max(0, Math.floor((value - options.lower) / width)));
    const bin = out[index];
    if (bin !== undefined) bin.count += 1;
  }
  const sum = finite.reduce((total, value) => total + value, 0);
  return {
    count: finite.length,
    mean: finite.length === 0 ? null : sum / finite.length,
    median: quantile(finite, 0.5),
    p90: quantile(finite, 0.9),
    min: finite[0] ?? null,
    max: finite.at(-1) ?? null,
    bins: out,
  };
}

/** Bins for a non-negative money score: from 0 to a round number above the 95th percentile. */
export function moneyDistribution(values: readonly number[], bins = 12): Distribution {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  const p95 = quantile(sorted, 0.95) ?? 0;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(1, p95)));
  const upper = Math.max(1, Math.ceil(p95 / magnitude) * magnitude);
  return distribution(sorted, { bins, lower: 0, upper });
}
