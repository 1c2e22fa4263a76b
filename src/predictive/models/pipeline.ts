/*
 * One refresh of a workspace's predictive models, as a pure function: behaviour per profile in,
 * profile scores and a model report out. The service around it reads the store and writes the
 * results; everything that decides lives here so it is tested without a database.
 */
import { bgnbdConditionalExpected, fitBgNbd, type BgNbdParams } from './bgnbd.js';
import { clvTiers, type CalendarStep, type ClvTier } from './clv.js';
import { fitProblem, insufficient, type FitOutcome, type InsufficientData } from './fit.js';
import { fitGammaGamma, type GammaGammaParams } from './gamma-gamma.js';
import { fitGapModel, predictNextOrder, replenishment, type GapModel, type ProductInterval, type ProductPurchase } from './next-order.js';
import { trainPropensity, type ActivityKind, type CustomerHistory, type HoldoutReport } from './propensity.js';
import { scoreCustomers } from './score.js';
import { stockoutForecast, type StockForecast } from './stockout.js';
import { summarize, toColumns, type Transaction } from './summary.js';

const DAY_MS = 86_400_000;

export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface ProfileOrder {
  at: number;
  amount: number;
  /** ISO 4217 code from the order, when it says. */
  currency?: string | undefined;
  products: OrderLine[];
}

/** Everything the models use about one profile, sorted by time. */
export interface ProfileBehaviour {
  profileId: string;
  orders: ProfileOrder[];
  activity: { at: number; kind: ActivityKind }[];
}

export interface ScoreOutput {
  profileId: string;
  key: string;
  value: number | string | boolean | null;
}

export interface PipelineOptions {
  /** CLV horizon (default 12 months at 1% a month). */
  clvSteps?: number;
  clvStep?: CalendarStep;
  discountRatePerStep?: number;
  /** Stock-out: days of sales history per product (default 120), lead time and cover days. */
  demandDays?: number;
  leadTimeDays?: number;
  coverDays?: number;
  /** Iteration budget of each BG/NBD start (default 1000); a fit that needs more fails the refresh. */
  fitMaxIterations?: number;
}

export interface PipelineInput {
  profiles: readonly ProfileBehaviour[];
  inventory: readonly { productId: string; name: string; inventory: number }[];
  now: number;
  options?: PipelineOptions;
}

export type Skipped = { status: 'skipped'; reason: string };

export interface PropensityReport {
  status: 'trained';
  horizonDays: number;
  trainRows: number;
  holdout: HoldoutReport;
  features: string[];
  weights: number[];
  converged: boolean;
}

export interface ClvHoldout {
  status: 'checked';
  days: number;
  customers: number;
  /** Repeat orders (distinct days) in the held-out days: forecast and actual, over customers known before them. */
  predictedOrders: number;
  actualOrders: number;
  /** predicted / actual − 1; null when nothing happened in the held-out days. */
  relativeError: number | null;
  /** Mean absolute error per customer, and the Pearson correlation of forecast and actual. */
  mae: number;
  correlation: number | null;
}

export interface PredictiveReport {
  now: string;
  /** The time unit of the BG/NBD parameters (α is in days). */
  unit: 'day';
  data: { profiles: number; customers: number; orders: number; repeatCustomers: number; firstOrderAt: string | null; lastOrderAt: string | null; trackedProducts: number };
  clv: {
    /** The orders' currency (the most common one); CLV and order values are in it. Orders in other currencies are counted, not converted. */
    currency: string | null;
    ordersInOtherCurrencies: number;
    bgnbd: FitOutcome<BgNbdParams>;
    gammaGamma: FitOutcome<GammaGammaParams> | Skipped;
    horizon: { steps: number; step: CalendarStep; discountRatePerStep: number };
    /** Fit quality out of sample: BG/NBD refitted without the last `days`, its forecast of them against what happened. */
    holdout: ClvHoldout | InsufficientData | Skipped;
    meanPredictedClv: number | null;
    tiers: Record<ClvTier, number> | null;
  };
  propensity: Record<'7d' | '30d', PropensityReport | InsufficientData>;
  nextOrder: ({ status: 'fitted'; medianIntervalDays: number; predicted: number } & GapModel) | InsufficientData;
  replenishment: { products: ProductInterval[]; pairs: number };
  stockout: { tracked: number; restock: StockForecast[]; soonest: StockForecast[] };
  seconds: Record<string, number>;
  scores: { written: number; keys: string[] };
  /** Why this refresh wrote no scores at all (a fit that did not converge or is degenerate); null when it could write them. */
  failure: string | null;
}

