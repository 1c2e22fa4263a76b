import { describe, expect, it } from 'vitest';
import { chooseOffer, describeOffer, generateCode, type Offer, type OfferRule } from './offer.js';

const p10: Offer = { type: 'percent', value: 10 };
const p15: Offer = { type: 'percent', value: 15 };
const p30: Offer = { type: 'percent', value: 30 };
const ship: Offer = { type: 'free_shipping' };

describe('chooseOffer', () => {
  const tiers: OfferRule = {
    kind: 'tiers',
    tiers: [
      { score: 'rfm_group', equals: 'champions', offer: p30 },
      { score: 'predicted_clv', min: 500, offer: p15 },
    ],
    fallback: ship,
  };

  it('picks the first tier the scores match, else the fallback', () => {
    expect(chooseOffer(tiers, { rfm_group: 'champions', predicted_clv: 900 })).toEqual(p30);
    expect(chooseOffer(tiers, { rfm_group: 'at_risk', predicted_clv: 500 })).toEqual(p15);
    expect(chooseOffer(tiers, { predicted_clv: 499.99 })).toEqual(ship);
    expect(chooseOffer(tiers, { predicted_clv: null })).toEqual(ship);
    expect(chooseOffer(tiers, {})).toEqual(ship);
  });

  it('draws mystery offers in proportion to their weights', () => {
    const rule: OfferRule = {
      kind: 'mystery',
      draws: [
        { weight: 6, offer: p10 },
        { weight: 3, offer: p15 },
        { weight: 1, offer: p30 },
      ],
    };
    expect(chooseOffer(rule, {}, () => 0)).toEqual(p10);
    expect(chooseOffer(rule, {}, () => 0.599)).toEqual(p10);
    expect(chooseOffer(rule, {}, () => 0.6)).toEqual(p15);
    expect(chooseOffer(rule, {}, () => 0.95)).toEqual(p30);
    // A seeded stream of 30,000 draws lands within 1.5 points of 60/30/10.
    let seed = 42;
    const uniform = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const counts = new Map<number, number>();
    for (let i = 0; i < 30000; i++) {
      const offer = chooseOffer(rule, {}, uniform);
      const value = offer.type === 'percent' ? offer.value : 0;
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    expect(Math.abs((counts.get(10) ?? 0) / 30000 - 0.6)).toBeLessThan(0.015);
    expect(Math.abs((counts.get(15) ?? 0) / 30000 - 0.3)).toBeLessThan(0.015);
    expect(Math.abs((counts.get(30) ?? 0) / 30000 - 0.1)).toBeLessThan(0.015);
  });

  it('draws mystery offers from the default cryptographic source', () => {
    const rule: OfferRule = {
      kind: 'mystery',
      draws: [
        { weight: 1, offer: p10 },
        { weight: 1, offer: p30 },
      ],
    };
    const drawn = new Set(Array.from({ length: 200 }, () => chooseOffer(rule, {})).map((offer) => (offer.type === 'percent' ? offer.value : 0)));
    expect([...drawn].sort()).toEqual([10, 30]);
  });
});

describe('codes', () => {
  it('generates prefixed codes from an unambiguous alphabet without repeats', () => {
    const codes = new Set(Array.from({ length: 20000 }, () => generateCode('WB-')));
    expect(codes.size).toBe(20000);
    for (const code of [...codes].slice(0, 100)) expect(code).toMatch(/^WB-[2-9A-HJKMNP-Z]{12}$/);
  });

  it('describes offers', () => {
    expect(describeOffer(p15)).toBe('15% off');
    expect(describeOffer({ type: 'fixed', value: 10, currency: 'USD' })).toBe('$10.00 off');
    expect(describeOffer(ship)).toBe('free shipping');
  });
});
