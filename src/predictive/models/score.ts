/*
 * Per-customer scores from fitted BG/NBD and Gamma-Gamma models: P(alive), churn risk, expected
 * purchases, expected order value and CLV over an explicit calendar horizon.
 */
import { bgnbdConditionalExpected, bgnbdPAlive, type BgNbdParams } from './bgnbd.js';
import { customerLifetimeValue, unitsPerStep, type CalendarStep } from './clv.js';
import { gammaGammaExpectedSpend, type GammaGammaParams } from './gamma-gamma.js';
import type { PeriodUnit, SummaryColumns } from './summary.js';

export interface ScoreOptions {
  /** The unit t_x and T are measured in. */
  unit: PeriodUnit;
  /** CLV horizon: `clvSteps` steps of `clvStep` (default 12 months), discounted per step. */
  clvSteps?: number;
  clvStep?: CalendarStep;
  /** Discount rate per step (default 0.01: 1% a month, about 12.7% a year). */
  discountRatePerStep?: number;
  /** Churn means no purchase within this many days (default 90). */
  churnDays?: number;
}

export interface CustomerScores {
  pAlive: Float64Array;
  /** P(no purchase in the next `churnDays`) = 1 − P(alive)·(1 − ((α+T)/(α+T+h))^{r+x}). */
  churnRisk: Float64Array;
  /** Expected purchases over the CLV horizon. */
  expectedPurchases: Float64Array;
  /** Expected order value (Gamma-Gamma); NaN-free: null when no spend model. */
  expectedSpend: Float64Array | null;
  /** Discounted CLV over the horizon; null when no spend model. */
  clv: Float64Array | null;
}

/**
 * Scores every customer of a summary.
 * @example const scores = scoreCustomers(bg, gg, data, { unit: 'day' }); scores.clv?.[0];
 */
export function scoreCustomers(bg: BgNbdParams, gg: GammaGammaParams | null, data: SummaryColumns, options: ScoreOptions, onProgress?: (done: number) => void): CustomerScores {
  const n = data.x.length;
  const steps = options.clvSteps ?? 12;
  const stepUnits = unitsPerStep(options.clvStep ?? 'month', options.unit);
  const discount = options.discountRatePerStep ?? 0.01;
  const churnUnits = (options.churnDays ?? 90) / (options.unit === 'week' ? 7 : 1);
  const pAlive = new Float64Array(n);
  const churnRisk = new Float64Array(n);
  const expectedPurchases = new Float64Array(n);
  const expectedSpend = gg ? new Float64Array(n) : null;
  const clv = gg ? new Float64Array(n) : null;
  // Without a finite population mean (q ≤ 1) the spend model cannot value new customers.
  const spendUsable = gg !== null && gg.q > 1;
  for (let i = 0; i < n; i += 1) {
    const x = data.x[i] ?? 0;
    const tx = data.tx[i] ?? 0;
    const T = data.T[i] ?? 0;
    const alive = bgnbdPAlive(bg, x, tx, T);
    pAlive[i] = alive;
    churnRisk[i] = 1 - alive * -Math.expm1((bg.r + x) * Math.log((bg.alpha + T) / (bg.alpha + T + churnUnits)));
    const expected = (t: number) => bgnbdConditionalExpected(bg, t, x, tx, T);
    expectedPurchases[i] = expected(steps * stepUnits);
    if (gg && expectedSpend && clv) {
      const spend = spendUsable ? gammaGammaExpectedSpend(gg, x, data.monetary?.[i] ?? 0) : 0;
      expectedSpend[i] = spend;
      clv[i] = customerLifetimeValue(expected, spend, { steps, unitsPerStep: stepUnits, discountRatePerStep: discount });
    }
    if (onProgress && (i & 0xffff) === 0xffff) onProgress(i + 1);
  }
  onProgress?.(n);
  return { pAlive, churnRisk, expectedPurchases, expectedSpend, clv };
}
