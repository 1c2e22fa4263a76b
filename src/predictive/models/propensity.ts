/*
 * Purchase propensity for the next h days: behavioural features at a cutoff (recency,
 * frequency, monetary, tenure, inter-order rhythm, sessions, product views, cart adds, email
 * engagement, RFM quintiles), a logistic regression trained per workspace on a time split, and
 * its quality on the held-out period (AUC, Brier, calibration) next to the recency-only baseline.
 */
import { insufficient, type InsufficientData } from './fit.js';
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic.js';
import { auc, brierScore, calibration, type Calibration } from './metrics.js';

const DAY_MS = 86_400_000;

/** Non-order behaviour the features count. */
export type ActivityKind = 'session' | 'product_view' | 'cart_add' | 'email_open' | 'email_click';
export const ACTIVITY_KINDS: readonly ActivityKind[] = ['session', 'product_view', 'cart_add', 'email_open', 'email_click'];

export interface CustomerHistory {
  id: string;
  /** Orders sorted by time (epoch ms). */
  orders: readonly { at: number; amount: number }[];
  /** Other behaviour sorted by time; empty when the shop sends none. */
  activity?: readonly { at: number; kind: ActivityKind }[];
}

export const FEATURES = [
  'has_ordered',
  'log_recency_days',
  'log_orders',
  'log_orders_30d',
  'log_orders_90d',
  'log_mean_order_value',
  'log_tenure_days',
  'log_mean_gap_days',
  'due_ratio',
  'log_days_since_activity',
  ...ACTIVITY_KINDS.map((kind) => `log_${kind}_30d`),
  'rfm_r',
  'rfm_f',
  'rfm_m',
] as const;

interface RawFeatures {
  hasOrdered: number;
  recencyDays: number;
  orders: number;
  orders30: number;
  orders90: number;
  meanValue: number;
  tenureDays: number;
  meanGapDays: number;
  daysSinceActivity: number;
  activity30: number[];
}

function rawFeatures(history: CustomerHistory, cutoff: number): RawFeatures | null {
  let orders = 0;
  let orders30 = 0;
  let orders90 = 0;
  let total = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const order of history.orders) {
    if (order.at > cutoff) break;
    orders += 1;
    total += order.amount;
    first = Math.min(first, order.at);
    last = Math.max(last, order.at);
    if (order.at > cutoff - 30 * DAY_MS) orders30 += 1;
    if (order.at > cutoff - 90 * DAY_MS) orders90 += 1;
  }
  const activity30 = ACTIVITY_KINDS.map(() => 0);
  let firstSeen = first;
  let lastSeen = last;
  for (const event of history.activity ?? []) {
    if (event.at > cutoff) break;
    firstSeen = Math.min(firstSeen, event.at);
    lastSeen = Math.max(lastSeen, event.at);
    if (event.at > cutoff - 30 * DAY_MS) {
      const k = ACTIVITY_KINDS.indexOf(event.kind);
      activity30[k] = (activity30[k] ?? 0) + 1;
    }
  }
  // Not yet known at the cutoff: no row.
  if (!Number.isFinite(firstSeen)) return null;
  const tenureDays = (cutoff - firstSeen) / DAY_MS;
  const recencyDays = orders > 0 ? (cutoff - last) / DAY_MS : tenureDays;
  return {
    hasOrdered: orders > 0 ? 1 : 0,
    recencyDays,
    orders,
    orders30,
    orders90,
    meanValue: orders > 0 ? total / orders : 0,
    tenureDays,
    meanGapDays: orders > 1 ? (last - first) / DAY_MS / (orders - 1) : 0,
    daysSinceActivity: (cutoff - lastSeen) / DAY_MS,
    activity30,
  };
}

/** Quintile (1..5) of each value within the population, higher value = higher quintile. */
function quintiles(values: readonly number[]): number[] {
  const sorted = [...values].sort((p, q) => p - q);
  return values.map((value) => {
    // Rank of the first element ≥ value: ties share a quintile.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] ?? 0) < value) lo = mid + 1;
      else hi = mid;
    }
    return 1 + Math.min(4, Math.floor((5 * lo) / Math.max(1, sorted.length)));
  });
}

export interface FeatureTable {
  ids: string[];
  rows: number[][];
  /** Recency in days, for the recency-only baseline. */
  recencyDays: number[];
}

/**
 * The feature rows of every customer known at `cutoff` (epoch ms), using only data up to it.
 * @example const table = featuresAt(histories, Date.UTC(2017, 9, 1));
 */
