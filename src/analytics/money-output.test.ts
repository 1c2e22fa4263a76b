import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import type { TrackingMessage } from '../ingest/message.js';
import { manualClock } from '../shared/clock.js';
import { upsertProducts } from '../catalog/store/products.js';
import type { AnalyticsService } from './analytics-service.js';
import { loadMessages } from './test/fixture.js';
import { openAnalytics, type AnalyticsUnderTest } from './test/service-under-test.js';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const DAY = 86_400_000;
// Amounts whose binary sums drift (0.1 + 0.2 = 0.30000000000000004, 19.99 × 3 = 59.97000000000001).
const totals = [0.1, 0.2, 19.99, 19.99, 19.99, 33.33, 96521.19, 0.7];

function orders(workspace: string): TrackingMessage[] {
  return totals.map((revenue, i) => {
    const at = new Date(T0 + i * DAY).toISOString();
    return { type: 'track', messageId: `${workspace}-o${i}`, userId: `u${i % 3}`, event: 'Order Completed', properties: { order_id: `o${i}`, revenue }, context: {}, timestamp: at, receivedAt: at };
  });
}

/** Every number in an answer that carries money: at most the currency's decimals, written as a person would. */
function expectTidy(value: unknown, decimals: number): void {
  const text = JSON.stringify(value);
  for (const match of text.matchAll(/"(revenue|avgRevenue|spend|cpa|value|previous|change)":(-?\d+(?:\.\d+)?(?:e-?\d+)?)/g)) {
    const [, key, number] = match;
    if (key === 'value' || key === 'previous' || key === 'change') continue;
    expect(number, `${key} ${number ?? ''}`).toMatch(decimals === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+(\\.\\d{1,${decimals}})?$`));
  }
}

describe.each(dialects)('money in analytics answers is rounded per currency (%s)', (dialect) => {
  let test: AnalyticsUnderTest;
  let analytics: AnalyticsService;
  beforeAll(async () => {
    test = await openAnalytics(dialect, manualClock(Date.parse('2024-06-03T07:00:00Z')), async (store) => {
      await loadMessages(store.database, orders('usd'), 'usd');
      await loadMessages(store.database, orders('jpy'), 'jpy');
      const product = (currency: string) => ({
        id: 'p',
        sku: null,
        name: 'P',
        url: null,
        image_url: null,
        category: null,
        brand: null,
        price: 10,
        currency,
        inventory: 1,
        attributes: {},
        createdAt: T0,
        updatedAt: T0,
      });
      await store.database.transaction(async (trx) => {
        await upsertProducts(trx, 'usd', [product('USD')]);
        await upsertProducts(trx, 'jpy', [product('JPY')]);
      });
    });
    analytics = test.analytics;
  });
  afterAll(async () => {
    await test.close();
  });

  it('sums in cents and rounds to 2 decimals in USD', async () => {
    const period = { from: '2024-05-01T00:00:00Z', to: '2024-06-01T00:00:00Z' };
    const attribution = await analytics.attribution('usd', period);
    expect(attribution.totals.revenue).toBe(96615.49);
    expectTidy(attribution, 2);
    const kpis = await analytics.kpis('usd', period);
    const aov = kpis.lines.find((line) => line.key === 'aov');
    expect(aov?.value).toBe(12076.94);
    const cohorts = await analytics.cohorts('usd', {});
    expect(cohorts.cohorts.reduce((sum, row) => sum + Math.round(row.revenue * 100), 0)).toBe(9661549);
    expectTidy(cohorts, 2);
    const rfm = await analytics.rfm('usd', { asOf: '2024-06-01T00:00:00Z' });
    expectTidy(rfm, 2);
    for (const line of kpis.lines) if (line.unit === 'currency' && line.value !== null) expect(String(line.value)).toMatch(/^-?\d+(\.\d{1,2})?$/);
  });

  it('rounds to whole yen in JPY', async () => {
    const attribution = await analytics.attribution('jpy', { from: '2024-05-01T00:00:00Z', to: '2024-06-01T00:00:00Z' });
    expectTidy(attribution, 0);
    expectTidy(await analytics.cohorts('jpy', {}), 0);
    expectTidy(await analytics.rfm('jpy', { asOf: '2024-06-01T00:00:00Z' }), 0);
  });
});
