import { describe, expect, it } from 'vitest';
import { emptyVisitor, observe, recommend, trainModels, type CatalogItem, type Interaction, type RecommendRequest, type VisitorContext } from './engine.js';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 1);

function product(id: string, fields: Partial<CatalogItem> = {}): CatalogItem {
  return { id, category: 'Misc', brand: 'Acme', price: 10, inventory: 5, createdAt: now - 100 * DAY, compareAtPrice: null, ...fields };
}

const catalog: CatalogItem[] = [
  product('jacket', { category: 'Apparel > Outerwear > Jackets', brand: 'North', price: 200 }),
  product('jacket2', { category: 'Apparel > Outerwear > Jackets', brand: 'South', price: 150 }),
  product('hat', { category: 'Accessories > Hats', brand: 'North', price: 25 }),
  product('hat2', { category: 'Accessories > Hats', brand: 'Woolly', price: 30, createdAt: now - DAY }),
  product('gloves', { category: 'Accessories > Gloves', brand: 'North', price: 20, compareAtPrice: 40 }),
  product('scarf', { category: 'Accessories > Scarves', brand: 'Woolly', price: 15, compareAtPrice: 18 }),
  product('soap', { category: 'Beauty > Soap', brand: 'Clean', price: 5 }),
  product('shampoo', { category: 'Beauty > Hair', brand: 'Clean', price: 8, inventory: 0 }),
  product('socks', { category: 'Apparel > Socks', brand: 'South', price: 6, createdAt: now - 2 * DAY }),
  product('newhat', { category: 'Accessories > Hats', brand: 'Fresh', price: 28, createdAt: now - 3600_000 }),
];

function order(profile: string, items: string[], t: number, groups: string[] = []): Interaction[] {
  return items.map((item) => ({ profile, item, kind: 'purchase', t, groups }));
}
function views(profile: string, items: string[], t: number, gapMs = 60_000): Interaction[] {
  return items.map((item, position) => ({ profile, item, kind: 'view', t: t + position * gapMs }));
}

const interactions: Interaction[] = [
  // Winter buyers: jackets with hats and gloves.
  ...order('u1', ['jacket', 'hat', 'gloves'], now - 10 * DAY, ['gender:female']),
  ...order('u2', ['jacket', 'hat'], now - 9 * DAY, ['gender:female']),
  ...order('u3', ['jacket2', 'gloves', 'hat'], now - 8 * DAY, ['gender:male']),
  ...order('u4', ['jacket', 'gloves'], now - 7 * DAY, ['gender:male']),
  ...order('u5', ['soap', 'shampoo'], now - 6 * DAY, ['gender:female']),
  ...order('u6', ['soap'], now - 5 * DAY, ['gender:female']),
  ...order('u7', ['soap', 'socks'], now - 5 * DAY, ['gender:male']),
  ...order('u8', ['jacket2', 'hat2'], now - 4 * DAY, ['gender:male']),
  // Browsing sessions: scarf viewed with hats; a gap of an hour splits u9's sessions.
  ...views('u9', ['hat', 'scarf', 'hat2'], now - 2 * DAY),
  ...views('u9', ['soap', 'socks'], now - 2 * DAY + 3_600_000),
  ...views('u10', ['scarf', 'hat2'], now - DAY),
  ...views('u11', ['scarf', 'hat'], now - DAY),
  // Sequences for for-you: jacket then hat, hat then gloves.
  ...views('u12', ['jacket', 'hat', 'gloves'], now - DAY),
  ...views('u13', ['jacket', 'hat', 'gloves'], now - DAY),
  // Trending today: socks.
  ...views('u14', ['socks'], now - 3600_000),
  ...views('u15', ['socks'], now - 3600_000),
  ...views('u16', ['socks'], now - 3600_000),
];

const models = trainModels(catalog, interactions, { now, neighbours: 20 });

function ask(strategy: RecommendRequest['strategy'], extra: Partial<RecommendRequest> = {}, visitor: Partial<VisitorContext> = {}): string[] {
  return recommend(models, { strategy, limit: 5, visitor: { ...emptyVisitor, ...visitor }, now, rules: { fallback: [] }, ...extra }).map((item) => item.id);
}

