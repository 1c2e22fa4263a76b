/*
 * Customer lifetime value: expected purchases per step from a transaction model, times the
 * expected spend, discounted per step. The step's length in model time units is explicit:
 * lifetimes' default treats a "month" as 30 time units, which on weekly data is 30 WEEKS
 * (a 12-month CLV then covers seven years); here the caller states the unit and the step.
 */
import { PERIOD_DAYS, type PeriodUnit } from './summary.js';

/** Calendar steps a CLV horizon can be counted in. */
export type CalendarStep = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** Mean Gregorian lengths in days: a month is 365.2425/12 = 30.436875 days (4.348 weeks). */
const STEP_DAYS: Record<CalendarStep, number> = { day: 1, week: 7, month: 365.2425 / 12, quarter: 365.2425 / 4, year: 365.2425 };

/**
 * How many model time units one calendar step spans.
 * @example unitsPerStep('month', 'week') // 4.348125
 */
export function unitsPerStep(step: CalendarStep, unit: PeriodUnit): number {
  return STEP_DAYS[step] / PERIOD_DAYS[unit];
}

export interface ClvOptions {
  /** Number of steps in the horizon (e.g. 12 months). */
  steps: number;
  /** Length of one step in the model's time unit (e.g. unitsPerStep('month', 'week')). */
  unitsPerStep: number;
  /** Discount rate per step (0.01 = 1% a month for monthly steps). */
  discountRatePerStep: number;
}

/**
 * CLV = Σ_{i=1..steps} spend · (E[Y(i·u)] − E[Y((i−1)·u)]) / (1 + d)^i, where E[Y(t)] is the
 * customer's conditional expected number of purchases in the next t time units.
 * @example customerLifetimeValue((t) => bgnbdConditionalExpected(bg, t, 2, 30.43, 38.86), 24.66, { steps: 12, unitsPerStep: 4.345, discountRatePerStep: 0.01 })
 */
export function customerLifetimeValue(expectedPurchases: (t: number) => number, spend: number, options: ClvOptions): number {
  let value = 0;
  let previous = 0;
  for (let i = 1; i <= options.steps; i += 1) {
    const cumulative = expectedPurchases(i * options.unitsPerStep);
    value += (spend * (cumulative - previous)) / (1 + options.discountRatePerStep) ** i;
    previous = cumulative;
  }
  return value;
}

/**
 * Tiers customers by predicted CLV among those with a positive value: the top 10% of them
 * 'high', the next 40% 'medium', the rest 'low'; a CLV of zero (or less) is always 'low', so a
 * tier never contradicts its value (ties share a tier; a higher value never gets a lower tier).
 */
export type ClvTier = 'high' | 'medium' | 'low';

/**
 * Assigns CLV tiers by rank among positive values.
 * @example clvTiers([5, 1, 9, 0]) // ['medium', 'low', 'high', 'low']
 */
export function clvTiers(values: readonly number[]): ClvTier[] {
  const positive = values.filter((value) => value > 0).sort((p, q) => q - p);
  const high = positive[Math.max(0, Math.ceil(positive.length * 0.1) - 1)] ?? Number.POSITIVE_INFINITY;
  const medium = positive[Math.max(0, Math.ceil(positive.length * 0.5) - 1)] ?? Number.POSITIVE_INFINITY;
  return values.map((value) => (!(value > 0) ? 'low' : value >= high ? 'high' : value >= medium ? 'medium' : 'low'));
}
