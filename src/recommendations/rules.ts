import { Type, type Static } from '@sinclair/typebox';

/*
 * Business rules on recommendations: one TypeBox schema, the type of the same name, shared by the
 * admin API (stored per workspace and per strategy), the engine and the template interface.
 */

export const strategyNames = ['also-bought', 'viewed-together', 'complementary', 'recently-viewed', 'trending', 'best-sellers', 'new-arrivals', 'highest-discount', 'for-you'] as const;
export const StrategyName = Type.Union(strategyNames.map((name) => Type.Literal(name)));
export type StrategyName = Static<typeof StrategyName>;

/** @example isStrategyName('for-you') // true */
export function isStrategyName(value: string): value is StrategyName {
  return strategyNames.some((name) => name === value);
}

const Boost = Type.Object(
  {
    category: Type.Optional(Type.String({ minLength: 1, description: 'A category path; matches it and its subcategories' })),
    brand: Type.Optional(Type.String({ minLength: 1 })),
    product: Type.Optional(Type.String({ minLength: 1 })),
    factor: Type.Number({ exclusiveMinimum: 0, description: 'Multiplies the score: 2 doubles it, 0.5 halves it' }),
  },
  { additionalProperties: false },
);

export const BusinessRules = Type.Object(
  {
    inStockOnly: Type.Optional(Type.Boolean({ description: 'Only products with inventory > 0 or untracked inventory (default true)' })),
    excludePurchased: Type.Optional(Type.Boolean({ description: 'Leave out what the customer bought (default true)' })),
    repurchaseDays: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Number({ minimum: 0 }), {
        description: 'Per category path: days after which a purchased product may be recommended again (consumables); "*" for every other category',
      }),
    ),
    excludeCart: Type.Optional(Type.Boolean({ description: 'Leave out products in the open cart (default true)' })),
    priceMin: Type.Optional(Type.Number({ minimum: 0 })),
    priceMax: Type.Optional(Type.Number({ minimum: 0 })),
    includeCategories: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Only these category paths (and their subcategories)' })),
    excludeCategories: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    includeBrands: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    excludeBrands: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    boosts: Type.Optional(Type.Array(Boost, { maxItems: 100 })),
    pins: Type.Optional(
      Type.Array(Type.Object({ product: Type.String({ minLength: 1 }), position: Type.Integer({ minimum: 1, description: '1 = first' }) }, { additionalProperties: false }), {
        maxItems: 50,
      }),
    ),
    maxPerCategory: Type.Optional(Type.Integer({ minimum: 1 })),
    maxPerBrand: Type.Optional(Type.Integer({ minimum: 1 })),
    fallback: Type.Optional(Type.Array(StrategyName, { maxItems: 9, description: 'Strategies that fill the list when this one has too few results (cold start, new items)' })),
  },
  { additionalProperties: false },
);
export type BusinessRules = Static<typeof BusinessRules>;

/** Fallback chain when none is configured: personal first, then what is selling now. */
export const defaultFallback: readonly StrategyName[] = ['trending', 'best-sellers'];
