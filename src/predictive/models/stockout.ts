/*
 * Stock-out forecast for intermittent retail demand. Most products sell on few days, so the
 * daily series is forecast with TSB (Teunter, Syntetos & Babai 2011, EJOR 214(3)): the
 * probability of a sale day and the size of a sale are smoothed separately, and the probability
 * decays on every zero day, so a product that stopped selling stops being forecast. Croston's
 * method (with the Syntetos-Boylan correction) is kept for comparison. Current inventory over
 * the forecast rate gives days to sell-out and a restock list with quantities.
 */

export interface SmoothingParams {
  /** Smoothing of the sale size. */
  alpha: number;
  /** Smoothing of the sale-day probability (TSB) or the interval (Croston). */
  beta: number;
}

export interface DemandForecast {
  /** Expected units per day from the day after the series. */
  perDay: number;
  /** Mean squared one-step-ahead error over the series (after the first sale). */
  mse: number;
  method: 'tsb' | 'croston-sba';
  params: SmoothingParams;
}

/**
 * TSB forecast of daily units. Starts from the first sale: p₀ = sale days / days, z₀ = first sale.
 * @example tsb([0, 0, 3, 0, 0, 0, 2, 0], { alpha: 0.1, beta: 0.1 }).perDay
 */
export function tsb(units: readonly number[], params: SmoothingParams): DemandForecast {
  const firstSale = units.findIndex((u) => u > 0);
  if (firstSale < 0) return { perDay: 0, mse: 0, method: 'tsb', params };
  let saleDays = 0;
  for (const u of units) if (u > 0) saleDays += 1;
  let p = saleDays / units.length;
  let z = units[firstSale] ?? 0;
  let errors = 0;
  let count = 0;
  for (let t = firstSale + 1; t < units.length; t += 1) {
    const demand = units[t] ?? 0;
    errors += (demand - p * z) ** 2;
    count += 1;
    p += params.beta * ((demand > 0 ? 1 : 0) - p);
    if (demand > 0) z += params.alpha * (demand - z);
  }
  return { perDay: p * z, mse: count > 0 ? errors / count : 0, method: 'tsb', params };
}

/**
 * Croston's method with the Syntetos-Boylan bias correction (1 − β/2)·z/q.
 * @example croston([0, 0, 3, 0, 0, 0, 2, 0], { alpha: 0.1, beta: 0.1 }).perDay
 */
export function croston(units: readonly number[], params: SmoothingParams): DemandForecast {
  const firstSale = units.findIndex((u) => u > 0);
  if (firstSale < 0) return { perDay: 0, mse: 0, method: 'croston-sba', params };
  let z = units[firstSale] ?? 0;
  let q = firstSale + 1;
  let sinceLast = 0;
  let errors = 0;
  let count = 0;
  const correction = 1 - params.beta / 2;
  for (let t = firstSale + 1; t < units.length; t += 1) {
    const demand = units[t] ?? 0;
    errors += (demand - (correction * z) / q) ** 2;
    count += 1;
    sinceLast += 1;
    if (demand > 0) {
      z += params.alpha * (demand - z);
      q += params.beta * (sinceLast - q);
      sinceLast = 0;
    }
  }
  return { perDay: (correction * z) / q, mse: count > 0 ? errors / count : 0, method: 'croston-sba', params };
}

const GRID = [0.05, 0.1, 0.2, 0.3];

/**
 * TSB with (α, β) picked from a small grid by in-sample one-step squared error (absolute error
 * would favour forecasting zero on intermittent series: the median day sells nothing).
 * @example forecastDemand(dailyUnits).perDay
 */
export function forecastDemand(units: readonly number[]): DemandForecast {
  let best: DemandForecast | null = null;
  for (const alpha of GRID) {
    for (const beta of GRID) {
      const forecast = tsb(units, { alpha, beta });
      if (best === null || forecast.mse < best.mse) best = forecast;
    }
  }
  return best ?? tsb(units, { alpha: 0.1, beta: 0.1 });
}

export interface StockInput {
  productId: string;
  /** Units on hand now; null when stock is not tracked (such products are skipped). */
  inventory: number | null;
  /** Units sold per day, oldest first, ending yesterday. */
  dailyUnits: readonly number[];
}

export interface StockOptions {
  /** Days a restock takes to arrive (default 7). */
  leadTimeDays?: number;
  /** Days of demand a restock should cover after it arrives (default 30). */
  coverDays?: number;
  /** Safety factor on the demand's standard deviation over the lead time (default 1.65 ≈ 95% service). */
  safetyZ?: number;
}

export interface StockForecast {
  productId: string;
  inventory: number;
  perDay: number;
  /** Days until the inventory runs out at the forecast rate; null when nothing is forecast to sell. */
  daysToSellOut: number | null;
  /** True when it runs out before a restock ordered today would arrive (plus safety stock). */
  restockNow: boolean;
  /** Units to order now to cover lead time + cover days + safety stock (0 when not needed). */
  suggestedQuantity: number;
}

/**
 * Days to sell-out and the restock list, most urgent first.
 * @example stockoutForecast([{ productId: 'p1', inventory: 4, dailyUnits: [0, 1, 0, 2] }])
 */
export function stockoutForecast(products: readonly StockInput[], options: StockOptions = {}): StockForecast[] {
  const lead = options.leadTimeDays ?? 7;
  const cover = options.coverDays ?? 30;
  const z = options.safetyZ ?? 1.65;
  const result: StockForecast[] = [];
  for (const product of products) {
    if (product.inventory === null) continue;
    const forecast = forecastDemand(product.dailyUnits);
    const n = product.dailyUnits.length;
    let mean = 0;
    for (const u of product.dailyUnits) mean += u / Math.max(1, n);
    let variance = 0;
    for (const u of product.dailyUnits) variance += (u - mean) ** 2 / Math.max(1, n - 1);
    const safety = z * Math.sqrt(variance * lead);
    const inventory = Math.max(0, product.inventory);
    const perDay = forecast.perDay;
    const daysToSellOut = perDay > 1e-9 ? inventory / perDay : null;
    const restockNow = perDay > 1e-9 && inventory < perDay * lead + safety;
    // The epsilon keeps a float a hair above a whole number (2.0000000001 units) from ordering one more.
    const suggestedQuantity = restockNow ? Math.max(0, Math.ceil(perDay * (lead + cover) + safety - inventory - 1e-9)) : 0;
    result.push({ productId: product.productId, inventory, perDay, daysToSellOut, restockNow, suggestedQuantity });
  }
  return result.sort((p, q) => (p.daysToSellOut ?? Number.POSITIVE_INFINITY) - (q.daysToSellOut ?? Number.POSITIVE_INFINITY));
}
