/*
 * RFM scoring, pure. Each dimension is scored 1-5 by quintile of rank, ties sharing a score
 * (so equal customers always score alike); R rewards recent buyers, F and M high values. The
 * named group comes from R and FM = floor((F + M) / 2) on the 5×5 grid below, which follows
 * the eleven segments of Putler's RFM guide (putler.com/rfm-analysis) with its overlapping
 * ranges resolved cell by cell.
 */

export const rfmGroups = ['Champions', 'Loyal', 'Potential Loyalist', 'New', 'Promising', 'Need Attention', 'About to Sleep', 'At Risk', 'Cannot Lose Them', 'Hibernating', 'Lost'] as const;
export type RfmGroup = (typeof rfmGroups)[number];

/** rfmGrid[R - 1][FM - 1]. */
export const rfmGrid: readonly (readonly RfmGroup[])[] = [
  /* R=1 */ ['Lost', 'Lost', 'At Risk', 'Cannot Lose Them', 'Cannot Lose Them'],
  /* R=2 */ ['Hibernating', 'Hibernating', 'At Risk', 'At Risk', 'Cannot Lose Them'],
  /* R=3 */ ['About to Sleep', 'About to Sleep', 'Need Attention', 'Loyal', 'Loyal'],
  /* R=4 */ ['Promising', 'Potential Loyalist', 'Potential Loyalist', 'Loyal', 'Champions'],
  /* R=5 */ ['New', 'Potential Loyalist', 'Potential Loyalist', 'Champions', 'Champions'],
];

/**
 * The named group of an R, F, M score triple (each 1-5).
 * @example rfmGroup(5, 5, 4) // 'Champions'
 */
export function rfmGroup(r: number, f: number, m: number): RfmGroup {
  const fm = Math.floor((f + m) / 2);
  const group = rfmGrid[r - 1]?.[fm - 1];
  if (group === undefined) throw new RangeError(`RFM scores must be integers 1-5, got R=${r} F=${f} M=${m}`);
  return group;
}

/**
 * Quintile scores of values where higher is better: score = 1 + floor(5 (rank - 1) / n), rank
 * being the 1-based position in ascending order with ties taking their lowest rank.
 * @example quintileScores([10, 20, 30, 40, 50]) // [1, 2, 3, 4, 5]
 */
export function quintileScores(values: readonly number[]): number[] {
  const n = values.length;
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const scores = new Array<number>(n).fill(0);
  let rank = 1;
  for (let i = 0; i < n; i++) {
    const item = order[i];
    if (item === undefined) continue;
    if (i > 0 && item.value !== order[i - 1]?.value) rank = i + 1;
    scores[item.index] = 1 + Math.floor((5 * (rank - 1)) / n);
  }
  return scores;
}

export interface RfmInput {
  profileId: string;
  /** Days from the last order to the as-of instant. */
  recencyDays: number;
  orders: number;
  revenue: number;
}

export interface RfmScore extends RfmInput {
  r: number;
  f: number;
  m: number;
  group: RfmGroup;
}

/**
 * Scores every customer: recency (fewer days is better), frequency (orders), monetary (revenue).
 * @example scoreRfm([{ profileId: 'p', recencyDays: 3, orders: 2, revenue: 80 }])[0].group // 'Lost' (one customer scores 1,1,1)
 */
export function scoreRfm(inputs: readonly RfmInput[]): RfmScore[] {
  const r = quintileScores(inputs.map((input) => -input.recencyDays));
  const f = quintileScores(inputs.map((input) => input.orders));
  const m = quintileScores(inputs.map((input) => input.revenue));
  return inputs.map((input, index) => {
    const rs = r[index] ?? 1;
    const fs = f[index] ?? 1;
    const ms = m[index] ?? 1;
    return { ...input, r: rs, f: fs, m: ms, group: rfmGroup(rs, fs, ms) };
  });
}