export interface PipelineResult {
  report: PredictiveReport;
  /** Score rows grouped by the source they are written under; empty when `report.failure` is set. */
  scores: { source: string; rows: ScoreOutput[] }[];
}

/** Phases reported to `onProgress`, in order. */
export const PIPELINE_PHASES = ['clv', 'propensity', 'next-order', 'stock-out'] as const;
export type PipelinePhase = (typeof PIPELINE_PHASES)[number];

const iso = (ms: number) => new Date(ms).toISOString();
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** What every phase of one pipeline run reads, and where it records its scores and timings. */
interface PipelineRun {
  input: PipelineInput;
  now: number;
  options: PipelineOptions;
  /** Runs `work`, recording its seconds under `name` in the report. */
  timed: <T>(name: string, work: () => T) => T;
  onProgress: ((phase: PipelinePhase, fraction: number) => void) | undefined;
  /** Every profile with its orders up to `now`; `buyers` are those with at least one. */
  profiles: ProfileBehaviour[];
  buyers: ProfileBehaviour[];
  scoreRows: { source: string; rows: ScoreOutput[] }[];
}

/**
 * Fits every model on the workspace's behaviour and scores its profiles.
 * @example const { report, scores } = runPipeline({ profiles, inventory, now: Date.now() });
 */
export function runPipeline(input: PipelineInput, onProgress?: (phase: PipelinePhase, fraction: number) => void): PipelineResult {
  const { now } = input;
  const seconds: Record<string, number> = {};
  const timed = <T>(name: string, work: () => T): T => {
    const start = performance.now();
    const result = work();
    seconds[name] = round((performance.now() - start) / 1000, 3);
    return result;
  };
  const profiles = input.profiles.map((profile) => ({ ...profile, orders: profile.orders.filter((order) => order.at <= now) }));
  const buyers = profiles.filter((profile) => profile.orders.length > 0);
  const run: PipelineRun = { input, now, options: input.options ?? {}, timed, onProgress, profiles, buyers, scoreRows: [] };
  const { clv, failure } = clvPhase(run);
  const propensity = propensityPhase(run);
  const { nextOrder, refill } = nextOrderPhase(run);
  const forecasts = stockoutPhase(run);

  const { scoreRows } = run;
  if (failure !== null) scoreRows.length = 0;
  const written = scoreRows.reduce((sum, group) => sum + group.rows.length, 0);
  const keys = [...new Set(scoreRows.flatMap((group) => group.rows.map((row) => row.key)))].sort();
  const report: PredictiveReport = {
    now: iso(now),
    unit: 'day',
    data: dataSummary(run),
    clv,
    propensity,
    nextOrder,
    replenishment: { products: refill.products.slice(0, 50), pairs: refill.due.length },
    stockout: { tracked: forecasts.length, restock: forecasts.filter((row) => row.restockNow).slice(0, 100), soonest: forecasts.slice(0, 20) },
    seconds,
    scores: { written, keys },
    failure: failure === null ? null : `${failure}; no scores were written and the previous scores stay`,
  };
  return { report, scores: scoreRows };
}

/** How much behaviour the models had to learn from. */
function dataSummary(run: PipelineRun): PredictiveReport['data'] {
  const { profiles, buyers } = run;
  let orders = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const profile of buyers) {
    orders += profile.orders.length;
    first = Math.min(first, profile.orders[0]?.at ?? first);
    last = Math.max(last, profile.orders[profile.orders.length - 1]?.at ?? last);
  }
  return {
    profiles: profiles.length,
    customers: buyers.length,
    orders,
    repeatCustomers: buyers.filter((profile) => profile.orders.length > 1).length,
    firstOrderAt: Number.isFinite(first) ? iso(first) : null,
    lastOrderAt: Number.isFinite(last) ? iso(last) : null,
    trackedProducts: run.input.inventory.length,
  };
}

/** The orders' currency (the most common one) and how many orders are in others. */
function ordersCurrency(buyers: readonly ProfileBehaviour[]): { currency: string | null; ordersInOtherCurrencies: number } {
  const currencies = new Map<string, number>();
  for (const profile of buyers) for (const order of profile.orders) if (order.currency !== undefined) currencies.set(order.currency, (currencies.get(order.currency) ?? 0) + 1);
  const currency = [...currencies].sort((p, q) => q[1] - p[1])[0]?.[0] ?? null;
  return { currency, ordersInOtherCurrencies: [...currencies].reduce((sum, [code, count]) => (code === currency ? sum : sum + count), 0) };
}

