import { describe, expect, it } from 'vitest';
import type { TrackingMessage } from '../ingest/message.js';
import { applyEvent } from '../profiles/apply-event.js';
import { emptyState } from '../profiles/state.js';
import { parseCondition, type Condition } from './condition.js';
import { evaluateCondition, explainCondition, lifecycleStage, nextChangeAt, randomBucket, type SegmentSubject } from './evaluate.js';
import { eventStatSpecs, statsFromEvents } from './event-stats.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-15T12:00:00Z');

interface Step {
  at: number;
  type?: TrackingMessage['type'];
  event?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

function messages(steps: Step[]): { timestamp: number; message: TrackingMessage }[] {
  return steps.map((step, index) => ({
    timestamp: step.at,
    message: {
      type: step.type ?? (step.event === undefined ? 'identify' : 'track'),
      messageId: `m${index}`,
      userId: 'u1',
      ...(step.event === undefined ? {} : { event: step.event }),
      properties: step.properties ?? {},
      ...(step.traits === undefined ? {} : { traits: step.traits }),
      context: step.context ?? {},
      timestamp: new Date(step.at).toISOString(),
      receivedAt: new Date(step.at).toISOString(),
    },
  }));
}

function subjectOf(condition: Condition, steps: Step[], now: number, extra: Partial<SegmentSubject> = {}): SegmentSubject {
  const events = messages(steps);
  const state = emptyState();
  for (const event of events) applyEvent(state, event);
  return { profileId: 'p1', state, scores: {}, events: statsFromEvents(eventStatSpecs(condition), events, now), memberships: new Set(), ...extra };
}

function holds(input: unknown, steps: Step[], now = T0, extra: Partial<SegmentSubject> = {}): boolean {
  const condition = parseCondition(input);
  return evaluateCondition(condition, subjectOf(condition, steps, now, extra), now);
}

const identify = (traits: Record<string, unknown>, at = T0 - DAY): Step => ({ at, traits });
const order = (at: number, revenue: number, products: Record<string, unknown>[] = []): Step => ({ at, event: 'Order Completed', properties: { order_id: `o${at}`, revenue, products } });

describe('trait conditions', () => {
  const person = identify({
    email: 'Ann@Example.com',
    plan: 'Gold',
    age: '34',
    vip: true,
    tags: ['a', 'b'],
    address: { country: 'FR', city: 'Lyon' },
    birthday: '1990-06-20',
    createdAt: '2025-06-15T08:00:00Z',
  });

  it.each([
    [{ op: 'equals', key: 'plan', value: 'gold' }, true],
    [{ op: 'not_equals', key: 'plan', value: 'gold' }, false],
    [{ op: 'not_equals', key: 'missing', value: 'gold' }, true],
    [{ op: 'contains', key: 'email', value: 'example' }, true],
    [{ op: 'not_contains', key: 'email', value: 'example' }, false],
    [{ op: 'starts_with', key: 'email', value: 'ann@' }, true],
    [{ op: 'in', key: 'plan', values: ['silver', 'gold'] }, true],
    [{ op: 'not_in', key: 'plan', values: ['silver', 'gold'] }, false],
    [{ op: 'in', key: 'tags', values: ['b'] }, true],
    [{ op: 'gt', key: 'age', value: 30 }, true],
    [{ op: 'lte', key: 'age', value: 30 }, false],
    [{ op: 'between', key: 'age', min: 34, max: 40 }, true],
    [{ op: 'exists', key: 'email' }, true],
    [{ op: 'not_exists', key: 'phone' }, true],
    [{ op: 'is_true', key: 'vip' }, true],
    [{ op: 'is_false', key: 'vip' }, false],
    [{ op: 'equals', key: 'address.country', value: 'fr' }, true],
    [{ op: 'date_before', key: 'birthday', date: '1991-01-01' }, true],
    [{ op: 'date_after', key: 'birthday', date: '1991-01-01' }, false],
    [{ op: 'date_within_last', key: 'createdAt', amount: 400, unit: 'days' }, true],
    [{ op: 'date_within_last', key: 'createdAt', amount: 300, unit: 'days' }, false],
    [{ op: 'date_older_than', key: 'createdAt', amount: 300, unit: 'days' }, true],
    [{ op: 'date_within_next', key: 'createdAt', amount: 3, unit: 'days' }, false],
    // Birthday 06-20, today 06-15: in the next 7 days, not in the next 3.
    [{ op: 'anniversary', key: 'birthday', withinDays: 7 }, true],
    [{ op: 'anniversary', key: 'birthday', withinDays: 3 }, false],
    // Signed up 2025-06-15: one year ago today.
    [{ op: 'anniversary', key: 'createdAt', withinDays: 0, years: 1 }, true],
    [{ op: 'anniversary', key: 'createdAt', withinDays: 0, years: 2 }, false],
  ])('%o → %s', (test, expected) => {
    expect(holds({ type: 'trait', ...test }, [person])).toBe(expected);
  });

  it('exits a birthday window at the next midnight after the birthday, exactly', () => {
    const condition = parseCondition({ type: 'trait', key: 'birthday', op: 'anniversary', withinDays: 7 });
    const subject = subjectOf(condition, [person], T0);
    const exit = nextChangeAt(condition, subject, Date.parse('2026-06-20T10:00:00Z'));
    expect(exit).toBe(Date.parse('2026-06-21T00:00:00Z'));
    expect(evaluateCondition(condition, subject, (exit ?? 0) - 1)).toBe(true);
    expect(evaluateCondition(condition, subject, exit ?? 0)).toBe(false);
    // ...and enters 7 days before next year's.
    expect(nextChangeAt(condition, subject, exit ?? 0)).toBe(Date.parse('2027-06-13T00:00:00Z'));
  });
});

describe('event conditions', () => {
  const history: Step[] = [
    order(T0 - 40 * DAY, 50, [{ product_id: 'a', category: 'Shoes', price: 50 }]),
    order(T0 - 10 * DAY, 120, [
      { product_id: 'b', category: 'Bags', price: 100 },
      { product_id: 'c', category: 'Shoes', price: 20 },
    ]),
    order(T0 - 2 * DAY, 30, [{ product_id: 'd', category: 'Hats', price: 30 }]),
    { at: T0 - HOUR, event: 'Product Viewed', properties: { product_id: 'x', category: 'Shoes', price: 80 } },
    { at: T0 - 3 * HOUR, type: 'page', properties: { path: '/sale' } },
  ];

  it.each([
    [{ event: 'Order Completed' }, true],
    [{ event: 'Order Refunded' }, false],
    [{ event: 'Order Refunded', performed: false }, true],
    [{ event: 'Order Completed', count: { op: 'at_least', value: 3 } }, true],
    [{ event: 'Order Completed', count: { op: 'at_most', value: 2 } }, false],
    [{ event: 'Order Completed', count: { op: 'exactly', value: 2 }, window: { type: 'last', amount: 30, unit: 'days' } }, true],
    [{ event: 'Order Completed', where: [{ property: 'revenue', op: 'gt', value: 100 }] }, true],
    [{ event: 'Order Completed', where: [{ property: 'products[].category', op: 'equals', value: 'shoes' }], count: { op: 'exactly', value: 2 } }, true],
    // Both product filters must hold for one product: no order has a Shoes product over 60.
    [
      {
        event: 'Order Completed',
        where: [
          { property: 'products[].category', op: 'equals', value: 'Shoes' },
          { property: 'products[].price', op: 'gt', value: 60 },
        ],
      },
      false,
    ],
    [{ event: 'Order Completed', aggregate: { fn: 'sum', property: 'revenue', op: 'equals', value: 200 } }, true],
    [{ event: 'Order Completed', aggregate: { fn: 'avg', property: 'revenue', op: 'equals', value: 75 }, window: { type: 'last', amount: 30, unit: 'days' } }, true],
    [{ event: 'Order Completed', aggregate: { fn: 'max', property: 'products[].price', op: 'equals', value: 100 } }, true],
    [{ event: 'Order Completed', aggregate: { fn: 'sum', property: 'products[].price', op: 'equals', value: 70 }, where: [{ property: 'products[].category', op: 'equals', value: 'Shoes' }] }, true],
    [{ event: 'Product Viewed', window: { type: 'last', amount: 2, unit: 'hours' } }, true],
    [{ event: 'Product Viewed', window: { type: 'last', amount: 30, unit: 'minutes' } }, false],
    [{ event: 'page', window: { type: 'last', amount: 4, unit: 'hours' }, where: [{ property: 'path', op: 'equals', value: '/sale' }] }, true],
    [{ event: 'Order Completed', window: { type: 'older_than', amount: 30, unit: 'days' }, count: { op: 'exactly', value: 1 } }, true],
    [{ event: 'Order Completed', window: { type: 'between', from: '2026-06-01', to: '2026-06-10' } }, true],
    [{ event: 'Order Completed', window: { type: 'since', from: '2026-06-14' } }, false],
    [{ event: 'Order Completed', window: { type: 'before', to: '2026-05-10' }, count: { op: 'exactly', value: 1 } }, true],
    [{ event: 'Order Completed', occurrence: 'first', window: { type: 'last', amount: 30, unit: 'days' } }, false],
    [{ event: 'Order Completed', occurrence: 'first', window: { type: 'last', amount: 60, unit: 'days' } }, true],
    [{ event: 'Order Completed', occurrence: 'last', window: { type: 'older_than', amount: 7, unit: 'days' } }, false],
    [{ event: 'Order Completed', occurrence: 'last', window: { type: 'last', amount: 3, unit: 'days' } }, true],
  ])('%o → %s', (node, expected) => {
    expect(holds({ type: 'event', ...node }, history)).toBe(expected);
  });

  it('exits "viewed a product in the last 2 days" at the exact millisecond', () => {
    const viewed = T0 - HOUR;
    const condition = parseCondition({ type: 'event', event: 'Product Viewed', window: { type: 'last', amount: 2, unit: 'days' } });
    const subject = subjectOf(condition, history, T0);
    const exit = nextChangeAt(condition, subject, T0);
    expect(exit).toBe(viewed + 2 * DAY);
    expect(evaluateCondition(condition, subject, viewed + 2 * DAY - 1)).toBe(true);
    expect(evaluateCondition(condition, subject, viewed + 2 * DAY)).toBe(false);
    expect(nextChangeAt(condition, subject, viewed + 2 * DAY)).toBeUndefined();
  });
});

describe('profile conditions', () => {
  const steps: Step[] = [
    identify({ email: 'bob@example.com', phone: '+33612345678', sms_consent: true, address: { country: 'DE', city: 'Berlin' } }, T0 - 5 * DAY),
    { at: T0 - 5 * DAY, type: 'page', context: { campaign: { source: 'google', medium: 'cpc', name: 'spring' }, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile' } },
    { at: T0 - 2 * DAY, type: 'page', context: { userAgent: 'Mozilla/5.0 (iPhone) Mobile', campaign: { source: 'newsletter', medium: 'email', name: 'june' } } },
    order(T0 - 2 * DAY, 80),
    { at: T0 - 3 * HOUR, event: 'Product Added', properties: { product_id: 'z', price: 25, quantity: 2 } },
  ];

  it.each([
    [{ type: 'computed', key: 'orders', op: 'equals', value: 1 }, true],
    [{ type: 'computed', key: 'revenue', op: 'gte', value: 80 }, true],
    [{ type: 'computed', key: 'averageOrderValue', op: 'between', min: 79, max: 81 }, true],
    [{ type: 'computed', key: 'daysSinceLastOrder', op: 'equals', value: 2 }, true],
    [{ type: 'computed', key: 'openCartValue', op: 'equals', value: 50 }, true],
    [{ type: 'computed', key: 'daysSinceFirstOrder', op: 'exists' }, true],
    [{ type: 'computed', key: 'refunds', op: 'gt', value: 0 }, false],
    [{ type: 'lifecycle', stages: ['cart_abandoner'] }, true],
    [{ type: 'lifecycle', stages: ['first_time_buyer', 'repeat_buyer'] }, false],
    [{ type: 'preferred_channel', channels: ['web'] }, true],
    [{ type: 'reachable', channel: 'email' }, true],
    [{ type: 'reachable', channel: 'email', requireOptIn: true }, false],
    [{ type: 'reachable', channel: 'sms' }, true],
    [{ type: 'reachable', channel: 'push' }, false],
    [{ type: 'location', countries: ['de'] }, true],
    [{ type: 'location', countries: ['DE'], cities: ['Munich'] }, false],
    [{ type: 'device', devices: ['mobile'] }, true],
    [{ type: 'traffic_source', touch: 'first', field: 'campaign', values: ['Spring'] }, true],
    [{ type: 'traffic_source', touch: 'last', field: 'kind', values: ['email'] }, true],
    [{ type: 'traffic_source', touch: 'last', field: 'source', values: ['google'] }, false],
    [{ type: 'segment', segmentId: 'seg_vip' }, true],
    [{ type: 'segment', segmentId: 'seg_other', member: false }, true],
    [{ type: 'score', key: 'rfm_group', op: 'equals', value: 'Champions' }, true],
    [{ type: 'score', key: 'churn_risk', op: 'gt', value: 0.5 }, false],
    [{ type: 'score', key: 'clv', op: 'not_exists' }, true],
  ])('%o → %s', (node, expected) => {
    expect(holds(node, steps, T0, { scores: { rfm_group: 'Champions', churn_risk: 0.2 }, memberships: new Set(['seg_vip']) })).toBe(expected);
  });

  it('walks the lifecycle stages as time passes', () => {
    const condition = parseCondition({ type: 'lifecycle', stages: ['visitor'] });
    const at = (steps: Step[], now: number) => lifecycleStage(subjectOf(condition, steps, now), now);
    expect(at([{ at: T0, type: 'page' }], T0)).toBe('visitor');
    expect(
      at(
        [
          { at: T0 - DAY, type: 'page' },
          { at: T0, type: 'page' },
        ],
        T0,
      ),
    ).toBe('engaged_browser');
    const checkout: Step[] = [{ at: T0, event: 'Checkout Started', properties: {} }];
    expect(at(checkout, T0 + 30 * 60_000)).toBe('visitor');
    expect(at(checkout, T0 + HOUR)).toBe('checkout_abandoner');
    expect(at([order(T0, 10)], T0 + DAY)).toBe('first_time_buyer');
    expect(at([order(T0 - DAY, 10), order(T0, 10)], T0 + DAY)).toBe('repeat_buyer');
    expect(at([order(T0, 10)], T0 + 90 * DAY)).toBe('lapsed');
    expect(at([order(T0, 10)], T0 + 180 * DAY)).toBe('churned');
    const buyer = parseCondition({ type: 'lifecycle', stages: ['lapsed'] });
    expect(nextChangeAt(buyer, subjectOf(buyer, [order(T0, 10)], T0 + DAY), T0 + DAY)).toBe(T0 + 90 * DAY);
  });

  it('splits profiles into stable random buckets', () => {
    const counts = new Array<number>(10).fill(0);
    for (let index = 0; index < 10_000; index++) {
      const bucket = randomBucket(`profile-${index}`, 'holdout');
      counts[Math.floor(bucket / 10)] = (counts[Math.floor(bucket / 10)] ?? 0) + 1;
    }
    // 1,000 expected per decile; a fair split stays within ±15% (about 5 standard deviations).
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(150);
    expect(randomBucket('p1', 'a')).toBe(randomBucket('p1', 'a'));
    const condition = parseCondition({ type: 'random_bucket', from: 0, to: 100 });
    expect(evaluateCondition(condition, subjectOf(condition, [], T0), T0)).toBe(true);
  });
});

describe('groups and explain', () => {
  it('combines with and / or / not and explains every leaf', () => {
    const condition = parseCondition({
      type: 'and',
      conditions: [
        { type: 'trait', key: 'plan', op: 'equals', value: 'gold' },
        {
          type: 'or',
          conditions: [
            { type: 'computed', key: 'orders', op: 'gte', value: 5 },
            { type: 'not', condition: { type: 'reachable', channel: 'push' } },
          ],
        },
      ],
    });
    const subject = subjectOf(condition, [identify({ plan: 'gold' }), order(T0 - DAY, 10)], T0);
    expect(evaluateCondition(condition, subject, T0)).toBe(true);
    const explanation = explainCondition(condition, subject, T0);
    expect(explanation.result).toBe(true);
    expect(explanation.children?.map((child) => [child.path, child.result])).toEqual([
      ['conditions[0]', true],
      ['conditions[1]', true],
    ]);
    const or = explanation.children?.[1];
    expect(or?.children?.[0]).toMatchObject({ path: 'conditions[1].conditions[0]', result: false, actual: 1 });
    expect(or?.children?.[1]?.children?.[0]).toMatchObject({ path: 'conditions[1].conditions[1].condition', result: false, actual: { consent: 'unknown' } });
  });
});
