/*
 * Next order date and replenishment intervals from the gaps between repeat purchases.
 * Gaps are modelled as log-normal per customer, with the customer's mean log-gap shrunk toward
 * the population's (empirical Bayes: the prior weight κ = within-customer variance / between-
 * customer variance). The prediction is the median of the gap *given that it is already longer
 * than the time elapsed since the last order*, so an overdue customer is never predicted in the
 * past. Per product, the same with the product's typical interval as the fallback.
 */

const DAY_MS = 86_400_000;

/** Standard normal upper tail Q(z) = 1 − Φ(z), via erfc (1e-7 relative suffices for a date). */
function normalUpper(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** erfc with relative error below 1.2e-7 everywhere (Numerical Recipes `erfcc`, Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ⁻¹(p) by Acklam's rational approximation (relative error 1.15e-9). */
function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const tail = (q: number) => {
    const s = Math.sqrt(-2 * Math.log(q));
    return (
      (((((-0.007784894002430293 * s - 0.3223964580411365) * s - 2.400758277161838) * s - 2.549732539343734) * s + 4.374664141464968) * s + 2.938163982698783) /
      ((((0.007784695709041462 * s + 0.3224671290700398) * s + 2.445134137142996) * s + 3.754408661907416) * s + 1)
    );
  };
  if (p < 0.02425) return tail(p);
  if (p > 1 - 0.02425) return -tail(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((-39.69683028665376 * r + 220.9460984245205) * r - 275.9285104469687) * r + 138.357751867269) * r - 30.66479806614716) * r + 2.506628277459239) * q) /
    (((((-54.47609879822406 * r + 161.5858368580409) * r - 155.6989798598866) * r + 66.80131188771972) * r - 13.28068155288572) * r + 1)
  );
}

/** Population parameters of the log-gap model. */
export interface GapModel {
  /** Mean log-gap (log days) across customers. */
  mu: number;
  /** Within-customer standard deviation of log-gaps. */
  sigma: number;
  /** Prior weight, in gaps, of the population mean against a customer's own gaps. */
  kappa: number;
  customers: number;
  gaps: number;
}

/** Gaps shorter than an hour are the same visit split in two; they are merged first. */
const MIN_GAP_DAYS = 1 / 24;

function logGaps(times: readonly number[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i += 1) {
    const days = ((times[i] ?? 0) - (times[i - 1] ?? 0)) / DAY_MS;
    if (days >= MIN_GAP_DAYS) gaps.push(Math.log(days));
  }
  return gaps;
}

/**
 * Fits the population log-gap model from each customer's sorted order times (epoch ms); null
 * when fewer than `minGaps` repeat gaps exist.
 * @example fitGapModel([[t0, t1, t2], [t3, t4]])
 */
export function fitGapModel(orderTimes: readonly (readonly number[])[], minGaps = 10): GapModel | null {
  const perCustomer = orderTimes.map(logGaps).filter((gaps) => gaps.length > 0);
  const all = perCustomer.flat();
  if (all.length < minGaps) return null;
  const mu = all.reduce((sum, g) => sum + g, 0) / all.length;
  let within = 0;
  let withinDf = 0;
  for (const gaps of perCustomer) {
    const mean = gaps.reduce((sum, g) => sum + g, 0) / gaps.length;
    for (const g of gaps) within += (g - mean) ** 2;
    withinDf += gaps.length - 1;
  }
  const total = all.reduce((sum, g) => sum + (g - mu) ** 2, 0) / Math.max(1, all.length - 1);
  const withinVar = withinDf > 0 ? within / withinDf : total;
  // Method of moments: variance of customer means = between + within/n.
  let between = 0;
  for (const gaps of perCustomer) {
    const mean = gaps.reduce((sum, g) => sum + g, 0) / gaps.length;
    between += (mean - mu) ** 2 - withinVar / gaps.length;
  }
  between = Math.max(between / perCustomer.length, 1e-6);
  const kappa = Math.min(50, Math.max(0.25, withinVar / between));
  return { mu, sigma: Math.sqrt(Math.max(withinVar, 1e-4)), kappa, customers: perCustomer.length, gaps: all.length };
}

export interface NextOrderPrediction {
  /** Epoch ms of the predicted next order (never before `at`). */
  nextAt: number;
  /** The customer's expected interval between orders (median, days). */
  intervalDays: number;
  /** 'customer' when the customer's own gaps weigh at least as much as the prior. */
  basis: 'customer' | 'population';
}

/**
 * Predicts the next order of a customer with these sorted order times, as seen at `at`.
 * @example predictNextOrder(model, [t0, t1], Date.now())?.nextAt
 */
