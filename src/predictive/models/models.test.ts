import { describe, expect, it } from 'vitest';
import { Random } from '../../demo/random.js';
import { fitBgNbd } from './bgnbd.js';
import { clvTiers, unitsPerStep } from './clv.js';
import { fitGammaGamma } from './gamma-gamma.js';
import { fitLogistic, predictLogistic } from './logistic.js';
import { auc, calibration } from './metrics.js';
import { fitGapModel, predictNextOrder, replenishment } from './next-order.js';
import { lbfgs, nelderMead } from './optimize.js';
import { fitParetoNbd } from './pareto-nbd.js';
import { parseDate, summariesFromRecords, transactionsFromRecords } from './records.js';
import { scoreCustomers } from './score.js';
import { simulateCustomers } from './simulate.js';
import { digamma, logGamma, logHyp2f1 } from './special.js';
import { croston, stockoutForecast, tsb } from './stockout.js';
import { summarize, toColumns } from './summary.js';

const DAY_MS = 86_400_000;

describe('special functions', () => {
  it('log-gamma and digamma match known values to 1e-13 (relative for large arguments)', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-13);
    expect(Math.abs(logGamma(101) / 363.73937555556347 - 1)).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(10.5) - 13.940625219403763)).toBeLessThan(1e-12);
    expect(Math.abs(digamma(1) + 0.5772156649015329)).toBeLessThan(1e-13);
    expect(Math.abs(digamma(0.25) - -4.227453533376265)).toBeLessThan(1e-12);
  });

  it('2F1 matches closed forms, also when terms grow before they shrink', () => {
    // 2F1(1,1;2;z) = −ln(1−z)/z
    for (const z of [0.1, 0.5, 0.9, 0.999]) expect(Math.abs(Math.exp(logHyp2f1(1, 1, 2, z).log) - -Math.log1p(-z) / z)).toBeLessThan(1e-12 * (-Math.log1p(-z) / z));
    // 2F1(a,b;b;z) = (1−z)^−a, with a = 400 (terms peak near n = a·z/(1−z)).
    const big = logHyp2f1(400, 3, 3, 0.7);
    expect(big.converged).toBe(true);
    expect(Math.abs(big.log - -400 * Math.log(0.3))).toBeLessThan(1e-9 * 400);
    expect(logHyp2f1(1, 1, 2, 1).converged).toBe(false);
  });
});

describe('optimizers', () => {
  it('L-BFGS and Nelder-Mead find the Rosenbrock minimum and report convergence', () => {
    const rosenbrock = (x: readonly number[]) => 100 * ((x[1] ?? 0) - (x[0] ?? 0) ** 2) ** 2 + (1 - (x[0] ?? 0)) ** 2;
    const fit = lbfgs(
      (x, g) => {
        const [a = 0, b = 0] = x;
        g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
        g[1] = 200 * (b - a * a);
        return rosenbrock(x);
      },
      [-1.2, 1],
    );
    expect(fit.status).toBe('converged');
    expect(Math.abs((fit.x[0] ?? 0) - 1)).toBeLessThan(1e-5);
    const simplex = nelderMead(rosenbrock, [-1.2, 1], { maxEvaluations: 5000 });
    expect(simplex.status).toBe('converged');
    expect(Math.abs((simplex.x[1] ?? 0) - 1)).toBeLessThan(1e-4);
  });

  it('reports non-convergence with the optimizer status instead of hiding it', () => {
    const data = simulateCustomers(new Random(3).next.bind(new Random(3)), { customers: 2000, maxAge: 52, bgnbd: { r: 0.5, alpha: 5, a: 0.8, b: 2.5 } });
    const fit = fitBgNbd(data, { optimizer: { maxIterations: 2 } });
    if (fit.status !== 'fitted') throw new Error('fit failed');
    expect(fit.optimizer.converged).toBe(false);
    expect(fit.optimizer.status).toBe('max-iterations');
  });
});

