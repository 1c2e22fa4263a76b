import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import type { IngestService, SystemMessage } from '../ingest/index.js';
import * as repo from './store/products.js';
import type { StoredProduct } from './store/products.js';
import { validateProduct, type Product, type ProductFields, type ProductItemError, type ProductListQuery, type ProductPage, type UpsertProductsResult } from './product.js';

export const PRICE_DROPPED = 'Price Dropped';
export const BACK_IN_STOCK = 'Back In Stock';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const MAX_MESSAGE_ID = 100;

export interface CatalogDeps {
  database: Database;
  /** Only `appendSystem` is used: catalog events commit in the product write's transaction. */
  events: Pick<IngestService, 'appendSystem'>;
  clock: Clock;
}

export type UpsertOneResult = { ok: true; product: Product; created: boolean; events: number } | { ok: false; error: ProductItemError };

/**
 * Products, prices and inventory. Every write that lowers a price or restocks a sold-out product
 * appends a `Price Dropped` / `Back In Stock` event in the same transaction, with a messageId
 * derived from the change, so journeys can react and a re-run adds nothing.
 * @example const result = await catalog.upsertProducts('ws', [{ id: 'p1', name: 'Jacket', price: 90 }]);
 */
export class CatalogService {
  constructor(private readonly deps: CatalogDeps) {}

  /** Validates each item; valid ones are written (and their events appended) in one transaction. */
  async upsertProducts(workspaceId: string, items: unknown[]): Promise<UpsertProductsResult> {
    const errors: ProductItemError[] = [];
    const valid: ProductFields[] = [];
    items.forEach((item, index) => {
      const result = validateProduct(item);
      if (result.ok) valid.push(result.product);
      else errors.push({ index, id: idOf(item), field: result.field, message: result.message });
    });
    const result: UpsertProductsResult = { created: 0, updated: 0, unchanged: 0, errors, events: 0 };
    if (valid.length === 0) return result;
    const now = this.deps.clock.now();
    await this.deps.database.transaction(async (trx) => {
      const existing = await repo.findProductsByIds(trx, workspaceId, [...new Set(valid.map((product) => product.id))]);
      const writes = new Map<string, StoredProduct>();
      const messages: SystemMessage[] = [];
      for (const fields of valid) {
        const before = writes.get(fields.id) ?? existing.get(fields.id);
        if (before !== undefined && sameFields(before, fields)) {
          result.unchanged += 1;
          continue;
        }
        if (before === undefined) result.created += 1;
        else result.updated += 1;
        const after: StoredProduct = { ...fields, createdAt: before?.createdAt ?? now, updatedAt: now };
        writes.set(fields.id, after);
        if (before !== undefined) messages.push(...changeEvents(before, after));
      }
      await repo.upsertProducts(trx, workspaceId, [...writes.values()]);
      if (messages.length > 0) {
        const outcome = await this.deps.events.appendSystem({ workspaceId, sourceId: null, receivedAt: now }, messages, trx);
        result.events = outcome.accepted - outcome.duplicates;
      }
    });
    return result;
  }

  /** PUT of one product: the same rules as the bulk upsert, for one item. */
  async upsertProduct(workspaceId: string, item: unknown): Promise<UpsertOneResult> {
    const result = await this.upsertProducts(workspaceId, [item]);
    const error = result.errors[0];
    if (error !== undefined) return { ok: false, error };
    const id = idOf(item);
    const product = id === null ? undefined : await this.getProduct(workspaceId, id.trim());
    if (product === undefined) throw new Error('upserted product not found');
    return { ok: true, product, created: result.created === 1, events: result.events };
  }

  async getProduct(workspaceId: string, id: string): Promise<Product | undefined> {
    const stored = await repo.findProduct(this.deps.database.db, workspaceId, id);
    return stored === undefined ? undefined : repo.toProduct(stored);
  }

  /** A page ordered by id; pass `next_cursor` back as `cursor` for the next one. */
  async listProducts(workspaceId: string, query: ProductListQuery = {}): Promise<ProductPage> {
    const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
    const rows = await repo.listProducts(this.deps.database.db, workspaceId, {
      category: query.category,
      brand: query.brand,
      inStock: query.inStock,
      afterId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      // One extra row tells whether another page exists without a count query.
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      products: page.map(repo.toProduct),
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null,
    };
  }

  async deleteProduct(workspaceId: string, id: string): Promise<boolean> {
    return this.deps.database.transaction((trx) => repo.deleteProduct(trx, workspaceId, id));
  }
}

function idOf(item: unknown): string | null {
  if (typeof item !== 'object' || item === null || !('id' in item)) return null;
  return typeof item.id === 'string' ? item.id : null;
}

function sameFields(before: ProductFields, after: ProductFields): boolean {
  return (
    before.sku === after.sku &&
    before.name === after.name &&
    before.url === after.url &&
    before.image_url === after.image_url &&
    before.category === after.category &&
    before.brand === after.brand &&
    before.price === after.price &&
    before.currency === after.currency &&
    before.inventory === after.inventory &&
    JSON.stringify(before.attributes) === JSON.stringify(after.attributes)
  );
}

/** The events one product change causes (pure). */
export function changeEvents(before: StoredProduct, after: StoredProduct): SystemMessage[] {
  const messages: SystemMessage[] = [];
  const timestamp = new Date(after.updatedAt).toISOString();
  const base = {
    product_id: after.id,
    sku: after.sku,
    name: after.name,
    url: after.url,
    image_url: after.image_url,
    category: after.category,
    brand: after.brand,
  };
  // A price in another currency is not comparable: a currency switch is not a drop.
  const sameCurrency = before.currency === after.currency || before.currency === null || after.currency === null;
  if (before.price !== null && after.price !== null && after.price < before.price && before.price > 0 && sameCurrency) {
    messages.push({
      type: 'track',
      event: PRICE_DROPPED,
      messageId: messageId('catalog-price', after.id, after.updatedAt),
      timestamp,
      properties: {
        ...base,
        previous_price: before.price,
        price: after.price,
        currency: after.currency ?? before.currency,
        drop_percent: Math.round(((before.price - after.price) / before.price) * 10000) / 100,
      },
    });
  }
  // Only a sold-out product coming back counts; a product whose stock was untracked (null) is
  // not "back".
  if (before.inventory !== null && before.inventory <= 0 && after.inventory !== null && after.inventory > 0) {
    messages.push({
      type: 'track',
      event: BACK_IN_STOCK,
      messageId: messageId('catalog-stock', after.id, after.updatedAt),
      timestamp,
      properties: { ...base, price: after.price, currency: after.currency, inventory: after.inventory },
    });
  }
  return messages;
}

/** `<prefix>-<product>-<updated_at>`, hashed when a long product id would pass Segment's 100-character limit. */
function messageId(prefix: string, productId: string, updatedAt: number): string {
  const readable = `${prefix}-${productId}-${updatedAt}`;
  if (readable.length <= MAX_MESSAGE_ID) return readable;
  return `${prefix}-${stableHash(productId)}-${updatedAt}`;
}

function stableHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