export function predictNextOrder(model: GapModel, times: readonly number[], at: number): NextOrderPrediction | null {
  const known = times.filter((t) => t <= at);
  const last = known[known.length - 1];
  if (last === undefined) return null;
  const gaps = logGaps(known);
  const sum = gaps.reduce((total, g) => total + g, 0);
  const muC = (sum + model.kappa * model.mu) / (gaps.length + model.kappa);
  const elapsed = (at - last) / DAY_MS;
  let gapDays = Math.exp(muC);
  if (elapsed > 0) {
    // Median of G given G > elapsed: S(g) = S(elapsed)/2.
    const survive = normalUpper((Math.log(elapsed) - muC) / model.sigma);
    if (survive > 1e-300) gapDays = Math.max(elapsed, Math.exp(muC - model.sigma * normalQuantile(survive / 2)));
    else gapDays = elapsed;
  }
  return { nextAt: last + gapDays * DAY_MS, intervalDays: Math.exp(muC), basis: gaps.length >= model.kappa ? 'customer' : 'population' };
}

/**
 * The "average interval" baseline: last order + the customer's mean gap (population mean gap
 * with fewer than two orders), not before `at`.
 * @example averageIntervalNextOrder([t0, t1], 30, Date.now())
 */
export function averageIntervalNextOrder(times: readonly number[], populationMeanGapDays: number, at: number): number | null {
  const known = times.filter((t) => t <= at);
  const last = known[known.length - 1];
  const first = known[0];
  if (last === undefined || first === undefined) return null;
  const meanGap = known.length > 1 ? (last - first) / DAY_MS / (known.length - 1) : populationMeanGapDays;
  return Math.max(at, last + meanGap * DAY_MS);
}

/** A purchase of one product by one customer. */
export interface ProductPurchase {
  customerId: string;
  productId: string;
  at: number;
}

export interface ProductInterval {
  productId: string;
  /** Median gap between repeat purchases of the product by the same customer (days). */
  typicalDays: number;
  /** Repeat gaps it is based on. */
  gaps: number;
}

export interface Replenishment {
  customerId: string;
  productId: string;
  lastAt: number;
  /** Expected interval for this customer and product (days). */
  intervalDays: number;
  dueAt: number;
  basis: 'customer' | 'product';
}

export interface ReplenishmentResult {
  products: ProductInterval[];
  /** One row per (customer, product) with a known interval, soonest due first. */
  due: Replenishment[];
}

/**
 * Replenishment intervals per product (median repeat gap, from products with at least
 * `minGaps` gaps) and per customer and product (geometric mean of the customer's own gaps,
 * shrunk toward the product's typical interval with the weight of one gap; the product's
 * interval alone when the customer bought it once).
 * @example replenishment(purchases, Date.now()).due[0]
 */
export function replenishment(purchases: readonly ProductPurchase[], at: number, minGaps = 3): ReplenishmentResult {
  const byPair = new Map<string, { customerId: string; productId: string; times: number[] }>();
  for (const purchase of purchases) {
    if (purchase.at > at) continue;
    const key = `${purchase.customerId}\u0000${purchase.productId}`;
    const entry = byPair.get(key);
    if (entry) entry.times.push(purchase.at);
    else byPair.set(key, { customerId: purchase.customerId, productId: purchase.productId, times: [purchase.at] });
  }
  const productGaps = new Map<string, number[]>();
  for (const entry of byPair.values()) {
    entry.times.sort((p, q) => p - q);
    const gaps = logGaps(entry.times);
    if (gaps.length === 0) continue;
    const list = productGaps.get(entry.productId);
    if (list) list.push(...gaps);
    else productGaps.set(entry.productId, [...gaps]);
  }
  const products: ProductInterval[] = [];
  const typical = new Map<string, number>();
  for (const [productId, gaps] of productGaps) {
    if (gaps.length < minGaps) continue;
    const sorted = [...gaps].sort((p, q) => p - q);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
    typical.set(productId, median);
    products.push({ productId, typicalDays: Math.exp(median), gaps: gaps.length });
  }
  const due: Replenishment[] = [];
  for (const entry of byPair.values()) {
    const gaps = logGaps(entry.times);
    const prior = typical.get(entry.productId);
    const lastAt = entry.times[entry.times.length - 1] ?? 0;
    let logInterval: number;
    let basis: Replenishment['basis'];
    if (prior !== undefined) {
      logInterval = (gaps.reduce((sum, g) => sum + g, 0) + prior) / (gaps.length + 1);
      basis = gaps.length >= 1 ? 'customer' : 'product';
    } else if (gaps.length >= 2) {
      logInterval = gaps.reduce((sum, g) => sum + g, 0) / gaps.length;
      basis = 'customer';
    } else continue;
    const intervalDays = Math.exp(logInterval);
    due.push({ customerId: entry.customerId, productId: entry.productId, lastAt, intervalDays, dueAt: lastAt + intervalDays * DAY_MS, basis });
  }
  due.sort((p, q) => p.dueAt - q.dueAt);
  products.sort((p, q) => q.gaps - p.gaps);
  return { products, due };
}