describe('fits on synthetic data', () => {
  // The dropout parameters a, b are the weakly identified ones: their standard error is about 5% at this size.
  it('recovers BG/NBD and Gamma-Gamma parameters from 200,000 simulated customers (r, α, p, q, v within 3%; a, b within 12%)', () => {
    const random = new Random(11);
    const truth = { r: 0.4, alpha: 6, a: 0.7, b: 3 };
    const spend = { p: 5, q: 4, v: 20 };
    const data = simulateCustomers(() => random.next(), { customers: 200_000, maxAge: 60, bgnbd: truth, gammaGamma: spend });
    const bg = fitBgNbd(data);
    const gg = fitGammaGamma(data);
    if (bg.status !== 'fitted' || gg.status !== 'fitted') throw new Error('fit failed');
    for (const key of ['r', 'alpha'] as const) expect(Math.abs(bg.params[key] / truth[key] - 1)).toBeLessThan(0.03);
    for (const key of ['a', 'b'] as const) expect(Math.abs(bg.params[key] / truth[key] - 1)).toBeLessThan(0.12);
    for (const key of ['p', 'q', 'v'] as const) expect(Math.abs(gg.params[key] / spend[key] - 1)).toBeLessThan(0.03);
    const scores = scoreCustomers(
      bg.params,
      gg.params,
      { ...data, x: data.x.slice(0, 1000), tx: data.tx.slice(0, 1000), T: data.T.slice(0, 1000), monetary: data.monetary?.slice(0, 1000) ?? null },
      { unit: 'week' },
    );
    for (let i = 0; i < 1000; i += 1) {
      expect(scores.pAlive[i]).toBeGreaterThan(0);
      expect(scores.pAlive[i]).toBeLessThanOrEqual(1);
      expect(scores.churnRisk[i]).toBeGreaterThanOrEqual(0);
      expect(scores.churnRisk[i]).toBeLessThan(1);
      expect(Number.isFinite(scores.clv?.[i])).toBe(true);
    }
  });

  it('returns "not enough history" and invalid-row states as values', () => {
    const few = toColumns([
      { x: 0, tx: 0, T: 10 },
      { x: 2, tx: 5, T: 10 },
    ]);
    const bg = fitBgNbd(few);
    expect(bg.status).toBe('insufficient-data');
    if (bg.status === 'insufficient-data') expect(bg.message).toBe('not enough history: needs 30 customers, has 2');
    const pareto = fitParetoNbd(toColumns(Array.from({ length: 40 }, () => ({ x: 0, tx: 0, T: 10 }))));
    if (pareto.status !== 'insufficient-data') throw new Error('expected insufficient data');
    expect(pareto.message).toBe('not enough history: needs 10 customers with a repeat purchase, has 0');
    const bad = fitBgNbd(toColumns([{ x: 1, tx: 12, T: 10 }]));
    expect(bad.status).toBe('invalid-data');
    if (bad.status === 'invalid-data') expect(bad.message).toMatch(/t_x \(12\) is after T \(10\)/);
    expect(fitGammaGamma(toColumns([{ x: 1, tx: 1, T: 2 }])).status).toBe('invalid-data');
  });
});

describe('summaries and input records', () => {
  it('merges same-day orders and measures t_x and T in the chosen unit', () => {
    const day = (d: number, hour = 0) => Date.UTC(2024, 0, d, hour);
    const rows = summarize(
      [
        { customerId: 'a', at: day(1, 9), amount: 10 },
        { customerId: 'a', at: day(1, 18), amount: 5 },
        { customerId: 'a', at: day(8), amount: 20 },
        { customerId: 'a', at: day(22), amount: 40 },
        { customerId: 'b', at: day(30), amount: 7 },
      ],
      { unit: 'week', calibrationEnd: day(29) },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ customerId: 'a', x: 2, tx: 3, T: 4, monetary: 30, total: 75 });
  });

  it('reads common column spellings and reports bad lines', () => {
    expect(parseDate('19970101')).toBe(Date.UTC(1997, 0, 1));
    expect(parseDate('2017-01-28T14:06:53')).toBe(Date.UTC(2017, 0, 28, 14, 6, 53));
    expect(parseDate('2017-02-30')).toBeNull();
    const { transactions, issues } = transactionsFromRecords([
      { household_id: '1', transaction_timestamp: '2017-01-28T14:06:53', sales_value: '3.86' },
      { household_id: '2', transaction_timestamp: 'yesterday', sales_value: '1' },
    ]);
    expect(transactions).toEqual([{ customerId: '1', at: Date.UTC(2017, 0, 28, 14, 6, 53), amount: 3.86 }]);
    expect(issues[0]?.line).toBe(2);
    expect(issues[0]?.message).toMatch(/date "yesterday"/);
    expect(transactionsFromRecords([{ who: 'x' }]).issues[0]?.message).toMatch(/no customer id column/);
    const summary = summariesFromRecords([{ ID: '1', frequency: '2', recency: '30.43', T: '38.86' }]);
    expect(summary.rows).toEqual([{ x: 2, tx: 30.43, T: 38.86 }]);
  });
});

describe('CLV units and tiers', () => {
  it('measures a month in weeks by the calendar, and tiers by rank', () => {
    expect(unitsPerStep('month', 'week')).toBeCloseTo(365.2425 / 12 / 7, 12);
    expect(unitsPerStep('year', 'day')).toBe(365.2425);
    const values = Array.from({ length: 20 }, (_, i) => i);
    const tiers = clvTiers(values);
    expect(tiers.filter((tier) => tier === 'high')).toHaveLength(2);
    expect(tiers.filter((tier) => tier === 'medium')).toHaveLength(8);
    expect(tiers[19]).toBe('high');
    expect(tiers[0]).toBe('low');
  });
});

