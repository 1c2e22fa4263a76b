import type { PeriodFigures } from './results.js';

/*
 * The KPI report, pure: each measure from a period's raw figures, next to the reference a shop
 * is judged by (../shared/PRODUCT.md, "The numbers a shop is judged by") and to the previous
 * period. A measure that cannot be computed (no sessions, no ad spend) is null, never NaN.
 */

export type KpiStatus = 'good' | 'watch' | 'poor' | 'n/a';
export type KpiUnit = 'ratio' | 'seconds' | 'currency' | 'score' | 'multiple';

export interface KpiLine {
  key: string;
  label: string;
  unit: KpiUnit;
  value: number | null;
  previous: number | null;
  /** value - previous (absolute; ratios stay ratios). */
  change: number | null;
  reference: string;
  status: KpiStatus;
}

export interface KpiInput {
  current: PeriodFigures;
  previous: PeriodFigures;
  /** Ad spend entered for each period (0 when none). */
  spend: { current: number; previous: number };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

interface Measure {
  key: string;
  label: string;
  unit: KpiUnit;
  reference: string;
  of: (figures: PeriodFigures, spend: number) => number | null;
  status: (value: number) => KpiStatus;
}

const cpaOf = (figures: PeriodFigures, spend: number): number | null => (spend > 0 ? ratio(spend, figures.newCustomers) : null);

export const kpiMeasures: readonly Measure[] = [
  {
    key: 'conversion_rate',
    label: 'Conversion rate (sessions with an order)',
    unit: 'ratio',
    reference: '2.5% average, aim for 7%',
    of: (f) => ratio(f.convertedSessions, f.sessions),
    status: (v) => (v >= 0.07 ? 'good' : v >= 0.025 ? 'watch' : 'poor'),
  },
  {
    key: 'bounce_rate',
    label: 'Bounce rate (single-event sessions)',
    unit: 'ratio',
    reference: 'under 40%',
    of: (f) => ratio(f.bouncedSessions, f.sessions),
    status: (v) => (v < 0.4 ? 'good' : v < 0.55 ? 'watch' : 'poor'),
  },
  {
    key: 'avg_session_seconds',
    label: 'Average session duration',
    unit: 'seconds',
    reference: 'about 3.5 minutes (210 s)',
    of: (f) => ratio(f.sessionSeconds, f.sessions),
    status: (v) => (v >= 180 ? 'good' : v >= 90 ? 'watch' : 'poor'),
  },
  {
    key: 'aov',
    label: 'Average order value',
    unit: 'currency',
    reference: 'above $125',
    of: (f) => ratio(f.revenue, f.orders),
    status: (v) => (v > 125 ? 'good' : v > 80 ? 'watch' : 'poor'),
  },
  {
    key: 'returning_customer_rate',
    label: 'Returning customers (of buyers in the period)',
    unit: 'ratio',
    reference: '20-30% a month; much higher suggests an acquisition problem',
    of: (f) => ratio(f.returningCustomers, f.customers),
    status: (v) => (v >= 0.2 && v <= 0.3 ? 'good' : 'watch'),
  },
  {
    key: 'new_revenue_share',
    label: 'Revenue from new customers',
    unit: 'ratio',
    reference: 'new vs returning split (no fixed target)',
    of: (f) => ratio(f.newRevenue, f.newRevenue + f.returningRevenue),
    status: () => 'n/a',
  },
  {
    key: 'organic_share',
    label: 'Organic share of organic + paid sessions',
    unit: 'ratio',
    reference: 'about even between organic and paid',
    of: (f) => ratio(f.trafficByKind.organic ?? 0, (f.trafficByKind.organic ?? 0) + (f.trafficByKind.paid ?? 0)),
    status: (v) => (v >= 0.4 && v <= 0.6 ? 'good' : 'watch'),
  },
  {
    key: 'cpa',
    label: 'Cost per acquisition (ad spend / new customers)',
    unit: 'currency',
    reference: 'about $45 across channels',
    of: cpaOf,
    status: (v) => (v <= 45 ? 'good' : v <= 60 ? 'watch' : 'poor'),
  },
  {
    key: 'roas',
    label: 'Return on ad spend (revenue / ad spend)',
    unit: 'multiple',
    reference: '300% (3.0)',
    of: (f, spend) => (spend > 0 ? f.revenue / spend : null),
    status: (v) => (v >= 3 ? 'good' : v >= 1 ? 'watch' : 'poor'),
  },
  {
    key: 'ltv_cac',
    label: 'LTV : CAC (revenue per customer to date / CPA)',
    unit: 'multiple',
    reference: 'LTV well above CAC (3 or more)',
    of: (f, spend) => {
      const cpa = cpaOf(f, spend);
      return cpa === null || cpa === 0 || f.revenuePerCustomerToDate === null ? null : f.revenuePerCustomerToDate / cpa;
    },
    status: (v) => (v >= 3 ? 'good' : v >= 1 ? 'watch' : 'poor'),
  },
  {
    key: 'nps',
    label: 'Net Promoter Score (survey events)',
    unit: 'score',
    reference: 'above 0; above 50 is excellent',
    of: (f) => (f.surveyAnswers > 0 ? ((f.promoters - f.detractors) / f.surveyAnswers) * 100 : null),
    status: (v) => (v > 0 ? 'good' : 'poor'),
  },
];

/**
 * Every KPI of the period against its reference and the previous period.
 * @example kpiReport({ current, previous, spend: { current: 900, previous: 800 } }).find((line) => line.key === 'cpa')
 */
export function kpiReport(input: KpiInput): KpiLine[] {
  return kpiMeasures.map((measure) => {
    const value = measure.of(input.current, input.spend.current);
    const previous = measure.of(input.previous, input.spend.previous);
    return {
      key: measure.key,
      label: measure.label,
      unit: measure.unit,
      value,
      previous,
      change: value === null || previous === null ? null : value - previous,
      reference: measure.reference,
      status: value === null ? 'n/a' : measure.status(value),
    };
  });
}
