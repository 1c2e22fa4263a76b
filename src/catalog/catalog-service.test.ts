import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { IngestService } from '../ingest/ingest-service.js';
import { manualClock } from '../shared/clock.js';
import { findEvents } from '../log/store/event-log.js';
import { BACK_IN_STOCK, CatalogService, PRICE_DROPPED } from './catalog-service.js';
import { normalizeCategory, validateProduct } from './product.js';

const ws = 'ws_catalog';
const jacket = {
  id: 'p-jacket',
  sku: 'JKT-1',
  name: 'Rain Jacket',
  url: 'https://shop.test/p/jacket',
  image_url: 'https://shop.test/i/jacket.jpg',
  category: ['Apparel', 'Outerwear', 'Jackets'],
  brand: 'Nordwind',
  price: 120,
  currency: 'eur',
  inventory: 0,
  attributes: { color: 'navy' },
};

describe('validateProduct', () => {
  it('normalizes category paths given as a string or an array', () => {
    expect(normalizeCategory('Apparel>Outerwear >  Jackets')).toBe('Apparel > Outerwear > Jackets');
    expect(normalizeCategory(['Apparel', ' Outerwear', 'Jackets'])).toBe('Apparel > Outerwear > Jackets');
    expect(normalizeCategory('  ')).toBeNull();
  });

  it('returns the first problem as a value with its field', () => {
    expect(validateProduct({ id: 'x', name: 'X', price: -1 })).toMatchObject({ ok: false, field: '/price' });
    expect(validateProduct({ id: 'x' })).toMatchObject({ ok: false, field: '/name' });
    expect(validateProduct({ id: ' ', name: 'X' })).toEqual({ ok: false, field: '/id', message: 'must not be blank' });
    expect(validateProduct({ id: 'x', name: 'X', inventory: 1.5 })).toMatchObject({ ok: false, field: '/inventory' });
    expect(validateProduct({ id: 'x', name: 'X', colour: 'red' })).toMatchObject({ ok: false });
    expect(validateProduct(jacket)).toMatchObject({ ok: true, product: { currency: 'EUR', category: 'Apparel > Outerwear > Jackets' } });
  });
});

