/*
 * Which products a customer will buy again soon: a logistic model over replenishment features
 * of each (customer, product) pair — how often and how recently they bought it, how due it is
 * against their own and the product's typical interval — trained on a time split and checked
 * on the next period against the recency-only and average-interval baselines.
 */
import { auc } from './metrics.js';
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic.js';
import type { ProductPurchase } from './next-order.js';

const DAY_MS = 86_400_000;

export const REPURCHASE_FEATURES = ['log_count', 'log_days_since', 'due_ratio', 'log_abs_due_gap', 'log_product_interval', 'product_repeat_share', 'customer_share'] as const;

export interface PairFeatures {
  customerId: string;
  productId: string;
  row: number[];
  /** Days since the last purchase of the product (recency baseline). */
  daysSince: number;
  /** |days since − customer's mean interval for the product| (average-interval baseline); product's mean when bought once. */
  averageIntervalDistance: number;
}

/**
 * Features of every (customer, product) pair bought up to `at`, looking `horizonDays` ahead.
 * @example repurchaseFeatures(purchases, Date.now(), 30)
 */
export function repurchaseFeatures(purchases: readonly ProductPurchase[], at: number, horizonDays: number): PairFeatures[] {
  const pairs = new Map<string, { customerId: string; productId: string; times: number[] }>();
  const customerTotals = new Map<string, number>();
  for (const purchase of purchases) {
    if (purchase.at > at) continue;
    const key = `${purchase.customerId}\u0000${purchase.productId}`;
    const entry = pairs.get(key);
    if (entry) entry.times.push(purchase.at);
    else pairs.set(key, { customerId: purchase.customerId, productId: purchase.productId, times: [purchase.at] });
    customerTotals.set(purchase.customerId, (customerTotals.get(purchase.customerId) ?? 0) + 1);
  }
  // Per product: mean repeat gap and share of buyers who bought it again.
  const productStats = new Map<string, { gapSum: number; gaps: number; buyers: number; repeaters: number }>();
  for (const entry of pairs.values()) {
    entry.times.sort((p, q) => p - q);
    const stats = productStats.get(entry.productId) ?? { gapSum: 0, gaps: 0, buyers: 0, repeaters: 0 };
    stats.buyers += 1;
    if (entry.times.length > 1) {
      stats.repeaters += 1;
      stats.gapSum += ((entry.times[entry.times.length - 1] ?? 0) - (entry.times[0] ?? 0)) / DAY_MS;
      stats.gaps += entry.times.length - 1;
    }
    productStats.set(entry.productId, stats);
  }
  let globalGapSum = 0;
  let globalGaps = 0;
  for (const stats of productStats.values()) {
    globalGapSum += stats.gapSum;
    globalGaps += stats.gaps;
  }
  const globalInterval = globalGaps > 0 ? globalGapSum / globalGaps : horizonDays;
  const result: PairFeatures[] = [];
  for (const entry of pairs.values()) {
    const stats = productStats.get(entry.productId);
    const count = entry.times.length;
    const first = entry.times[0] ?? at;
    const last = entry.times[count - 1] ?? at;
    const daysSince = (at - last) / DAY_MS;
    // Shrink the product interval toward the global one with the weight of 3 gaps.
    const productInterval = stats ? (stats.gapSum + 3 * globalInterval) / (stats.gaps + 3) : globalInterval;
    const ownInterval = count > 1 ? (last - first) / DAY_MS / (count - 1) : null;
    const interval = ownInterval === null ? productInterval : ((count - 1) * ownInterval + productInterval) / count;
    const dueIn = interval - daysSince;
    result.push({
      customerId: entry.customerId,
      productId: entry.productId,
      row: [
        Math.log1p(count),
        Math.log1p(daysSince),
        Math.min(10, daysSince / Math.max(interval, 1e-9)),
        // How far the due date is from the window ahead, in days (0 when due inside it).
        Math.log1p(Math.max(0, Math.abs(dueIn - horizonDays / 2) - horizonDays / 2)),
        Math.log1p(productInterval),
        stats ? (stats.repeaters + 1) / (stats.buyers + 2) : 0.5,
        count / (customerTotals.get(entry.customerId) ?? count),
      ],
      daysSince,
      averageIntervalDistance: Math.abs(daysSince - (ownInterval ?? productInterval)),
    });
  }
  return result;
}

export interface RepurchaseEvaluation {
  pairs: number;
  positives: number;
  auc: number | null;
  baselineRecencyAuc: number | null;
  baselineAverageIntervalAuc: number | null;
}

export interface RepurchaseModel {
  model: LogisticModel;
  trainPairs: number;
  holdout: RepurchaseEvaluation;
}

function labels(pairs: readonly PairFeatures[], purchases: readonly ProductPurchase[], from: number, to: number): number[] {
  const bought = new Set<string>();
  for (const purchase of purchases) if (purchase.at > from && purchase.at <= to) bought.add(`${purchase.customerId}\u0000${purchase.productId}`);
  return pairs.map((pair) => (bought.has(`${pair.customerId}\u0000${pair.productId}`) ? 1 : 0));
}

/**
 * Trains on features at `trainCut` with labels in (trainCut, testCut], evaluates on features at
 * `testCut` with labels in (testCut, end].
 * @example trainRepurchase(purchases, { trainCut, testCut, end, horizonDays: 30 })
 */
export function trainRepurchase(purchases: readonly ProductPurchase[], cuts: { trainCut: number; testCut: number; end: number; horizonDays: number }): RepurchaseModel {
  const train = repurchaseFeatures(purchases, cuts.trainCut, cuts.horizonDays);
  const trainLabels = labels(train, purchases, cuts.trainCut, cuts.testCut);
  const model = fitLogistic(
    REPURCHASE_FEATURES,
    train.map((pair) => pair.row),
    trainLabels,
  );
  const test = repurchaseFeatures(purchases, cuts.testCut, cuts.horizonDays);
  const testLabels = labels(test, purchases, cuts.testCut, cuts.end);
  return {
    model,
    trainPairs: train.length,
    holdout: {
      pairs: test.length,
      positives: testLabels.reduce((sum, y) => sum + y, 0),
      auc: auc(
        test.map((pair) => predictLogistic(model, pair.row)),
        testLabels,
      ),
      baselineRecencyAuc: auc(
        test.map((pair) => -pair.daysSince),
        testLabels,
      ),
      baselineAverageIntervalAuc: auc(
        test.map((pair) => -pair.averageIntervalDistance),
        testLabels,
      ),
    },
  };
}