describe('strategies', () => {
  it('also-bought ranks co-purchases by cosine and never returns the anchor', () => {
    const result = ask('also-bought', { product: 'jacket' });
    // jacket (3 orders) with hat 2 of them and gloves 2: cosine 2/sqrt(3*4)=0.577 each; jacket2 never co-bought.
    expect(result.slice(0, 2).sort()).toEqual(['gloves', 'hat']);
    expect(result).not.toContain('jacket');
    expect(result).not.toContain('soap');
  });

  it('also-bought with lift normalization ranks by lift and needs support', () => {
    const lift = trainModels(catalog, interactions, { now, alsoBought: 'lift' });
    const result = recommend(lift, { strategy: 'also-bought', product: 'jacket', limit: 5, visitor: emptyVisitor, now, rules: { fallback: [] } }).map((item) => item.id);
    // Pairs bought together only once (jacket-gloves is 2, jacket-hat 2) need support 2.
    expect(result.sort()).toEqual(['gloves', 'hat']);
    const cosineScores = recommend(models, { strategy: 'also-bought', product: 'soap', limit: 5, visitor: emptyVisitor, now, rules: { fallback: [], inStockOnly: false } });
    expect(cosineScores.map((item) => item.id)).toEqual(['shampoo', 'socks']);
  });

  it('viewed-together uses sessions split by a 30-minute gap', () => {
    const result = ask('viewed-together', { product: 'scarf' });
    expect(result.sort()).toEqual(['hat', 'hat2']);
    // soap and socks were viewed an hour after u9's hats: another session.
    expect(ask('viewed-together', { product: 'hat' })).not.toContain('soap');
  });

  it('complementary recommends best-sellers of associated categories, so a new item inherits the rule', () => {
    // newhat was never bought, but Jackets → Hats was learned from baskets: newhat's category rules apply to it too.
    const forJacket = ask('complementary', { product: 'jacket2' });
    expect(forJacket).toContain('hat');
    expect(forJacket).toContain('gloves');
    expect(forJacket).not.toContain('jacket');
    const forNewHat = ask('complementary', { product: 'newhat' });
    expect(forNewHat.some((id) => id === 'jacket' || id === 'jacket2' || id === 'gloves')).toBe(true);
  });

  it('recently viewed returns the visitor views, newest first', () => {
    expect(
      ask(
        'recently-viewed',
        {},
        {
          viewed: [
            { id: 'scarf', t: now - 1 },
            { id: 'hat', t: now - 2 },
          ],
        },
      ),
    ).toEqual(['scarf', 'hat']);
  });

  it('trending follows decayed popularity and updates live from events', () => {
    expect(ask('trending')[0]).toBe('socks');
    for (let i = 0; i < 20; i++) observe(models, { profile: `live${i}`, item: 'scarf', kind: 'view', t: now });
    // The top list is cached for a second; a second later the live views show.
    expect(recommend(models, { strategy: 'trending', limit: 1, visitor: emptyVisitor, now: now + 1500, rules: { fallback: [] } })[0]?.id).toBe('scarf');
  });

  it('best-sellers per gender, category and overall', () => {
    expect(ask('best-sellers', { group: 'gender:female' })[0]).toBe('soap');
    expect(
      ask('best-sellers', {}, { groups: ['gender:male'] })
        .slice(0, 2)
        .sort(),
    ).toEqual(['gloves', 'jacket2']);
    expect(ask('best-sellers', { group: 'category:Accessories' }).slice(0, 2).sort()).toEqual(['gloves', 'hat']);
    expect(ask('best-sellers', { group: 'no-such-group' })).toEqual([]);
  });

  it('new arrivals by catalog date; highest discount by relative markdown', () => {
    expect(ask('new-arrivals').slice(0, 3)).toEqual(['newhat', 'hat2', 'socks']);
    expect(ask('highest-discount')).toEqual(['gloves', 'scarf']);
  });

  it('for-you scores from the recent history with transitions', () => {
    const result = ask('for-you', {}, { history: ['jacket'] });
    expect(result[0]).toBe('hat');
    expect(ask('for-you', {}, { history: [] })).toEqual([]);
  });
});