/**
 * 1. CLV: BG/NBD + Gamma-Gamma in days, horizon in calendar months. A fit that did not converge
 * or ran to degenerate parameters is the run's `failure`: no scores are written and the previous ones stay.
 */
function clvPhase(run: PipelineRun): { clv: PredictiveReport['clv']; failure: string | null } {
  const { buyers, now, options, timed, onProgress } = run;
  onProgress?.('clv', 0);
  const transactions: Transaction[] = [];
  for (const profile of buyers) for (const order of profile.orders) transactions.push({ customerId: profile.profileId, at: order.at, amount: order.amount });
  const summary = summarize(transactions, { unit: 'day', calibrationEnd: now });
  const data = toColumns(summary);
  const bgnbd = timed('bgnbd', () => fitBgNbd(data, options.fitMaxIterations === undefined ? {} : { optimizer: { maxIterations: options.fitMaxIterations } }));
  let failure = bgnbd.status === 'fitted' ? fitProblem('BG/NBD', bgnbd) : null;
  const gammaGamma: FitOutcome<GammaGammaParams> | Skipped =
    bgnbd.status !== 'fitted' ? { status: 'skipped', reason: 'BG/NBD was not fitted' } : failure !== null ? { status: 'skipped', reason: failure } : timed('gammaGamma', () => fitGammaGamma(data));
  if (failure === null && gammaGamma.status === 'fitted') failure = fitProblem('Gamma-Gamma', gammaGamma);
  const horizon = { steps: options.clvSteps ?? 12, step: options.clvStep ?? 'month', discountRatePerStep: options.discountRatePerStep ?? 0.01 };
  let meanPredictedClv: number | null = null;
  let tiers: Record<ClvTier, number> | null = null;
  if (bgnbd.status === 'fitted' && failure === null) {
    const spend = gammaGamma.status === 'fitted' ? gammaGamma.params : null;
    const scores = timed('scoreClv', () =>
      scoreCustomers(bgnbd.params, spend, data, { unit: 'day', clvSteps: horizon.steps, clvStep: horizon.step, discountRatePerStep: horizon.discountRatePerStep }, (done) =>
        onProgress?.('clv', done / Math.max(1, summary.length)),
      ),
    );
    const rows: ScoreOutput[] = [];
    // Tiers are drawn from the values as written, so a 0.00 CLV is never 'high'.
    const clvValues = scores.clv ? Array.from(scores.clv, (value) => round(value, 2)) : null;
    const tierList = clvValues ? clvTiers(clvValues) : null;
    summary.forEach((customer, i) => {
      rows.push({ profileId: customer.customerId, key: 'p_alive', value: round(scores.pAlive[i] ?? 0, 4) });
      rows.push({ profileId: customer.customerId, key: 'churn_risk', value: round(scores.churnRisk[i] ?? 0, 4) });
      rows.push({ profileId: customer.customerId, key: 'expected_orders_90d', value: round(bgnbdConditionalExpected(bgnbd.params, 90, customer.x, customer.tx, customer.T), 4) });
      if (clvValues && tierList) {
        rows.push({ profileId: customer.customerId, key: 'predicted_clv', value: clvValues[i] ?? 0 });
        rows.push({ profileId: customer.customerId, key: 'clv_tier', value: tierList[i] ?? 'low' });
      }
    });
    if (clvValues && tierList) {
      meanPredictedClv = round(clvValues.reduce((sum, value) => sum + value, 0) / Math.max(1, clvValues.length), 2);
      tiers = { high: 0, medium: 0, low: 0 };
      for (const tier of tierList) tiers[tier] += 1;
    }
    run.scoreRows.push({ source: 'predictive:clv', rows });
  }
  const holdout: PredictiveReport['clv']['holdout'] =
    bgnbd.status === 'fitted' && failure === null ? timed('clvHoldout', () => clvHoldout(transactions, now)) : { status: 'skipped', reason: 'BG/NBD was not fitted' };
  onProgress?.('clv', 1);
  return { clv: { ...ordersCurrency(buyers), bgnbd, gammaGamma, horizon, holdout, meanPredictedClv, tiers }, failure };
}