describe.each(dialects)('CatalogService (%s)', (dialect) => {
  let store: TestStore;
  let catalog: CatalogService;
  const clock = manualClock(Date.parse('2024-05-01T10:00:00Z'));

  beforeEach(async () => {
    store = await createTestStore(dialect);
    const ingest = new IngestService({ database: store.database, partitions: 4, clock });
    catalog = new CatalogService({ database: store.database, events: ingest, clock });
  });
  afterEach(async () => {
    await store.drop();
  });

  it('creates, reads, lists and deletes products; bad items come back as values', async () => {
    const result = await catalog.upsertProducts(ws, [
      jacket,
      { id: 'p-boot', name: 'Trail Boot', category: 'Footwear > Boots', brand: 'Nordwind', price: 90, inventory: 5 },
      { id: 'p-bad', name: 'Bad', price: 'cheap' },
      { id: 'p-cream', name: 'Day Cream', category: 'Beauty', brand: 'Lumi', price: 25 },
    ]);
    expect(result).toMatchObject({ created: 3, updated: 0, unchanged: 0, events: 0 });
    expect(result.errors).toEqual([{ index: 2, id: 'p-bad', field: '/price', message: expect.any(String) }]);

    const stored = await catalog.getProduct(ws, 'p-jacket');
    expect(stored).toMatchObject({
      category: 'Apparel > Outerwear > Jackets',
      category_path: ['Apparel', 'Outerwear', 'Jackets'],
      currency: 'EUR',
      attributes: { color: 'navy' },
      created_at: '2024-05-01T10:00:00.000Z',
    });
    expect(await catalog.getProduct('other_ws', 'p-jacket')).toBeUndefined();

    const ids = async (query: Parameters<CatalogService['listProducts']>[1]) => (await catalog.listProducts(ws, query)).products.map((product) => product.id);
    expect(await ids({ category: 'Apparel' })).toEqual(['p-jacket']);
    expect(await ids({ category: 'Apparel > Outerwear > Jackets' })).toEqual(['p-jacket']);
    expect(await ids({ category: 'Appar' })).toEqual([]);
    expect(await ids({ brand: 'Nordwind' })).toEqual(['p-boot', 'p-jacket']);
    // Untracked stock (null) counts as available; 0 does not.
    expect(await ids({ inStock: true })).toEqual(['p-boot', 'p-cream']);
    expect(await ids({ inStock: false })).toEqual(['p-jacket']);

    const first = await catalog.listProducts(ws, { limit: 2 });
    expect(first.products.map((product) => product.id)).toEqual(['p-boot', 'p-cream']);
    expect(first.next_cursor).not.toBeNull();
    const second = await catalog.listProducts(ws, { limit: 2, cursor: first.next_cursor ?? '' });
    expect(second).toMatchObject({ products: [{ id: 'p-jacket' }], next_cursor: null });

    expect(await catalog.deleteProduct(ws, 'p-boot')).toBe(true);
    expect(await catalog.deleteProduct(ws, 'p-boot')).toBe(false);
    expect(await catalog.getProduct(ws, 'p-boot')).toBeUndefined();
  });

  it('emits Price Dropped and Back In Stock once, in the product write', async () => {
    await catalog.upsertProducts(ws, [jacket, { id: 'p-cap', name: 'Cap', price: 20, inventory: null }]);
    clock.advance(60_000);
    const change = { ...jacket, price: 90, inventory: 7 };
    const result = await catalog.upsertProducts(ws, [change, { id: 'p-cap', name: 'Cap', price: 20, inventory: 3 }]);
    expect(result).toMatchObject({ created: 0, updated: 2, events: 2 });

    const events = await findEvents(store.database.db, ws, { type: 'track' });
    expect(events.map((entry) => entry.event).sort()).toEqual([BACK_IN_STOCK, PRICE_DROPPED]);
    const drop = events.find((entry) => entry.event === PRICE_DROPPED);
    const updatedAt = Date.parse('2024-05-01T10:01:00Z');
    expect(drop?.messageId).toBe(`catalog-price-p-jacket-${updatedAt}`);
    expect(drop?.message.properties).toEqual({
      product_id: 'p-jacket',
      sku: 'JKT-1',
      name: 'Rain Jacket',
      url: jacket.url,
      image_url: jacket.image_url,
      category: 'Apparel > Outerwear > Jackets',
      brand: 'Nordwind',
      previous_price: 120,
      price: 90,
      currency: 'EUR',
      drop_percent: 25,
    });
    const stock = events.find((entry) => entry.event === BACK_IN_STOCK);
    expect(stock?.message.properties).toMatchObject({ product_id: 'p-jacket', inventory: 7, price: 90 });
    expect(stock?.timestamp).toBe(updatedAt);

    // A re-run of the same data changes nothing and emits nothing.
    clock.advance(60_000);
    const rerun = await catalog.upsertProducts(ws, [change, { id: 'p-cap', name: 'Cap', price: 20, inventory: 3 }]);
    expect(rerun).toMatchObject({ unchanged: 2, updated: 0, events: 0 });
    expect(await findEvents(store.database.db, ws)).toHaveLength(2);
    expect((await catalog.getProduct(ws, 'p-jacket'))?.updated_at).toBe('2024-05-01T10:01:00.000Z');

    // A price rise and a sell-out are not events.
    await catalog.upsertProducts(ws, [{ ...change, price: 150, inventory: 0 }]);
    expect(await findEvents(store.database.db, ws)).toHaveLength(2);
  });

  it('upsertProduct returns the stored product or the validation error', async () => {
    const created = await catalog.upsertProduct(ws, { id: 'p1', name: 'Mug', price: 8.5, currency: 'usd' });
    expect(created).toMatchObject({ ok: true, created: true, product: { id: 'p1', price: 8.5, currency: 'USD', category_path: [] } });
    const failed = await catalog.upsertProduct(ws, { id: 'p1', name: '' });
    expect(failed).toMatchObject({ ok: false, error: { index: 0, id: 'p1', field: '/name' } });
  });
});
