import { describe, expect, it } from 'vitest';
import { kpiReport } from './kpi.js';
import { assessMaturity, type MaturityInput } from './maturity.js';
import type { PeriodFigures } from './results.js';

const empty: PeriodFigures = {
  sessions: 0,
  convertedSessions: 0,
  bouncedSessions: 0,
  sessionSeconds: 0,
  orders: 0,
  revenue: 0,
  customers: 0,
  returningCustomers: 0,
  newCustomers: 0,
  newRevenue: 0,
  returningRevenue: 0,
  trafficByKind: {},
  revenuePerCustomerToDate: null,
  promoters: 0,
  detractors: 0,
  surveyAnswers: 0,
};

describe('KPI report', () => {
  const current: PeriodFigures = {
    ...empty,
    sessions: 1000,
    convertedSessions: 30,
    bouncedSessions: 380,
    sessionSeconds: 1000 * 215,
    orders: 30,
    revenue: 3900,
    customers: 28,
    returningCustomers: 7,
    newCustomers: 21,
    newRevenue: 2900,
    returningRevenue: 1000,
    trafficByKind: { organic: 450, paid: 400, direct: 150 },
    revenuePerCustomerToDate: 180,
    promoters: 60,
    detractors: 15,
    surveyAnswers: 100,
  };

  it('computes each measure against its reference and the previous period', () => {
    const lines = kpiReport({ current, previous: { ...current, sessions: 800, convertedSessions: 16 }, spend: { current: 900, previous: 0 } });
    const byKey = new Map(lines.map((line) => [line.key, line]));
    expect(byKey.get('conversion_rate')).toMatchObject({ value: 0.03, previous: 0.02, status: 'watch' });
    expect(byKey.get('conversion_rate')?.change).toBeCloseTo(0.01, 12);
    expect(byKey.get('bounce_rate')).toMatchObject({ value: 0.38, status: 'good' });
    expect(byKey.get('avg_session_seconds')).toMatchObject({ value: 215, status: 'good' });
    expect(byKey.get('aov')).toMatchObject({ value: 130, status: 'good' });
    expect(byKey.get('returning_customer_rate')).toMatchObject({ value: 0.25, status: 'good' });
    expect(byKey.get('organic_share')?.value).toBeCloseTo(450 / 850, 12);
    // $900 for 21 new customers: CPA 42.86 (under $45); ROAS 3900/900 = 4.33.
    expect(byKey.get('cpa')?.value).toBeCloseTo(900 / 21, 12);
    expect(byKey.get('cpa')?.status).toBe('good');
    expect(byKey.get('cpa')?.previous).toBeNull();
    expect(byKey.get('roas')?.value).toBeCloseTo(3900 / 900, 12);
    expect(byKey.get('ltv_cac')?.value).toBeCloseTo(180 / (900 / 21), 12);
    expect(byKey.get('nps')).toMatchObject({ value: 45, status: 'good' });
  });

  it('gives null, never NaN, when a measure cannot be computed', () => {
    const lines = kpiReport({ current: empty, previous: empty, spend: { current: 0, previous: 0 } });
    for (const line of lines) {
      expect(line.value).toBeNull();
      expect(line.status).toBe('n/a');
      expect(line.change).toBeNull();
    }
  });
});

describe('digital maturity', () => {
  const base: MaturityInput = { profiles: 100, identifiedShare: 0, orders: 0, behaviourEvents: 0, channels: ['web'], personalizationEvents: 0, usage: {}, rfmScored: 0, ltvToCac: null };

  it('starts as an Egg with the steps to finish that stage', () => {
    const result = assessMaturity(base);
    expect(result.stage).toBe('Egg');
    expect(result.nextStage).toBe('Egg');
    expect(result.nextSteps).toHaveLength(2);
  });

  it('climbs stage by stage as the shop tracks and does more', () => {
    const egg = { ...base, identifiedShare: 0.4, orders: 10 };
    expect(assessMaturity(egg)).toMatchObject({ stage: 'Egg', nextStage: 'Caterpillar' });
    const caterpillar = { ...egg, behaviourEvents: 50, usage: { funnel: 2 }, channels: ['email', 'web'] };
    expect(assessMaturity(caterpillar)).toMatchObject({ stage: 'Caterpillar', nextStage: 'Imago' });
    const imago = { ...caterpillar, rfmScored: 80, usage: { funnel: 2, cohorts: 1 }, personalizationEvents: 5, channels: ['email', 'sms', 'web'] };
    expect(assessMaturity(imago)).toMatchObject({ stage: 'Imago', nextStage: 'Nirvana' });
    expect(assessMaturity(imago).nextSteps).toHaveLength(1);
    expect(assessMaturity({ ...imago, ltvToCac: 3.2 })).toMatchObject({ stage: 'Nirvana', nextStage: null, nextSteps: [] });
    // A later stage's criteria do not count while an earlier one is missing.
    expect(assessMaturity({ ...imago, behaviourEvents: 0, ltvToCac: 4 }).stage).toBe('Egg');
  });
});