/** 2. Propensity to order in the next 7 and 30 days. */
function propensityPhase(run: PipelineRun): PredictiveReport['propensity'] {
  const { profiles, now, timed, onProgress } = run;
  onProgress?.('propensity', 0);
  const histories: CustomerHistory[] = profiles.map((profile) => ({ id: profile.profileId, orders: profile.orders, activity: profile.activity }));
  const propensityRows: ScoreOutput[] = [];
  const propensityFor = (label: '7d' | '30d', horizonDays: number): PropensityReport | InsufficientData => {
    const trained = timed(`propensity${label}`, () => trainPropensity(histories, { horizonDays, end: now }));
    if (trained.status !== 'trained') return trained;
    for (const [profileId, p] of trained.scores) propensityRows.push({ profileId, key: `propensity_${label}`, value: round(p, 4) });
    return {
      status: 'trained',
      horizonDays,
      trainRows: trained.trainRows,
      holdout: trained.holdout,
      features: trained.model.features,
      weights: trained.model.weights.map((w) => round(w, 6)),
      converged: trained.model.optimizer.converged,
    };
  };
  const week = propensityFor('7d', 7);
  onProgress?.('propensity', 0.5);
  const month = propensityFor('30d', 30);
  onProgress?.('propensity', 1);
  if (propensityRows.length > 0) run.scoreRows.push({ source: 'predictive:propensity', rows: propensityRows });
  return { '7d': week, '30d': month };
}

/** 3. Next order date and replenishment. */
function nextOrderPhase(run: PipelineRun): { nextOrder: PredictiveReport['nextOrder']; refill: ReturnType<typeof replenishment> } {
  const { buyers, now, timed, onProgress } = run;
  onProgress?.('next-order', 0);
  const nextRows: ScoreOutput[] = [];
  const gapModel = timed('nextOrder', () => fitGapModel(buyers.map((profile) => profile.orders.map((order) => order.at))));
  let nextOrder: PredictiveReport['nextOrder'];
  if (gapModel === null) {
    let gaps = 0;
    for (const profile of buyers) gaps += Math.max(0, profile.orders.length - 1);
    nextOrder = { status: 'insufficient-data', needs: '10 repeat orders', has: `${gaps}`, message: `not enough history: needs 10 repeat orders, has ${gaps}` };
  } else {
    let predicted = 0;
    for (const profile of buyers) {
      const prediction = predictNextOrder(
        gapModel,
        profile.orders.map((order) => order.at),
        now,
      );
      if (prediction === null) continue;
      predicted += 1;
      nextRows.push({ profileId: profile.profileId, key: 'next_order_at', value: iso(prediction.nextAt) });
      nextRows.push({ profileId: profile.profileId, key: 'order_interval_days', value: round(prediction.intervalDays, 1) });
    }
    nextOrder = { status: 'fitted', ...gapModel, medianIntervalDays: round(Math.exp(gapModel.mu), 2), predicted };
  }
  const purchases: ProductPurchase[] = [];
  for (const profile of buyers) for (const order of profile.orders) for (const line of order.products) purchases.push({ customerId: profile.profileId, productId: line.productId, at: order.at });
  const refill = timed('replenishment', () => replenishment(purchases, now));
  const soonest = new Map<string, { productId: string; dueAt: number }>();
  for (const row of refill.due) if (!soonest.has(row.customerId)) soonest.set(row.customerId, { productId: row.productId, dueAt: row.dueAt });
  for (const [profileId, due] of soonest) {
    nextRows.push({ profileId, key: 'next_replenishment_at', value: iso(due.dueAt) });
    nextRows.push({ profileId, key: 'next_replenishment_product', value: due.productId });
  }
  if (nextRows.length > 0) run.scoreRows.push({ source: 'predictive:next-order', rows: nextRows });
  onProgress?.('next-order', 1);
  return { nextOrder, refill };
}

/** 4. Stock-out: daily units per tracked product over the last `demandDays`. */
function stockoutPhase(run: PipelineRun): StockForecast[] {
  const { input, buyers, now, options, timed, onProgress } = run;
  onProgress?.('stock-out', 0);
  const demandDays = options.demandDays ?? 120;
  const tracked = new Map(input.inventory.map((item) => [item.productId, new Array<number>(demandDays).fill(0)]));
  const startDay = Math.floor(now / DAY_MS) - demandDays;
  for (const profile of buyers) {
    for (const order of profile.orders) {
      const day = Math.floor(order.at / DAY_MS) - startDay;
      if (day < 0 || day >= demandDays) continue;
      for (const line of order.products) {
        const series = tracked.get(line.productId);
        if (series) series[day] = (series[day] ?? 0) + line.quantity;
      }
    }
  }
  const forecasts = timed('stockout', () =>
    stockoutForecast(
      input.inventory.map((item) => ({ productId: item.productId, inventory: item.inventory, dailyUnits: tracked.get(item.productId) ?? [] })),
      { leadTimeDays: options.leadTimeDays ?? 7, coverDays: options.coverDays ?? 30 },
    ),
  );
  onProgress?.('stock-out', 1);
  return forecasts;
}

