import fs from 'node:fs';
import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { averageIntervalNextOrder, fitGapModel, predictNextOrder, type ProductPurchase } from './next-order.js';
import { trainPropensity, type CustomerHistory } from './propensity.js';
import { trainRepurchase } from './repurchase.js';
import { croston, forecastDemand } from './stockout.js';
import { sharedData } from '../../../test/helpers/shared-data.js';

/*
 * Propensity, next order, repurchase and demand forecasts on real retail data with a time split,
 * each against the naive baseline the issue names, by a stated margin:
 * - propensity AUC ≥ recency-only AUC + 0.03 (7 and 30 days), Brier below the base-rate Brier;
 * - next-order MAE ≤ 0.85 × the average-interval baseline's;
 * - Ta-Feng repurchase AUC ≥ both baselines + 0.05;
 * - 28-day demand forecast error ≤ the whole-history mean's.
 * Complete Journey: 75,000 receipt lines of 2,377 households in 2017 (a random line sample, so
 * baskets are partial); Ta-Feng: the Reality Check next-basket split (no timestamps: the basket
 * index is the clock, one basket = one "day").
 */
const DAY_MS = 86_400_000;
const journey = parse(zlib.gunzipSync(fs.readFileSync(sharedData('completejourney-sample', 'transactions_sample.csv.gz'))).toString('utf8'), { columns: true }) as Record<string, string>[];

const baskets = new Map<string, { household: string; at: number; amount: number }>();
for (const line of journey) {
  const id = line.basket_id ?? '';
  const value = Number(line.sales_value);
  const basket = baskets.get(id);
  if (basket) basket.amount += value;
  else baskets.set(id, { household: line.household_id ?? '', at: Date.parse(`${line.transaction_timestamp ?? ''}Z`), amount: value });
}
const byHousehold = new Map<string, { at: number; amount: number }[]>();
for (const basket of baskets.values()) {
  const list = byHousehold.get(basket.household) ?? [];
  list.push({ at: basket.at, amount: basket.amount });
  byHousehold.set(basket.household, list);
}
const histories: CustomerHistory[] = [...byHousehold].map(([id, orders]) => ({ id, orders: orders.sort((p, q) => p.at - q.at) }));
const end = Math.max(...[...baskets.values()].map((basket) => basket.at));

describe('propensity on Complete Journey (time split)', () => {
  for (const horizonDays of [7, 30]) {
    it(`beats recency-only by ≥ 0.03 AUC for the next ${horizonDays} days`, () => {
      const result = trainPropensity(histories, { horizonDays, end });
      if (result.status !== 'trained') throw new Error(result.message);
      const { holdout } = result;
      expect(holdout.customers).toBeGreaterThan(2000);
      expect(holdout.auc ?? 0).toBeGreaterThanOrEqual((holdout.baselineRecencyAuc ?? 1) + 0.03);
      expect(holdout.brier).toBeLessThan(holdout.baselineBrier);
      expect(holdout.calibration.ece).toBeLessThan(0.1);
      expect(result.model.optimizer.converged).toBe(true);
      expect(result.scores.size).toBe(histories.length);
      for (const p of result.scores.values()) expect(p >= 0 && p <= 1).toBe(true);
    });
  }

  it('says how much history is missing instead of training on too little', () => {
    const result = trainPropensity(histories, { horizonDays: 200, end });
    expect(result.status).toBe('insufficient-data');
    if (result.status === 'insufficient-data') expect(result.message).toMatch(/^not enough history: needs 600 days of order history, has 36\d$/);
  });
});

describe('next order date on Complete Journey', () => {
  for (const cut of ['2017-07-01', '2017-10-01']) {
    it(`has ≤ 0.85 × the average-interval baseline's absolute error (cutoff ${cut})`, () => {
      const at = Date.parse(`${cut}T00:00:00Z`);
      const model = fitGapModel(histories.map((history) => history.orders.filter((order) => order.at <= at).map((order) => order.at)));
      if (model === null) throw new Error('no gaps');
      let gapSum = 0;
      let gapCount = 0;
      for (const history of histories) {
        const known = history.orders.filter((order) => order.at <= at);
        if (known.length > 1) {
          gapSum += ((known[known.length - 1]?.at ?? 0) - (known[0]?.at ?? 0)) / DAY_MS;
          gapCount += known.length - 1;
        }
      }
      let modelError = 0;
      let baselineError = 0;
      let n = 0;
      for (const history of histories) {
        const times = history.orders.map((order) => order.at);
        const next = times.find((t) => t > at);
        if (next === undefined || !times.some((t) => t <= at)) continue;
        const predicted = predictNextOrder(model, times, at);
        const baseline = averageIntervalNextOrder(times, gapSum / gapCount, at);
        if (predicted === null || baseline === null) throw new Error('no prediction for a customer with orders');
        expect(predicted.nextAt).toBeGreaterThanOrEqual(at);
        modelError += Math.abs(predicted.nextAt - next) / DAY_MS;
        baselineError += Math.abs(baseline - next) / DAY_MS;
        n += 1;
      }
      expect(n).toBeGreaterThan(1900);
      expect(modelError / n).toBeLessThanOrEqual(0.85 * (baselineError / n));
    });
  }
});

