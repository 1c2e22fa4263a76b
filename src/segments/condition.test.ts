import { describe, expect, it } from 'vitest';
import { RapportError } from '../shared/errors.js';
import { parseCondition, referencedSegments } from './condition.js';

function issuesOf(input: unknown): { field: string; message: string }[] {
  try {
    parseCondition(input);
  } catch (error) {
    if (error instanceof RapportError) return error.issues.map(({ field, message }) => ({ field, message }));
    throw error;
  }
  throw new Error('expected parseCondition to throw');
}

describe('parseCondition', () => {
  it('accepts one node of every type', () => {
    const condition = {
      type: 'and',
      conditions: [
        { type: 'trait', key: 'email', op: 'exists' },
        { type: 'trait', key: 'birthday', op: 'anniversary', withinDays: 7 },
        { type: 'trait', key: 'createdAt', op: 'anniversary', withinDays: 0, years: 1 },
        { type: 'trait', key: 'plan', op: 'in', values: ['gold', 'silver'] },
        { type: 'trait', key: 'age', op: 'between', min: 18, max: 30 },
        { type: 'score', key: 'churn_risk', op: 'gt', value: 0.7 },
        {
          type: 'event',
          event: 'Order Completed',
          where: [{ property: 'products[].category', op: 'equals', value: 'Shoes' }],
          count: { op: 'at_least', value: 2 },
          aggregate: { fn: 'sum', property: 'revenue', op: 'gte', value: 100 },
          window: { type: 'last', amount: 30, unit: 'days' },
        },
        { type: 'event', event: 'Order Completed', occurrence: 'first', window: { type: 'between', from: '2026-01-01', to: '2026-02-01' } },
        { type: 'not', condition: { type: 'event', event: 'Product Viewed', performed: false, window: { type: 'since', from: '2026-01-01' } } },
        { type: 'computed', key: 'daysSinceLastOrder', op: 'gt', value: 90 },
        { type: 'lifecycle', stages: ['cart_abandoner', 'checkout_abandoner'] },
        { type: 'preferred_channel', channels: ['email'] },
        { type: 'reachable', channel: 'sms' },
        { type: 'location', countries: ['FR'], cities: ['Paris'] },
        { type: 'device', devices: ['mobile'] },
        { type: 'traffic_source', touch: 'first', field: 'campaign', values: ['spring'] },
        {
          type: 'or',
          conditions: [
            { type: 'segment', segmentId: 'seg_1' },
            { type: 'random_bucket', from: 0, to: 10, salt: 'holdout' },
          ],
        },
      ],
    };
    const parsed = parseCondition(condition);
    expect(parsed).toEqual(condition);
    expect(referencedSegments(parsed)).toEqual(['seg_1']);
  });

  it('names the path of an unknown type', () => {
    const issues = issuesOf({ type: 'and', conditions: [{ type: 'trait', key: 'a', op: 'exists' }, { type: 'evnt' }] });
    expect(issues[0]?.field).toBe('conditions[1].type');
    expect(issues[0]?.message).toContain('"evnt" is not a condition type');
  });

  it('names the path of a bad operator and lists the valid ones', () => {
    const issues = issuesOf({ type: 'or', conditions: [{ type: 'not', condition: { type: 'trait', key: 'a', op: 'similar' } }] });
    expect(issues[0]?.field).toBe('conditions[0].condition.op');
    expect(issues[0]?.message).toContain('starts_with');
  });

  it('names a bad field deep inside an event condition', () => {
    const issues = issuesOf({
      type: 'and',
      conditions: [{ type: 'event', event: 'Product Viewed', window: { type: 'last', amount: 2, unit: 'fortnights' } }],
    });
    expect(issues.map((entry) => entry.field)).toContain('conditions[0].window.unit');
  });

  it('rejects unknown fields, missing operands, bad dates, reversed ranges and contradictory options', () => {
    expect(issuesOf({ type: 'trait', key: 'a', op: 'equals', value: 1, extra: true })[0]?.message).toContain('unknown field "extra"');
    expect(issuesOf({ type: 'trait', key: 'a', op: 'equals' })[0]?.field).toBe('value');
    expect(issuesOf({ type: 'trait', key: 'a', op: 'date_before', date: 'yesterday' })[0]).toEqual({
      field: 'date',
      message: '"yesterday" is not a date; use ISO-8601 such as 2026-01-31 or 2026-01-31T12:00:00Z',
    });
    expect(issuesOf({ type: 'trait', key: 'a', op: 'between', min: 5, max: 1 })[0]?.field).toBe('min');
    expect(issuesOf({ type: 'event', event: 'X', performed: false, count: { op: 'at_least', value: 2 } })[0]?.field).toBe('performed');
    expect(issuesOf({ type: 'event', event: 'X', occurrence: 'first' })[0]?.field).toBe('window');
    expect(issuesOf({ type: 'event', event: 'X', where: [{ property: 'items[].sku', op: 'exists' }] })[0]?.field).toBe('where[0].property');
    expect(issuesOf({ type: 'random_bucket', from: 50, to: 50 })[0]?.field).toBe('to');
    expect(issuesOf({ type: 'event', event: 'X', aggregate: { fn: 'max', property: 'p', op: 'gt', value: 1 }, window: { type: 'older_than', amount: 3, unit: 'days' } })[0]?.field).toBe(
      'aggregate.fn',
    );
    expect(issuesOf({ type: 'location' })[0]?.message).toContain('countries');
    expect(issuesOf({ type: 'and', conditions: [] })[0]?.field).toBe('conditions');
    expect(issuesOf(null)[0]?.message).toContain('got null');
  });

  it('refuses trees that are too deep', () => {
    let node: unknown = { type: 'trait', key: 'a', op: 'exists' };
    for (let depth = 0; depth < 30; depth++) node = { type: 'not', condition: node };
    expect(issuesOf(node)[0]?.message).toContain('nest at most');
  });

  it('reports the first problem in the error message', () => {
    expect(() => parseCondition({ type: 'and', conditions: [{ type: 'device', devices: ['watch'] }] })).toThrow(/invalid condition at conditions\[0\]\.devices/);
  });
});
