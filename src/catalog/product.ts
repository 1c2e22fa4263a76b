import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/*
 * Catalog schemas: the source of truth for the `/api/v1/catalog/products` routes, the catalog
 * service and the product import. Field names follow the Segment e-commerce v2 product object
 * (snake_case: `image_url`), so a product and the events about it read the same.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Separator of a category path, as in `Apparel > Outerwear > Jackets`. */
export const CATEGORY_SEPARATOR = ' > ';

/** What a client sends to create or replace one product (PUT replaces every field). */
export const ProductInput = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200, description: 'Your product id (product_id in events)' }),
    sku: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    name: Type.String({ minLength: 1, maxLength: 1000 }),
    url: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    image_url: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    category: Type.Optional(
      Type.Union([Type.String({ maxLength: 1000 }), Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20 }), Type.Null()], {
        description: 'A path, as "Apparel > Outerwear > Jackets" or ["Apparel", "Outerwear", "Jackets"]',
      }),
    ),
    brand: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    price: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    currency: Type.Optional(Nullable(Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code' }))),
    inventory: Type.Optional(Nullable(Type.Integer({ description: 'Units in stock; null when stock is not tracked' }))),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type ProductInput = Static<typeof ProductInput>;

/** A product as stored and returned. */
export const Product = Type.Object({
  id: Type.String(),
  sku: Nullable(Type.String()),
  name: Type.String(),
  url: Nullable(Type.String()),
  image_url: Nullable(Type.String()),
  /** Normalized path string; `category_path` holds its parts. */
  category: Nullable(Type.String()),
  category_path: Type.Array(Type.String()),
  brand: Nullable(Type.String()),
  price: Nullable(Type.Number()),
  currency: Nullable(Type.String()),
  inventory: Nullable(Type.Integer()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Product = Static<typeof Product>;

/** Query of GET /api/v1/catalog/products. */
export const ProductListQuery = Type.Object({
  category: Type.Optional(Type.String({ description: 'A category path; matches it and every subcategory' })),
  brand: Type.Optional(Type.String()),
  inStock: Type.Optional(Type.Boolean({ description: 'true: inventory > 0 or not tracked (null); false: inventory <= 0' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
});
export type ProductListQuery = Static<typeof ProductListQuery>;

export const ProductPage = Type.Object({
  products: Type.Array(Product),
  next_cursor: Nullable(Type.String()),
});
export type ProductPage = Static<typeof ProductPage>;

/** One rejected item of a bulk upsert: `index` into the request, `field` as a JSON pointer. */
export const ProductItemError = Type.Object({
  index: Type.Integer(),
  id: Nullable(Type.String()),
  field: Type.String(),
  message: Type.String(),
});
export type ProductItemError = Static<typeof ProductItemError>;

export const UpsertProductsResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  errors: Type.Array(ProductItemError),
  /** System events emitted (Price Dropped, Back In Stock); duplicates of a re-run are not counted. */
  events: Type.Integer(),
});
export type UpsertProductsResult = Static<typeof UpsertProductsResult>;

/** The body of POST /api/v1/catalog/products (bulk upsert). */
export const BulkProductsBody = Type.Object({
  products: Type.Array(Type.Unknown(), { maxItems: 5000, description: 'ProductInput items, validated one by one' }),
});
export type BulkProductsBody = Static<typeof BulkProductsBody>;

/** A product's fields after validation and normalization, ready to store: a `Product` without what the store derives. */
export type ProductFields = Omit<Product, 'category_path' | 'created_at' | 'updated_at'>;

export type ProductValidation = { ok: true; product: ProductFields } | { ok: false; field: string; message: string };

/**
 * Validates one unknown item against `ProductInput` and normalizes it (trimmed strings, category
 * path joined with " > ", currency upper-case). Failures are values: one field and a message.
 * @example validateProduct({ id: 'p1', name: 'Jacket', category: ['Apparel', 'Jackets'] })
 */
export function validateProduct(item: unknown): ProductValidation {
  if (!Value.Check(ProductInput, item)) {
    const first = Value.Errors(ProductInput, item).First();
    return { ok: false, field: first?.path || '/', message: first?.message ?? 'invalid product' };
  }
  const id = item.id.trim();
  const name = item.name.trim();
  if (id === '') return { ok: false, field: '/id', message: 'must not be blank' };
  if (name === '') return { ok: false, field: '/name', message: 'must not be blank' };
  return {
    ok: true,
    product: {
      id,
      sku: blankToNull(item.sku),
      name,
      url: blankToNull(item.url),
      image_url: blankToNull(item.image_url),
      category: normalizeCategory(item.category),
      brand: blankToNull(item.brand),
      price: item.price ?? null,
      currency: item.currency ? item.currency.toUpperCase() : null,
      inventory: item.inventory ?? null,
      attributes: item.attributes ?? {},
    },
  };
}

/** `"Apparel>Outerwear > Jackets"` or `["Apparel", "Outerwear", "Jackets"]` → `"Apparel > Outerwear > Jackets"`. */
export function normalizeCategory(category: string | string[] | null | undefined): string | null {
  if (category === null || category === undefined) return null;
  const parts = (Array.isArray(category) ? category : category.split('>')).map((part) => part.trim()).filter((part) => part !== '');
  return parts.length === 0 ? null : parts.join(CATEGORY_SEPARATOR);
}

export function categoryPath(category: string | null): string[] {
  return category === null ? [] : category.split(CATEGORY_SEPARATOR);
}

function blankToNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