export function featuresAt(histories: readonly CustomerHistory[], cutoff: number): FeatureTable {
  const ids: string[] = [];
  const raws: RawFeatures[] = [];
  for (const history of histories) {
    const raw = rawFeatures(history, cutoff);
    if (raw === null) continue;
    ids.push(history.id);
    raws.push(raw);
  }
  const r = quintiles(raws.map((raw) => -raw.recencyDays));
  const f = quintiles(raws.map((raw) => raw.orders));
  const m = quintiles(raws.map((raw) => raw.meanValue));
  const rows = raws.map((raw, i) => [
    raw.hasOrdered,
    Math.log1p(raw.recencyDays),
    Math.log1p(raw.orders),
    Math.log1p(raw.orders30),
    Math.log1p(raw.orders90),
    Math.log1p(Math.max(0, raw.meanValue)),
    Math.log1p(raw.tenureDays),
    Math.log1p(raw.meanGapDays),
    raw.meanGapDays > 0 ? Math.min(10, raw.recencyDays / raw.meanGapDays) : 0,
    Math.log1p(raw.daysSinceActivity),
    ...raw.activity30.map((count) => Math.log1p(count)),
    r[i] ?? 0,
    f[i] ?? 0,
    m[i] ?? 0,
  ]);
  return { ids, rows, recencyDays: raws.map((raw) => raw.recencyDays) };
}

/** 1 when the customer orders in (from, to]. */
function labelsFor(histories: ReadonlyMap<string, CustomerHistory>, ids: readonly string[], from: number, to: number): number[] {
  return ids.map((id) => ((histories.get(id)?.orders ?? []).some((order) => order.at > from && order.at <= to) ? 1 : 0));
}

export interface HoldoutReport {
  customers: number;
  positives: number;
  auc: number | null;
  /** AUC of ranking by recency alone (most recent first), the naive baseline. */
  baselineRecencyAuc: number | null;
  brier: number;
  /** Brier of predicting the training base rate for everyone. */
  baselineBrier: number;
  calibration: Calibration;
}

export interface PropensityModel {
  status: 'trained';
  horizonDays: number;
  /** Fitted on features at end − h with labels in (end − h, end]; scores customers at `end`. */
  model: LogisticModel;
  /** The time-split check: trained at end − 2h, evaluated at end − h. */
  holdout: HoldoutReport;
  trainRows: number;
  /** P(order within horizonDays after `end`) per customer id. */
  scores: Map<string, number>;
}

export interface PropensityOptions {
  horizonDays: number;
  /** The last moment of data (epoch ms). */
  end: number;
  /** Positives and negatives each period needs (default 20). */
  minClassSize?: number;
}

/**
 * Trains and checks a propensity model on a time split, then scores everyone at `end`.
 * @example const result = trainPropensity(histories, { horizonDays: 30, end: Date.now() });
 */
export function trainPropensity(histories: readonly CustomerHistory[], options: PropensityOptions): PropensityModel | InsufficientData {
  const h = options.horizonDays * DAY_MS;
  const { end } = options;
  const minClass = options.minClassSize ?? 20;
  let firstOrder = Number.POSITIVE_INFINITY;
  for (const history of histories) for (const order of history.orders) firstOrder = Math.min(firstOrder, order.at);
  const spanDays = Number.isFinite(firstOrder) ? Math.max(0, Math.floor((end - firstOrder) / DAY_MS)) : 0;
  // Training features need some history before end − 2h: ask for one more horizon.
  const needDays = 3 * options.horizonDays;
  if (spanDays < needDays) return insufficient(needDays, spanDays, 'days of order history');
  const byId = new Map(histories.map((history) => [history.id, history]));
  const trainCut = end - 2 * h;
  const testCut = end - h;
  const train = featuresAt(histories, trainCut);
  const trainLabels = labelsFor(byId, train.ids, trainCut, testCut);
  const test = featuresAt(histories, testCut);
  const testLabels = labelsFor(byId, test.ids, testCut, end);
  for (const [labels, period] of [
    [trainLabels, 'training'],
    [testLabels, 'held-out'],
  ] as const) {
    const positives = labels.reduce((sum, y) => sum + y, 0);
    if (positives < minClass) return insufficient(minClass, positives, `customers ordering in the ${period} ${options.horizonDays}-day window`);
    if (labels.length - positives < minClass) return insufficient(minClass, labels.length - positives, `customers not ordering in the ${period} ${options.horizonDays}-day window`);
  }
  const checkModel = fitLogistic(FEATURES, train.rows, trainLabels);
  const predicted = test.rows.map((row) => predictLogistic(checkModel, row));
  const baseRate = trainLabels.reduce((sum, y) => sum + y, 0) / trainLabels.length;
  const holdout: HoldoutReport = {
    customers: test.ids.length,
    positives: testLabels.reduce((sum, y) => sum + y, 0),
    auc: auc(predicted, testLabels),
    baselineRecencyAuc: auc(
      test.recencyDays.map((days) => -days),
      testLabels,
    ),
    brier: brierScore(predicted, testLabels),
    baselineBrier: brierScore(
      predicted.map(() => baseRate),
      testLabels,
    ),
    calibration: calibration(predicted, testLabels),
  };
  // The deployed model learns from the most recent complete window.
  const model = fitLogistic(FEATURES, test.rows, testLabels);
  const now = featuresAt(histories, end);
  const scores = new Map<string, number>();
  now.ids.forEach((id, i) => scores.set(id, predictLogistic(model, now.rows[i] ?? [])));
  return { status: 'trained', horizonDays: options.horizonDays, model, holdout, trainRows: train.ids.length, scores };
}