describe('repurchase (replenishment) on Ta-Feng next baskets', () => {
  it('beats recency-only and average-interval by ≥ 0.05 AUC on the future basket', () => {
    const history = JSON.parse(zlib.gunzipSync(fs.readFileSync(sharedData('tafeng-nbr', 'tafeng_history.json.gz'))).toString('utf8')) as Record<string, number[][]>;
    const future = JSON.parse(zlib.gunzipSync(fs.readFileSync(sharedData('tafeng-nbr', 'tafeng_future.json.gz'))).toString('utf8')) as Record<string, number[][]>;
    const purchases: ProductPurchase[] = [];
    const real = (basket: number[]) => !(basket.length === 1 && basket[0] === -1);
    for (const [user, list] of Object.entries(history)) {
      const baskets = list.filter(real);
      // The future basket is "day" 0, history basket k of n is day k − n.
      baskets.forEach((basket, k) => {
        for (const item of basket) purchases.push({ customerId: user, productId: String(item), at: (k - baskets.length) * DAY_MS });
      });
      for (const basket of (future[user] ?? []).filter(real)) for (const item of basket) purchases.push({ customerId: user, productId: String(item), at: 0 });
    }
    // Train: predict the last history basket from the earlier ones; test: the future basket.
    const result = trainRepurchase(purchases, { trainCut: -1.5 * DAY_MS, testCut: -0.5 * DAY_MS, end: 0.5 * DAY_MS, horizonDays: 1 });
    const { holdout } = result;
    expect(holdout.positives).toBeGreaterThan(10_000);
    expect(holdout.auc ?? 0).toBeGreaterThanOrEqual((holdout.baselineRecencyAuc ?? 1) + 0.05);
    expect(holdout.auc ?? 0).toBeGreaterThanOrEqual((holdout.baselineAverageIntervalAuc ?? 1) + 0.05);
  });
});

describe('demand forecast on Complete Journey products', () => {
  it('forecasts the last 28 days of the 100 best-selling products at least as well as the whole-history mean', () => {
    const start = Date.parse('2017-01-01T00:00:00Z');
    const days = 365;
    const units = new Map<string, number[]>();
    for (const line of journey) {
      const quantity = Number(line.quantity);
      // Fuel-type lines carry odometer-like quantities (up to 32,623); see the data README.
      if (!(quantity > 0 && quantity < 100)) continue;
      const day = Math.floor((Date.parse(`${line.transaction_timestamp ?? ''}Z`) - start) / DAY_MS);
      if (day < 0 || day >= days) continue;
      const series = units.get(line.product_id ?? '') ?? new Array<number>(days).fill(0);
      series[day] = (series[day] ?? 0) + quantity;
      units.set(line.product_id ?? '', series);
    }
    const top = [...units].sort((p, q) => q[1].reduce((s, u) => s + u, 0) - p[1].reduce((s, u) => s + u, 0)).slice(0, 100);
    let tsbError = 0;
    let crostonError = 0;
    let meanError = 0;
    for (const [, series] of top) {
      const train = series.slice(0, days - 28);
      const actual = series.slice(days - 28).reduce((s, u) => s + u, 0);
      tsbError += Math.abs(forecastDemand(train).perDay * 28 - actual);
      crostonError += Math.abs(croston(train, { alpha: 0.1, beta: 0.1 }).perDay * 28 - actual);
      meanError += Math.abs((train.reduce((s, u) => s + u, 0) / train.length) * 28 - actual);
    }
    expect(tsbError).toBeLessThanOrEqual(meanError);
    expect(Number.isFinite(crostonError)).toBe(true);
  });
});