describe('classification metrics and logistic regression', () => {
  it('computes AUC with ties and calibration error', () => {
    expect(auc([0.9, 0.2, 0.6], [1, 0, 0])).toBe(1);
    expect(auc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(auc([0.1, 0.2], [1, 1])).toBeNull();
    const table = calibration([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 1]);
    expect(table.ece).toBeCloseTo(0.05, 12);
  });

  it('recovers logistic weights from simulated data', () => {
    const random = new Random(5);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const x = random.next() * 4 - 2;
      rows.push([x]);
      labels.push(random.next() < 1 / (1 + Math.exp(-(0.5 + 1.5 * x))) ? 1 : 0);
    }
    const model = fitLogistic(['x'], rows, labels, { l2: 0 });
    // P(y|x=0) = σ(0.5) = 0.6225, P(y|x=1) = σ(2) = 0.8808.
    expect(Math.abs(predictLogistic(model, [0]) - 0.6225)).toBeLessThan(0.02);
    expect(Math.abs(predictLogistic(model, [1]) - 0.8808)).toBeLessThan(0.02);
  });
});

describe('next order and replenishment', () => {
  it('never predicts an overdue customer in the past, and falls back to the population', () => {
    const regular = Array.from({ length: 8 }, (_, i) => Date.UTC(2024, 0, 1) + i * 10 * DAY_MS);
    const model = fitGapModel([regular, regular.map((t) => t + 3 * DAY_MS)]);
    if (model === null) throw new Error('no model');
    expect(Math.exp(model.mu)).toBeCloseTo(10, 6);
    const last = regular[regular.length - 1] ?? 0;
    const onTime = predictNextOrder(model, regular, last + DAY_MS);
    expect(((onTime?.nextAt ?? 0) - last) / DAY_MS).toBeCloseTo(10, 3);
    const late = last + 40 * DAY_MS;
    expect(predictNextOrder(model, regular, late)?.nextAt).toBeGreaterThanOrEqual(late);
    const newcomer = predictNextOrder(model, [last], last);
    expect(newcomer?.basis).toBe('population');
    expect(predictNextOrder(model, [], last)).toBeNull();
    expect(fitGapModel([[1, 2]])).toBeNull();
  });

  it('uses a product typical interval for customers who bought it once', () => {
    const purchases = [];
    for (let c = 0; c < 5; c += 1) for (let k = 0; k < 3; k += 1) purchases.push({ customerId: `c${c}`, productId: 'coffee', at: k * 14 * DAY_MS });
    purchases.push({ customerId: 'new', productId: 'coffee', at: 30 * DAY_MS });
    const result = replenishment(purchases, 40 * DAY_MS);
    expect(result.products[0]?.productId).toBe('coffee');
    expect(result.products[0]?.typicalDays).toBeCloseTo(14, 9);
    const fresh = result.due.find((row) => row.customerId === 'new');
    expect(fresh?.basis).toBe('product');
    expect(((fresh?.dueAt ?? 0) - 30 * DAY_MS) / DAY_MS).toBeCloseTo(14, 9);
  });
});

describe('intermittent demand and stock-out', () => {
  it('follows the TSB and Croston recursions by hand', () => {
    // TSB: p0 = 2/6, z0 = 4; days 1..5: 0,0,2,0,0 with α = β = 0.5.
    // p: 1/3 → 1/6 → 1/12 → 13/24 → 13/48 → 13/96; z: 4 → 3 (at the sale).
    expect(tsb([4, 0, 0, 2, 0, 0], { alpha: 0.5, beta: 0.5 }).perDay).toBeCloseTo((13 / 96) * 3, 12);
    // Croston: z0 = 4, q0 = 1; sale after 3 days: z = 3, q = 1 + 0.5·(3 − 1) = 2; SBA: (1 − 0.25)·3/2.
    expect(croston([4, 0, 0, 2, 0, 0], { alpha: 0.5, beta: 0.5 }).perDay).toBeCloseTo(0.75 * 1.5, 12);
    expect(tsb([0, 0, 0], { alpha: 0.1, beta: 0.1 }).perDay).toBe(0);
  });

  it('lists products that run out before a restock arrives, with quantities', () => {
    const steady = new Array<number>(60).fill(2);
    const forecast = stockoutForecast(
      [
        { productId: 'low', inventory: 6, dailyUnits: steady },
        { productId: 'plenty', inventory: 1000, dailyUnits: steady },
        { productId: 'dead', inventory: 5, dailyUnits: new Array<number>(60).fill(0) },
        { productId: 'untracked', inventory: null, dailyUnits: steady },
      ],
      { leadTimeDays: 7, coverDays: 30 },
    );
    expect(forecast.map((row) => row.productId)).toEqual(['low', 'plenty', 'dead']);
    expect(forecast[0]).toMatchObject({ restockNow: true, daysToSellOut: 3, suggestedQuantity: 2 * 37 - 6 });
    expect(forecast[1]?.restockNow).toBe(false);
    expect(forecast[2]).toMatchObject({ daysToSellOut: null, restockNow: false, suggestedQuantity: 0 });
  });
});
