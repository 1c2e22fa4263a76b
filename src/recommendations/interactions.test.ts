import { describe, expect, it } from 'vitest';
import { emptyState } from '../profiles/state.js';
import { catalogItem, interactionsOf, profileGroups, propertiesOfPayload, visitorContext } from './interactions.js';
import { strategyForSlot, strategyOfRecommendationId } from './recommendation-service.js';

describe('interactions from events', () => {
  it('reads views, adds and every line of an order', () => {
    expect(interactionsOf('p', 'Product Viewed', { product_id: 'a' }, 5)).toEqual([{ profile: 'p', item: 'a', kind: 'view', t: 5 }]);
    expect(interactionsOf('p', 'Product Added', { sku: 'b' }, 6)).toEqual([{ profile: 'p', item: 'b', kind: 'cart', t: 6 }]);
    expect(interactionsOf('p', 'Order Completed', { products: [{ product_id: 'a', quantity: 2 }, { product_id: 7 }, { name: 'no id' }] }, 7)).toEqual([
      { profile: 'p', item: 'a', kind: 'purchase', t: 7, quantity: 2 },
      { profile: 'p', item: '7', kind: 'purchase', t: 7, quantity: 1 },
    ]);
    expect(interactionsOf('p', 'Signed Up', { product_id: 'a' }, 8)).toEqual([]);
    expect(propertiesOfPayload('{"properties":{"product_id":"x"}}')).toEqual({ product_id: 'x' });
    expect(propertiesOfPayload('not json')).toBeUndefined();
  });

  it('derives best-seller groups from traits and text scores', () => {
    const state = emptyState();
    state.traits.gender = { v: 'Female', t: 1 };
    state.traits.address = { v: { city: 'Paris', country: 'FR' }, t: 1 };
    expect(profileGroups(state, { rfm_group: 'Champions', clv: 120 })).toEqual(['gender:female', 'country:fr', 'city:paris', 'rfm_group:champions']);
    expect(profileGroups(undefined)).toEqual([]);
  });

  it('builds the visitor context: cart and views from the state, purchases and history from events', () => {
    const state = emptyState();
    state.viewed = [{ id: 'v1', t: 9, name: null }];
    state.cart = { id: null, items: [{ id: 'c1', qty: 1, price: null, name: null, category: null }], t: 9 };
    const recent = [
      { profile: 'p', item: 'b', kind: 'purchase' as const, t: 8 },
      { profile: 'p', item: 'a', kind: 'view' as const, t: 7 },
    ];
    expect(visitorContext(state, recent, ['gender:female'])).toEqual({
      viewed: [{ id: 'v1', t: 9 }],
      purchased: [{ id: 'b', t: 8 }],
      cart: ['c1'],
      history: ['a', 'b'],
      groups: ['gender:female'],
    });
  });

  it('reads the pre-discount price from common attribute names', () => {
    const row = { id: 'p', category: null, brand: null, price: 80, inventory: 1, createdAt: 0 };
    expect(catalogItem(row, { compare_at_price: 100 }).compareAtPrice).toBe(100);
    expect(catalogItem(row, { msrp: '120' }).compareAtPrice).toBe(120);
    expect(catalogItem(row, { compare_at_price: 'n/a' }).compareAtPrice).toBeNull();
  });

  it('maps template slot names to strategies', () => {
    expect(strategyForSlot('best_sellers')).toBe('best-sellers');
    expect(strategyForSlot('also-bought')).toBe('also-bought');
    expect(strategyForSlot('cart_complements')).toBe('complementary');
    expect(strategyForSlot('Continue_Shopping')).toBe('recently-viewed');
    expect(strategyForSlot('something else')).toBe('for-you');
  });

  it('names the strategy in a recommendation id', () => {
    expect(strategyOfRecommendationId('rec.for-you.abc')).toBe('for-you');
    expect(strategyOfRecommendationId('rec.nope.abc')).toBeUndefined();
    expect(strategyOfRecommendationId('other')).toBeUndefined();
  });
});