/**
 * Refits BG/NBD on the data before the last `days` (a third of the history, at most 90 days) and
 * compares its conditional forecast for those days with the repeat orders that happened.
 * @example clvHoldout(transactions, Date.now())
 */
export function clvHoldout(transactions: readonly Transaction[], now: number): ClvHoldout | InsufficientData | Skipped {
  let first = Number.POSITIVE_INFINITY;
  for (const t of transactions) first = Math.min(first, t.at);
  const spanDays = Number.isFinite(first) ? Math.floor((now - first) / DAY_MS) : 0;
  const days = Math.min(90, Math.floor(spanDays / 3));
  if (days < 7) return insufficient(21, spanDays, 'days of order history for a hold-out check');
  const cut = now - days * DAY_MS;
  const calibration = summarize(transactions, { unit: 'day', calibrationEnd: cut });
  const fit = fitBgNbd(toColumns(calibration));
  if (fit.status !== 'fitted') return fit.status === 'insufficient-data' ? fit : insufficient(30, calibration.length, 'customers before the hold-out period');
  const problem = fitProblem('BG/NBD without the held-out days', fit);
  if (problem !== null) return { status: 'skipped', reason: problem };
  const later = new Map<string, Set<number>>();
  for (const t of transactions) {
    if (t.at <= cut || t.at > now) continue;
    const daysSeen = later.get(t.customerId) ?? new Set<number>();
    daysSeen.add(Math.floor(t.at / DAY_MS));
    later.set(t.customerId, daysSeen);
  }
  const predicted: number[] = [];
  const actual: number[] = [];
  for (const customer of calibration) {
    predicted.push(bgnbdConditionalExpected(fit.params, days, customer.x, customer.tx, customer.T));
    actual.push(later.get(customer.customerId)?.size ?? 0);
  }
  const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
  const predictedOrders = sum(predicted);
  const actualOrders = sum(actual);
  const n = predicted.length;
  const meanP = predictedOrders / n;
  const meanA = actualOrders / n;
  let cov = 0;
  let varP = 0;
  let varA = 0;
  let absolute = 0;
  for (let i = 0; i < n; i += 1) {
    const dp = (predicted[i] ?? 0) - meanP;
    const da = (actual[i] ?? 0) - meanA;
    cov += dp * da;
    varP += dp * dp;
    varA += da * da;
    absolute += Math.abs((predicted[i] ?? 0) - (actual[i] ?? 0));
  }
  return {
    status: 'checked',
    days,
    customers: n,
    predictedOrders: round(predictedOrders, 2),
    actualOrders,
    relativeError: actualOrders > 0 ? round(predictedOrders / actualOrders - 1, 4) : null,
    mae: round(absolute / n, 4),
    correlation: varP > 0 && varA > 0 ? round(cov / Math.sqrt(varP * varA), 4) : null,
  };
}

/**
 * An order from a stored `Order Completed` message: value from properties.total, revenue or
 * value (else Σ price × quantity of its products), product lines from properties.products.
 * @example parseOrder({ properties: { total: 30, products: [{ product_id: 'p1', quantity: 2 }] } }, at)
 */
export function parseOrder(message: unknown, at: number): ProfileOrder {
  const properties = isObject(message) && isObject(message.properties) ? message.properties : {};
  const products: OrderLine[] = [];
  let lineTotal = 0;
  if (Array.isArray(properties.products)) {
    for (const item of properties.products) {
      if (!isObject(item)) continue;
      const id = item.product_id ?? item.productId ?? item.sku ?? item.id;
      const quantity = toNumber(item.quantity) ?? 1;
      if (typeof id === 'string' || typeof id === 'number') products.push({ productId: String(id), quantity: quantity > 0 ? quantity : 1 });
      lineTotal += (toNumber(item.price) ?? 0) * (quantity > 0 ? quantity : 1);
    }
  }
  const amount = toNumber(properties.total) ?? toNumber(properties.revenue) ?? toNumber(properties.value) ?? lineTotal;
  const currency = typeof properties.currency === 'string' && /^[A-Za-z]{3}$/.test(properties.currency) ? properties.currency.toUpperCase() : undefined;
  return { at, amount: amount > 0 ? amount : 0, currency, products };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toNumber(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}
