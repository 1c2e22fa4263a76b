import { describe, expect, it } from 'vitest';
import { Random } from '../../demo/random.js';
import { parseOrder, runPipeline, type ProfileBehaviour } from './pipeline.js';
import { sampleGamma } from './simulate.js';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-03-01T00:00:00Z');

describe('parseOrder', () => {
  it('reads the value from total, revenue or value, else from the product lines', () => {
    expect(parseOrder({ properties: { total: 30, revenue: 25, currency: 'eur' } }, 1)).toEqual({ at: 1, amount: 30, currency: 'EUR', products: [] });
    expect(parseOrder({ properties: { revenue: '25.5' } }, 1).amount).toBe(25.5);
    expect(
      parseOrder(
        {
          properties: {
            products: [
              { product_id: 'a', quantity: 2, price: 4 },
              { sku: 7, price: 1 },
            ],
          },
        },
        1,
      ),
    ).toEqual({
      at: 1,
      amount: 9,
      currency: undefined,
      products: [
        { productId: 'a', quantity: 2 },
        { productId: '7', quantity: 1 },
      ],
    });
    expect(parseOrder(null, 1)).toEqual({ at: 1, amount: 0, currency: undefined, products: [] });
    expect(parseOrder({ properties: { total: -5, currency: 'euro' } }, 1)).toEqual({ at: 1, amount: 0, currency: undefined, products: [] });
  });
});

describe('runPipeline', () => {
  function shop(customers: number): ProfileBehaviour[] {
    const random = new Random(21);
    const uniform = () => random.next();
    return Array.from({ length: customers }, (_, c) => {
      const rate = sampleGamma(uniform, 1, 40);
      const orders = [];
      let at = NOW - (2 + uniform() * 300) * DAY_MS;
      while (at < NOW) {
        orders.push({ at, amount: 20 + 30 * uniform(), currency: c % 50 === 0 ? 'USD' : 'EUR', products: [{ productId: uniform() < 0.5 ? 'tea' : 'mugs', quantity: 1 }] });
        at -= (Math.log(1 - uniform()) / rate) * DAY_MS;
        if (uniform() < 0.15) break;
      }
      return { profileId: `p${c}`, orders, activity: [{ at: NOW - uniform() * 20 * DAY_MS, kind: 'session' as const }] };
    });
  }

  it('fits every model, states the currency and the units, and scores only what it could fit', () => {
    const phases: string[] = [];
    const { report, scores } = runPipeline({ profiles: shop(800), inventory: [{ productId: 'tea', name: 'Tea', inventory: 2 }], now: NOW }, (phase, fraction) => {
      if (fraction === 0) phases.push(phase);
    });
    expect(phases).toEqual(['clv', 'propensity', 'next-order', 'stock-out']);
    expect(report.unit).toBe('day');
    expect(report.clv.currency).toBe('EUR');
    expect(report.clv.ordersInOtherCurrencies).toBeGreaterThan(0);
    expect(report.clv.horizon).toEqual({ steps: 12, step: 'month', discountRatePerStep: 0.01 });
    expect(report.clv.bgnbd.status).toBe('fitted');
    expect(report.clv.tiers?.high).toBe(Math.ceil(report.data.customers * 0.1));
    const holdout = report.clv.holdout;
    if (holdout.status !== 'checked') throw new Error(`no hold-out check: ${JSON.stringify(holdout)}`);
    expect(holdout.days).toBe(90);
    // A shop drawn close to the BG/NBD story (Gamma rates, a constant 15% drop-out after each order): the forecast lands near the actual total.
    expect(Math.abs(holdout.relativeError ?? 1)).toBeLessThan(0.25);
    expect(holdout.correlation ?? 0).toBeGreaterThan(0.3);
    expect(report.propensity['30d'].status).toBe('trained');
    expect(report.stockout.restock[0]?.productId).toBe('tea');
    expect(scores.map((group) => group.source)).toEqual(['predictive:clv', 'predictive:propensity', 'predictive:next-order']);
    const clv = scores[0]?.rows.filter((row) => row.key === 'predicted_clv') ?? [];
    expect(clv).toHaveLength(report.data.customers);
    for (const row of clv) expect(typeof row.value === 'number' && Number.isFinite(row.value) && row.value >= 0).toBe(true);
  });

  it('writes no scores from models without enough history', () => {
    const { report, scores } = runPipeline({ profiles: shop(5), inventory: [], now: NOW });
    expect(report.clv.bgnbd).toMatchObject({ status: 'insufficient-data', message: 'not enough history: needs 30 customers, has 5' });
    expect(report.clv.gammaGamma).toEqual({ status: 'skipped', reason: 'BG/NBD was not fitted' });
    expect(report.clv.holdout.status).toBe('skipped');
    expect(scores.find((group) => group.source === 'predictive:clv')).toBeUndefined();
  });
});
