/*
 * The (x, t_x, T) summary every buy-till-you-die model is fitted on, and how it is built from a
 * list of orders. Time is measured in an explicit period unit (days or weeks) so that no later
 * step has to guess what "a period" means.
 */

/** The time unit the models count in. */
export type PeriodUnit = 'day' | 'week';

export const PERIOD_DAYS: Record<PeriodUnit, number> = { day: 1, week: 7 };

const DAY_MS = 86_400_000;

/** One customer: x repeat purchases, t_x = time of the last one since the first, T = time observed since the first. */
export interface CustomerSummary {
  x: number;
  tx: number;
  T: number;
  /** Mean value of the repeat purchases (Gamma-Gamma's z̄); 0 when x = 0. */
  monetary?: number;
}

/** The same data column-wise, which the fits loop over (a million customers in a few arrays). */
export interface SummaryColumns {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Mean repeat-purchase value, or null when the data has no amounts. */
  monetary: Float64Array | null;
}

/** A bad summary row, as a value: which row, what is wrong, how to fix it. */
export interface SummaryIssue {
  row: number;
  message: string;
}

/**
 * Packs summaries column-wise.
 * @example const data = toColumns([{ x: 2, tx: 30.43, T: 38.86 }]);
 */
export function toColumns(rows: readonly CustomerSummary[]): SummaryColumns {
  const n = rows.length;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const hasMonetary = rows.some((row) => row.monetary !== undefined);
  const monetary = hasMonetary ? new Float64Array(n) : null;
  rows.forEach((row, i) => {
    x[i] = row.x;
    tx[i] = row.tx;
    T[i] = row.T;
    if (monetary) monetary[i] = row.monetary ?? 0;
  });
  return { x, tx, T, monetary };
}

/**
 * Checks the invariants of a summary: x a whole number ≥ 0, 0 ≤ t_x ≤ T, t_x = 0 when
 * x = 0, and (when asked) monetary ≥ 0. Returns the first problem found or null.
 * @example validateSummary(toColumns([{ x: 1, tx: 5, T: 3 }])) // { row: 0, message: 't_x (5) is after T (3)...' }
 */
export function validateSummary(data: SummaryColumns, options: { monetary?: boolean } = {}): SummaryIssue | null {
  const n = data.x.length;
  if (data.tx.length !== n || data.T.length !== n || (data.monetary !== null && data.monetary.length !== n)) return { row: -1, message: 'the x, t_x, T (and monetary) columns have different lengths' };
  for (let i = 0; i < n; i += 1) {
    const x = data.x[i] ?? Number.NaN;
    const tx = data.tx[i] ?? Number.NaN;
    const T = data.T[i] ?? Number.NaN;
    if (!(Number.isInteger(x) && x >= 0)) return { row: i, message: `x (${x}) must be a whole number of repeat purchases, 0 or more` };
    if (!(Number.isFinite(T) && T >= 0)) return { row: i, message: `T (${T}) must be the time observed since the first purchase, 0 or more` };
    if (!(Number.isFinite(tx) && tx >= 0)) return { row: i, message: `t_x (${tx}) must be 0 or more` };
    // Summaries rounded to 2 decimals can put t_x a hair after T.
    if (tx > T + 1e-6 * Math.max(1, T)) return { row: i, message: `t_x (${tx}) is after T (${T}); the last purchase cannot come after the end of observation` };
    if (x === 0 && tx !== 0) return { row: i, message: `t_x (${tx}) must be 0 when x is 0 (no repeat purchase)` };
    const m = options.monetary === true ? data.monetary?.[i] : undefined;
    if (m !== undefined && x > 0 && !(Number.isFinite(m) && m >= 0)) return { row: i, message: `monetary (${m}) must be a mean repeat-purchase value, 0 or more` };
  }
  return null;
}

/** One order: who, when (epoch ms) and how much (in the shop's currency; 0 when unknown). */
export interface Transaction {
  customerId: string;
  at: number;
  amount: number;
}

export interface SummarizeOptions {
  unit: PeriodUnit;
  /** End of the calibration period (epoch ms, inclusive): orders after it are ignored and T is measured to it. Default: the last order's time. */
  calibrationEnd?: number;
  /**
   * Several orders on the same calendar day (UTC) count as one transaction, as in the BTYD
   * package and the published CDNOW summaries (default true).
   */
  mergeSameDay?: boolean;
}

export interface CustomerSummaryWithId extends CustomerSummary {
  customerId: string;
  /** Epoch ms of the first order. */
  firstAt: number;
  /** Epoch ms of the last order inside the calibration period. */
  lastAt: number;
  /** Total value of all orders in the calibration period, first included. */
  total: number;
}

/**
 * Builds (x, t_x, T, monetary) per customer from orders: x = repeat transactions, t_x and T in
 * `unit`s from the first transaction, monetary = mean value of the repeat transactions.
 * Customers whose first order is after the calibration end are left out.
 * @example summarize([{ customerId: 'a', at: Date.UTC(2024,0,1), amount: 10 }], { unit: 'week' })
 */
export function summarize(transactions: readonly Transaction[], options: SummarizeOptions): CustomerSummaryWithId[] {
  const merge = options.mergeSameDay ?? true;
  let end = options.calibrationEnd;
  if (end === undefined) {
    end = Number.NEGATIVE_INFINITY;
    for (const t of transactions) end = Math.max(end, t.at);
  }
  const byCustomer = new Map<string, { at: number; amount: number }[]>();
  for (const t of transactions) {
    if (t.at > end) continue;
    const list = byCustomer.get(t.customerId);
    if (list) list.push({ at: t.at, amount: t.amount });
    else byCustomer.set(t.customerId, [{ at: t.at, amount: t.amount }]);
  }
  const unitMs = PERIOD_DAYS[options.unit] * DAY_MS;
  const result: CustomerSummaryWithId[] = [];
  for (const [customerId, orders] of byCustomer) {
    orders.sort((p, q) => p.at - q.at);
    const visits: { at: number; amount: number }[] = [];
    for (const order of orders) {
      const previous = visits[visits.length - 1];
      if (merge && previous !== undefined && Math.floor(previous.at / DAY_MS) === Math.floor(order.at / DAY_MS)) previous.amount += order.amount;
      else visits.push({ ...order });
    }
    const first = visits[0];
    const last = visits[visits.length - 1];
    if (first === undefined || last === undefined) continue;
    // Calendar days when merging, so day boundaries give whole weeks/days as in BTYD.
    const span = (from: number, to: number) => (merge ? Math.floor(to / DAY_MS) - Math.floor(from / DAY_MS) : (to - from) / DAY_MS) * (DAY_MS / unitMs);
    const x = visits.length - 1;
    let repeatTotal = 0;
    for (let i = 1; i < visits.length; i += 1) repeatTotal += visits[i]?.amount ?? 0;
    const total = repeatTotal + first.amount;
    const T = span(first.at, end);
    result.push({ customerId, x, tx: span(first.at, last.at), T, monetary: x > 0 ? repeatTotal / x : 0, firstAt: first.at, lastAt: last.at, total });
  }
  return result;
}
