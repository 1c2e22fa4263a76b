import { sql } from 'kysely';
import type { Tx } from '../../storage/database.js';
import type { ProductsTable } from './tables.js';
import { categoryPath, CATEGORY_SEPARATOR, type Product, type ProductFields } from '../product.js';

/** A product with its times as milliseconds (the service needs them for event ids). */
export interface StoredProduct extends ProductFields {
  createdAt: number;
  updatedAt: number;
}

export interface ProductFilter {
  category?: string | undefined;
  brand?: string | undefined;
  inStock?: boolean | undefined;
  /** Only ids greater than this one (keyset pagination). */
  afterId?: string | undefined;
  limit: number;
}

// 14 bound values a row; far below both dialects' limits.
const CHUNK = 500;

function toStored(row: ProductsTable): StoredProduct {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    url: row.url,
    image_url: row.image_url,
    category: row.category,
    brand: row.brand,
    price: row.price === null ? null : Number(row.price),
    currency: row.currency,
    inventory: row.inventory,
    attributes: parseAttributes(row.attributes),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function parseAttributes(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
}

/** The API shape of a stored product. */
export function toProduct(stored: StoredProduct): Product {
  const { createdAt, updatedAt, ...fields } = stored;
  return {
    ...fields,
    category_path: categoryPath(fields.category),
    created_at: new Date(createdAt).toISOString(),
    updated_at: new Date(updatedAt).toISOString(),
  };
}

/** Products with these ids (missing ids are simply absent from the map). */
export async function findProductsByIds(db: Tx, workspaceId: string, ids: string[]): Promise<Map<string, StoredProduct>> {
  const found = new Map<string, StoredProduct>();
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    const rows = await db.selectFrom('products').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', chunk).execute();
    for (const row of rows) found.set(row.id, toStored(row));
  }
  return found;
}

export async function findProduct(db: Tx, workspaceId: string, id: string): Promise<StoredProduct | undefined> {
  const row = await db.selectFrom('products').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row ? toStored(row) : undefined;
}

/** Inserts or replaces products inside the caller's transaction. */
export async function upsertProducts(trx: Tx, workspaceId: string, products: StoredProduct[]): Promise<void> {
  for (let start = 0; start < products.length; start += CHUNK) {
    const values = products.slice(start, start + CHUNK).map((product) => ({
      workspace_id: workspaceId,
      id: product.id,
      sku: product.sku,
      name: product.name,
      url: product.url,
      image_url: product.image_url,
      category: product.category,
      brand: product.brand,
      price: product.price,
      currency: product.currency,
      inventory: product.inventory,
      attributes: JSON.stringify(product.attributes),
      created_at: product.createdAt,
      updated_at: product.updatedAt,
    }));
    await trx
      .insertInto('products')
      .values(values)
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'id']).doUpdateSet((eb) => ({
          sku: eb.ref('excluded.sku'),
          name: eb.ref('excluded.name'),
          url: eb.ref('excluded.url'),
          image_url: eb.ref('excluded.image_url'),
          category: eb.ref('excluded.category'),
          brand: eb.ref('excluded.brand'),
          price: eb.ref('excluded.price'),
          currency: eb.ref('excluded.currency'),
          inventory: eb.ref('excluded.inventory'),
          attributes: eb.ref('excluded.attributes'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** A page of products ordered by id. */
export async function listProducts(db: Tx, workspaceId: string, filter: ProductFilter): Promise<StoredProduct[]> {
  let query = db.selectFrom('products').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.category !== undefined) {
    const category = filter.category;
    // A category matches itself and every subcategory below it. Prefix compare with substr, not
    // LIKE, so `%` or `_` in a category name is not a wildcard; both dialects count code points.
    const prefix = `${category}${CATEGORY_SEPARATOR}`;
    const length = [...prefix].length;
    query = query.where((eb) => eb.or([eb('category', '=', category), eb(sql<string>`substr(category, 1, ${length})`, '=', prefix)]));
  }
  if (filter.brand !== undefined) query = query.where('brand', '=', filter.brand);
  if (filter.inStock === true) query = query.where((eb) => eb.or([eb('inventory', '>', 0), eb('inventory', 'is', null)]));
  if (filter.inStock === false) query = query.where('inventory', '<=', 0);
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
  const rows = await query.orderBy('id').limit(filter.limit).execute();
  return rows.map(toStored);
}

export async function deleteProduct(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result = await trx.deleteFrom('products').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface CatalogRow {
  id: string;
  category: string | null;
  brand: string | null;
  price: number | null;
  inventory: number | null;
  attributes: string;
  createdAt: number;
}

/** A page of the catalog in id order, after `afterId`. */
export async function readCatalogPage(db: Tx, workspaceId: string, afterId: string | undefined, limit: number): Promise<CatalogRow[]> {
  let query = db.selectFrom('products').select(['id', 'category', 'brand', 'price', 'inventory', 'attributes', 'created_at']).where('workspace_id', '=', workspaceId);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((row) => ({
    id: row.id,
    category: row.category,
    brand: row.brand,
    price: row.price === null ? null : Number(row.price),
    inventory: row.inventory === null ? null : Number(row.inventory),
    attributes: row.attributes,
    createdAt: Number(row.created_at),
  }));
}

/** The catalog fields a recommendation answer shows, and the live stock it is filtered by. */
export type ServingProduct = Pick<ProductFields, 'id' | 'name' | 'url' | 'image_url' | 'price' | 'currency' | 'category' | 'brand' | 'inventory'>;

/**
 * Products by id, live from the catalog (stock is never served from a copy), with only the
 * fields an answer needs: no attributes JSON to read and parse per request.
 * @example const products = await readServingProducts(db, 'default', ['p1', 'p2']); products.get('p1')?.inventory
 */
export async function readServingProducts(db: Tx, workspaceId: string, ids: readonly string[]): Promise<Map<string, ServingProduct>> {
  const found = new Map<string, ServingProduct>();
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    if (chunk.length === 0) break;
    const { rows } = await sql<Omit<ServingProduct, 'price'> & { price: number | string | null }>`
      select id, name, url, image_url, price, currency, category, brand, inventory
      from products
      where workspace_id = ${workspaceId} and id in (${sql.join(chunk.map((id) => sql`${id}`))})`.execute(db);
    for (const row of rows) found.set(row.id, { ...row, price: row.price === null ? null : Number(row.price) });
  }
  return found;
}

/**
 * The newest in-stock products (the answer before any model is trained), newest first.
 * @example const newest = await readNewestProducts(db, 'default', 4, ['p1']);
 */
export async function readNewestProducts(db: Tx, workspaceId: string, limit: number, exclude: readonly string[]): Promise<Omit<ServingProduct, 'inventory'>[]> {
  let query = db
    .selectFrom('products')
    .select(['id', 'name', 'url', 'image_url', 'price', 'currency', 'category', 'brand'])
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('inventory', 'is', null), eb('inventory', '>', 0)]));
  if (exclude.length > 0) query = query.where('id', 'not in', [...exclude]);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ ...row, price: row.price === null ? null : Number(row.price) }));
}

/**
 * Products whose stock is tracked.
 * @example const stock = await readTrackedInventory(db, 'ws');
 */
export async function readTrackedInventory(db: Tx, workspaceId: string): Promise<{ productId: string; name: string; inventory: number }[]> {
  const rows = await db.selectFrom('products').select(['id', 'name', 'inventory']).where('workspace_id', '=', workspaceId).where('inventory', 'is not', null).execute();
  return rows.map((row) => ({ productId: row.id, name: row.name, inventory: Number(row.inventory ?? 0) }));
}
