import { describe, expect, it } from 'vitest';
import { observe, recommend, trainModels, type CatalogItem, type Interaction, type RecommendationModels } from '../engine.js';
import type { StrategyName } from '../rules.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 1);

const catalog: CatalogItem[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, position) => ({
  id,
  category: position < 3 ? 'Apparel > Tops' : 'Shoes',
  brand: position % 2 === 0 ? 'North' : 'South',
  price: 10 + position,
  inventory: 5,
  createdAt: now - position * DAY,
  compareAtPrice: position === 4 ? 30 : null,
}));

const interactions: Interaction[] = [];
for (let user = 0; user < 40; user++) {
  const items = [catalog[user % 6]?.id ?? 'a', catalog[(user + 1) % 6]?.id ?? 'b', catalog[(user * 7) % 6]?.id ?? 'c'];
  items.forEach((item, step) => interactions.push({ profile: `u${user}`, item, kind: 'view', t: now - 5 * DAY + user * 3_600_000 + step * 60_000 }));
  interactions.push({ profile: `u${user}`, item: items[0] ?? 'a', kind: 'purchase', t: now - 4 * DAY + user * 3_600_000, groups: [`gender:${user % 2 === 0 ? 'female' : 'male'}`] });
  interactions.push({ profile: `u${user}`, item: items[1] ?? 'b', kind: 'purchase', t: now - 4 * DAY + user * 3_600_000, groups: [`gender:${user % 2 === 0 ? 'female' : 'male'}`] });
}

const strategies: StrategyName[] = ['for-you', 'also-bought', 'viewed-together', 'trending', 'best-sellers', 'new-arrivals', 'highest-discount', 'complementary'];

function answers(models: RecommendationModels): unknown[] {
  return strategies.map((strategy) =>
    recommend(models, {
      strategy,
      product: 'a',
      group: 'gender:female',
      limit: 5,
      visitor: {
        viewed: [
          { id: 'a', t: now },
          { id: 'b', t: now },
        ],
        purchased: [{ id: 'c', t: now }],
        cart: [],
        history: ['a', 'b'],
        groups: ['gender:female'],
      },
      rules: {},
      now,
    }),
  );
}

describe('model snapshots', () => {
  it('a model stored and loaded again answers every strategy exactly as the trained one, and keeps counting live events', () => {
    const trained = trainModels(catalog, interactions, { now, forYou: { window: Infinity } });
    const loaded = decodeSnapshot(encodeSnapshot({ format: 1, models: trained }));
    if (typeof loaded !== 'object' || loaded === null) throw new Error('no snapshot');
    const models: unknown = Reflect.get(loaded, 'models');
    if (!isModels(models)) throw new Error('the snapshot holds no models');
    expect(models.index).toBeInstanceOf(Map);
    expect(models.forYou.table.scores).toBeInstanceOf(Float32Array);
    expect(models.forYou.options.window).toBe(Infinity);
    expect(answers(models)).toEqual(answers(trained));
    // Both go on from the same counters: a live purchase moves trending the same way in each.
    for (const target of [trained, models]) for (let i = 0; i < 20; i++) observe(target, { profile: 'live', item: 'f', kind: 'purchase', t: now, groups: ['gender:female'] });
    expect(answers(models)).toEqual(answers(trained));
    expect(recommendTop(models).at(0)).toBe('f');
  });
});

function isModels(value: unknown): value is RecommendationModels {
  return typeof value === 'object' && value !== null && Reflect.get(value, 'index') instanceof Map && Reflect.get(value, 'report') !== undefined;
}

function recommendTop(models: RecommendationModels): string[] {
  return recommend(models, { strategy: 'trending', limit: 3, visitor: { viewed: [], purchased: [], cart: [], history: [], groups: [] }, rules: {}, now }).map((item) => item.id);
}
