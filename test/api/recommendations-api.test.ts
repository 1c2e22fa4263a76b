import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { manualClock } from '../../src/shared/clock.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { waitFor } from '../helpers/server.js';

const DAY = 86_400_000;
const start = Date.UTC(2026, 9, 1, 12);
const admin = { authorization: 'Bearer ADM' };
const basic = { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` };

const products = [
  { id: 'jacket', name: 'Winter Jacket', category: 'Apparel > Outerwear > Jackets', brand: 'North', price: 200, inventory: 5 },
  { id: 'jacket2', name: 'Rain Jacket', category: 'Apparel > Outerwear > Jackets', brand: 'South', price: 150, inventory: 5 },
  { id: 'hat', name: 'Wool Hat', category: 'Accessories > Hats', brand: 'North', price: 25, inventory: 5 },
  { id: 'gloves', name: 'Gloves', category: 'Accessories > Gloves', brand: 'North', price: 20, inventory: 5, attributes: { compare_at_price: 40 } },
  { id: 'scarf', name: 'Scarf', category: 'Accessories > Scarves', brand: 'Woolly', price: 15, inventory: 0 },
  { id: 'soap', name: 'Soap', category: 'Beauty > Soap', brand: 'Clean', price: 5, inventory: 50 },
  { id: 'socks', name: 'Socks', category: 'Apparel > Socks', brand: 'South', price: 6, inventory: 50 },
];

function order(userId: string, ids: string[], t: number, gender: string) {
  return {
    type: 'track',
    userId,
    event: 'Order Completed',
    messageId: `o-${userId}-${t}`,
    timestamp: new Date(t).toISOString(),
    context: { traits: { gender } },
    properties: { order_id: `o-${userId}-${t}`, products: ids.map((id) => ({ product_id: id, quantity: 1, price: 10 })) },
  };
}
function view(userId: string, id: string, t: number) {
  return { type: 'track', userId, event: 'Product Viewed', messageId: `v-${userId}-${id}-${t}`, timestamp: new Date(t).toISOString(), properties: { product_id: id } };
}

describe.each(dialects)('recommendations API (%s)', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;
  let filesDir: string;
  const clock = manualClock(start);

  beforeAll(async () => {
    store = await createTestStore(dialect);
    const env = { RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_LOG_LEVEL: 'silent', RAPPORT_RECS_RETRAIN_MINUTES: '0' };
    // On PostgreSQL too, files other modules keep (DuckDB replica, keys) go to a temporary directory.
    filesDir = tempDir();
    const config = loadConfig(store.databaseUrl === undefined ? { ...env, RAPPORT_DATA_DIR: store.dataDir } : { ...env, RAPPORT_DATABASE_URL: store.databaseUrl, RAPPORT_DATA_DIR: filesDir });
    rapport = await createRapport(config, { processor: 'inline', clock, logger: false });
    const upsert = await rapport.catalog.upsertProducts('default', products);
    expect(upsert.errors).toEqual([]);
    const batch = [
      order('u1', ['jacket', 'hat', 'gloves'], start - 10 * DAY, 'female'),
      order('u2', ['jacket', 'hat'], start - 9 * DAY, 'female'),
      order('u3', ['jacket2', 'gloves', 'hat'], start - 8 * DAY, 'male'),
      order('u4', ['jacket', 'gloves'], start - 7 * DAY, 'male'),
      order('u5', ['soap'], start - 6 * DAY, 'female'),
      order('u6', ['soap', 'socks'], start - 5 * DAY, 'female'),
      view('u7', 'jacket', start - 2 * DAY),
      view('u7', 'hat', start - 2 * DAY + 60_000),
      view('u8', 'jacket', start - DAY),
      view('u8', 'hat', start - DAY + 60_000),
      view('u8', 'gloves', start - DAY + 120_000),
      view('u9', 'jacket', start - 3600_000),
    ];
    const response = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: basic, payload: { batch } });
    expect(response.json()).toMatchObject({ success: true, accepted: batch.length });
    await rapport.processor.drain();
  }, 60_000);

  afterAll(async () => {
    await rapport.close();
    await store.drop();
    fs.rmSync(filesDir, { recursive: true, force: true });
  });

  it('trains as a background job with progress and a model report', async () => {
    const started = await rapport.app.inject({ method: 'POST', url: '/api/v1/recommendations/trainings', headers: admin });
    expect(started.statusCode).toBe(202);
    const id: string = started.json().id;
    // Through the API, as a client follows a background job: bounded, and failing with what it waited for.
    const training = await waitFor(
      `training ${id} to finish`,
      async () => {
        const polled = (await rapport.app.inject({ method: 'GET', url: `/api/v1/recommendations/trainings/${id}`, headers: admin })).json();
        return polled.status === 'succeeded' || polled.status === 'failed' ? polled : undefined;
      },
      30_000,
    );
    expect(training).toMatchObject({ status: 'succeeded', progress: 1, stage: 'done', trigger: 'api', error: null });
    expect(training.report).toMatchObject({ products: 7, events: 12, interactions: { view: 6, cart: 0, purchase: 13 }, unknownProducts: 0 });
    expect(training.report.alsoBoughtPairs).toBeGreaterThan(0);
    expect(training.report.categoryRules).toBeGreaterThan(0);
    const listed = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations/trainings', headers: admin });
    expect(listed.json().trainings[0].id).toBe(id);
  });

  it('serves also-bought with a recommendation id naming the strategy', async () => {
    const response = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=also-bought&product=jacket&limit=2', headers: admin });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.recommendation_id).toMatch(/^rec\.also-bought\./);
    expect(body.items.map((item: { id: string }) => item.id).sort()).toEqual(['gloves', 'hat']);
    expect(body.items[0]).toMatchObject({ strategy: 'also-bought', pinned: false });
    expect(body.items[0].name).toBeTypeOf('string');
  });

  it('personalizes for a profile and never returns what the profile bought', async () => {
    const profile = await rapport.profiles.lookupProfile('default', 'user_id', 'u2');
    expect(profile).toBeDefined();
    const response = await rapport.app.inject({ method: 'GET', url: `/api/v1/recommendations?strategy=for-you&profile=${profile?.id ?? ''}&limit=5`, headers: admin });
    const ids = response.json().items.map((item: { id: string }) => item.id);
    expect(response.json().profile_id).toBe(profile?.id);
    expect(ids).not.toContain('jacket');
    expect(ids).not.toContain('hat');
    expect(ids[0]).toBe('gloves');
    expect(ids).not.toContain('scarf'); // out of stock
  });

  it('ranks best-sellers within the visitor gender', async () => {
    const male = await rapport.profiles.lookupProfile('default', 'user_id', 'u3');
    const response = await rapport.app.inject({ method: 'GET', url: `/api/v1/recommendations?strategy=best-sellers&group=gender:female&limit=1`, headers: admin });
    expect(response.json().items[0].id).toBe('soap');
    const own = await rapport.app.inject({ method: 'GET', url: `/api/v1/recommendations?strategy=best-sellers&profile=${male?.id ?? ''}&limit=2`, headers: admin });
    // u3 bought jacket2, gloves, hat: excluded; among men's remaining best-sellers jacket leads.
    expect(own.json().items[0].id).toBe('jacket');
  });

  it('fills template slots through the slot provider', async () => {
    const profile = await rapport.profiles.lookupProfile('default', 'user_id', 'u7');
    const products = await rapport.recommendations.slotProvider().recommend({ workspaceId: 'default', profileId: profile?.id ?? '', slot: 'similar', limit: 2, contextProductIds: ['jacket'] });
    expect(products.map((product) => product.id).sort()).toEqual(['gloves', 'hat']);
    expect(products[0]).toMatchObject({ currency: null, brand: 'North' });
    expect(typeof products[0]?.name).toBe('string');
  });

  it('fills a template slot with the trained model when a message is rendered', async () => {
    const profile = await rapport.profiles.lookupProfile('default', 'user_id', 'u7');
    const created = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/templates',
      headers: admin,
      payload: {
        name: 'goes with',
        channel: 'sms',
        publish: true,
        source: { default: { body: "{% assign picks = 'similar' | recommendations: 2 %}{% for p in picks %}[{{ p.id }}]{% endfor %}" } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const preview = await rapport.app.inject({
      method: 'POST',
      url: `/api/v1/templates/${created.json().id}/preview`,
      headers: admin,
      payload: { profileId: profile?.id ?? '', data: { event: { event: 'Product Viewed', properties: { product_id: 'jacket' } } } },
    });
    expect(preview.statusCode).toBe(200);
    // The model's also-bought neighbours of the jacket, not the recently-viewed default.
    expect(
      preview
        .json()
        .text.match(/\[([^\]]+)\]/g)
        ?.sort(),
    ).toEqual(['[gloves]', '[hat]']);
  });

  it('stores business rules per strategy and applies them', async () => {
    const put = await rapport.app.inject({ method: 'PUT', url: '/api/v1/recommendations/rules/also-bought', headers: admin, payload: { excludeBrands: ['North'], fallback: ['highest-discount'] } });
    expect(put.statusCode).toBe(200);
    const rules = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations/rules', headers: admin });
    expect(rules.json().rules['also-bought']).toEqual({ excludeBrands: ['North'], fallback: ['highest-discount'] });
    const filtered = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=also-bought&product=jacket&limit=3', headers: admin });
    // hat and gloves are North: removed; the fallback has nothing else discounted and in stock.
    expect(filtered.json().items).toEqual([]);
    const bad = await rapport.app.inject({ method: 'PUT', url: '/api/v1/recommendations/rules/also-bought', headers: admin, payload: { maxPerBrand: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('maxPerBrand');
    const unknown = await rapport.app.inject({ method: 'PUT', url: '/api/v1/recommendations/rules/nope', headers: admin, payload: {} });
    expect(unknown.statusCode).toBe(400);
    expect((await rapport.app.inject({ method: 'DELETE', url: '/api/v1/recommendations/rules/also-bought', headers: admin })).statusCode).toBe(204);
    expect((await rapport.app.inject({ method: 'DELETE', url: '/api/v1/recommendations/rules/also-bought', headers: admin })).statusCode).toBe(404);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const document = (await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/recommendations', '/api/v1/recommendations/trainings', '/api/v1/recommendations/rules/{strategy}', '/v1/recommendations']),
    );
  });

  it('rejects a bad strategy or limit with a message naming the field', async () => {
    const strategy = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=magic', headers: admin });
    expect(strategy.statusCode).toBe(400);
    expect(JSON.stringify(strategy.json())).toContain('strategy');
    const limit = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=trending&limit=0', headers: admin });
    expect(limit.statusCode).toBe(400);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=trending' })).statusCode).toBe(401);
  });

  it('serves the SDK with a write key, by user id, without exposing the profile', async () => {
    const response = await rapport.app.inject({ method: 'GET', url: '/v1/recommendations?strategy=recently-viewed&userId=u8&limit=3', headers: { ...basic, origin: 'https://shop.example' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(response.json().profile_id).toBeNull();
    expect(response.json().items.map((item: { id: string }) => item.id)).toEqual(['gloves', 'hat', 'jacket']);
    const query = await rapport.app.inject({ method: 'GET', url: '/v1/recommendations?strategy=trending&writeKey=WK&limit=1' });
    expect(query.statusCode).toBe(200);
    expect((await rapport.app.inject({ method: 'GET', url: '/v1/recommendations?strategy=trending' })).statusCode).toBe(401);
    expect((await rapport.app.inject({ method: 'GET', url: '/v1/recommendations?strategy=trending&writeKey=nope' })).statusCode).toBe(401);
  });

  it('checks stock against the live catalog: a product sold out after training is not served', async () => {
    const gloves = products.find((product) => product.id === 'gloves');
    await rapport.catalog.upsertProducts('default', [{ ...gloves, inventory: 0 }]);
    const result = await rapport.recommendations.recommend('default', { strategy: 'also-bought', product: 'jacket', limit: 5, rules: { fallback: [] } });
    expect(result.items.map((item) => item.id)).toEqual(['hat']);
    // The restock appends Back In Stock; the live tail puts the product back without retraining.
    await rapport.catalog.upsertProducts('default', [{ ...gloves, inventory: 5 }]);
    await rapport.recommendations.catchUp('default');
    const restocked = await rapport.recommendations.recommend('default', { strategy: 'also-bought', product: 'jacket', limit: 5, rules: { fallback: [] } });
    expect(restocked.items.map((item) => item.id).sort()).toEqual(['gloves', 'hat']);
  });

  it('updates trending live from new events, without retraining', async () => {
    const before = await rapport.recommendations.recommend('default', { strategy: 'trending', limit: 1 });
    expect(before.items[0]?.id).toBe('jacket');
    const batch = Array.from({ length: 10 }, (_, index) => view(`live${index}`, 'socks', start + 1000));
    await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: basic, payload: { batch } });
    // The append woke the tail, which follows partition by partition: this pass finds what is
    // left of the 10 (anything from none to all), and the next finds nothing.
    const left = await rapport.recommendations.catchUp('default');
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBeLessThanOrEqual(10);
    expect(await rapport.recommendations.catchUp('default')).toBe(0);
    clock.advance(2000); // past the one-second cache of the top list
    const provider = rapport.recommendations.provider();
    const after = await provider('default', { strategy: 'trending', limit: 1 });
    expect(after.items[0]?.id).toBe('socks');
    expect(after.training_id).toBe(before.training_id);
  });
});