describe('business rules', () => {
  const all = (rules: RecommendRequest['rules'], visitor: Partial<VisitorContext> = {}, strategy: RecommendRequest['strategy'] = 'new-arrivals') =>
    recommend(models, { strategy, limit: 20, visitor: { ...emptyVisitor, ...visitor }, now, rules: { fallback: [], ...rules } }).map((item) => item.id);

  it('keeps only products in stock unless told otherwise', () => {
    expect(all({})).not.toContain('shampoo');
    expect(all({ inStockOnly: false })).toContain('shampoo');
  });

  it('excludes purchases, with per-category repurchase windows', () => {
    const visitor = {
      purchased: [
        { id: 'soap', t: now - 40 * DAY },
        { id: 'hat', t: now - 40 * DAY },
        { id: 'socks', t: now - 5 * DAY },
      ],
    };
    expect(all({}, visitor)).not.toContain('soap');
    const windows = all({ repurchaseDays: { Beauty: 30, '*': 365 } }, visitor);
    expect(windows).toContain('soap'); // 40 days > 30: consumables come back
    expect(windows).not.toContain('hat'); // 40 days < 365
    expect(all({ repurchaseDays: { Apparel: 1, 'Apparel > Socks': 30 } }, visitor)).not.toContain('socks'); // the most specific window wins
    expect(all({ excludePurchased: false }, visitor)).toContain('soap');
  });

  it('excludes the cart', () => {
    expect(all({}, { cart: ['hat2'] })).not.toContain('hat2');
    expect(all({ excludeCart: false }, { cart: ['hat2'] })).toContain('hat2');
  });

  it('filters by price range, categories and brands', () => {
    expect(all({ priceMin: 20, priceMax: 30 }).sort()).toEqual(['gloves', 'hat', 'hat2', 'newhat']);
    expect(all({ includeCategories: ['Accessories > Hats'] }).sort()).toEqual(['hat', 'hat2', 'newhat']);
    expect(all({ excludeCategories: ['Accessories', 'Apparel'] }).sort()).toEqual(['soap']);
    expect(all({ includeBrands: ['Woolly'] }).sort()).toEqual(['hat2', 'scarf']);
    expect(all({ excludeBrands: ['North', 'South', 'Woolly', 'Fresh'] })).toEqual(['soap']);
  });

  it('boosts re-rank and pins place products at fixed positions', () => {
    expect(all({ boosts: [{ brand: 'Clean', factor: 1000 }] })[0]).toBe('soap');
    const pinned = recommend(models, {
      strategy: 'new-arrivals',
      limit: 3,
      visitor: emptyVisitor,
      now,
      rules: {
        fallback: [],
        pins: [
          { product: 'jacket', position: 2 },
          { product: 'shampoo', position: 1 },
        ],
      },
    });
    // shampoo is out of stock: a pin never shows a product that cannot be bought.
    expect(pinned.map((item) => item.id)).toEqual(['newhat', 'jacket', 'hat2']);
    expect(pinned[1]?.pinned).toBe(true);
  });

  it('caps items per category and per brand', () => {
    const capped = all({ maxPerCategory: 1, includeCategories: ['Accessories'] });
    expect(capped.sort()).toEqual(['gloves', 'newhat', 'scarf']);
    const brands = all({ maxPerBrand: 1 });
    expect(new Set(brands.map((id) => catalog.find((item) => item.id === id)?.brand)).size).toBe(brands.length);
  });

  it('falls back along the chain for cold-start visitors and unknown products', () => {
    const cold = recommend(models, { strategy: 'for-you', limit: 3, visitor: emptyVisitor, now, rules: { fallback: ['trending', 'best-sellers'] } });
    expect(cold.map((item) => item.strategy)).toEqual(['trending', 'trending', 'trending']);
    const unknown = recommend(models, { strategy: 'also-bought', product: 'no-such-product', limit: 2, visitor: emptyVisitor, now });
    expect(unknown).toHaveLength(2);
    expect(unknown.every((item) => item.strategy !== 'also-bought')).toBe(true);
    const partial = recommend(models, { strategy: 'also-bought', product: 'jacket', limit: 4, visitor: emptyVisitor, now, rules: { fallback: ['new-arrivals'] } });
    expect(partial.map((item) => item.strategy)).toEqual(['also-bought', 'also-bought', 'new-arrivals', 'new-arrivals']);
    expect(new Set(partial.map((item) => item.id)).size).toBe(4);
  });
});
