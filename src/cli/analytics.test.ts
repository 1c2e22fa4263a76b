import { describe, expect, it } from 'vitest';
import { analysisBody, DEFAULT_FUNNEL_STEPS } from './analytics.js';

const now = Date.parse('2026-12-07T06:30:00Z');

describe('analytics request bodies', () => {
  it('give a funnel default steps and the last 30 days when nothing is said', () => {
    const body = Object.fromEntries(analysisBody('funnel', {}, now));
    expect(body).toEqual({ steps: DEFAULT_FUNNEL_STEPS.map((event) => ({ event })), from: '2026-11-07T06:30:00.000Z', to: '2026-12-07T06:30:00.000Z' });
  });

  it('read dates as people type them, in options and in --params', () => {
    expect(Object.fromEntries(analysisBody('attribution', { params: '{"from":"2026-11-01","to":"2026-11-30"}' }, now))).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(Object.fromEntries(analysisBody('kpis', { period: 'last-month' }, now))).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(analysisBody('funnel', { steps: 'Product Viewed, Order Completed', from: '7d' }, now).get('steps')).toEqual([{ event: 'Product Viewed' }, { event: 'Order Completed' }]);
    expect(Object.fromEntries(analysisBody('rfm', { params: '{"asOf":"yesterday","compareTo":"last-month"}' }, now))).toEqual({
      asOf: '2026-12-06T00:00:00.000Z',
      compareTo: '2026-11-01T00:00:00.000Z',
    });
    expect(Object.fromEntries(analysisBody('cohorts', { params: '{"anchor":"signup"}' }, now))).toEqual({ anchor: 'signup' });
    expect(analysisBody('cohorts', { from: '2026-01-01' }, now).get('from')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('name the field and the accepted forms when something is wrong', () => {
    expect(() => analysisBody('funnel', { to: 'soon' }, now)).toThrow(/--to: "soon" is not a date; use a date such as 2026-11-01/);
    expect(() => analysisBody('kpis', { params: '{"from":"31/12/2026"}' }, now)).toThrow(/--from: "31\/12\/2026" is not a date/);
    expect(() => analysisBody('funnel', { steps: 'Order Completed' }, now)).toThrow(/--steps needs 2 to 10 event names/);
    expect(() => analysisBody('maturity', { from: '7d' }, now)).toThrow(/takes no period/);
    expect(() => analysisBody('funnel', { params: '[1]' }, now)).toThrow(/--params must be a JSON object/);
  });
});
