import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogService } from '../catalog/catalog-service.js';
import { IngestService } from '../ingest/ingest-service.js';
import { manualClock } from '../shared/clock.js';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { waitFor } from '../../test/helpers/server.js';
import { RecommendationService } from './recommendation-service.js';

/*
 * Serving never waits on a training (issue 13, item 3): the first email of a shop rendered a
 * recommendation slot that trained the models inside the render and hit the render limit.
 */

const T0 = Date.UTC(2026, 10, 2, 12);

describe.each(dialects)('recommendations before any model (%s)', (dialect) => {
  let store: TestStore;
  const clock = manualClock(T0);

  beforeEach(async () => {
    store = await createTestStore(dialect);
    const catalog = new CatalogService({ database: store.database, events: new IngestService({ database: store.database, partitions: 1, clock }), clock });
    const products = [
      { id: 'old', name: 'Old Coat', price: 90, inventory: 3 },
      { id: 'sold-out', name: 'Sold-out Hat', price: 20, inventory: 0 },
    ];
    expect((await catalog.upsertProducts('ws', products)).errors).toEqual([]);
    clock.advance(60_000);
    expect((await catalog.upsertProducts('ws', [{ id: 'new', name: 'New Scarf', price: 15, image_url: 'https://shop.example/i/new.jpg' }])).errors).toEqual([]);
  });

  afterEach(async () => {
    await store.drop();
  });

  it('answers at once with the newest in-stock products and trains in the background', async () => {
    const recs = new RecommendationService({ database: store.database, clock, partitions: 1 });
    const first = await recs.recommend('ws', { strategy: 'for-you', limit: 3 });
    expect(first.training_id).toBeNull();
    expect(first.items.map((item) => [item.id, item.strategy])).toEqual([
      ['new', 'new-arrivals'],
      ['old', 'new-arrivals'],
    ]);
    expect(first.items[0]?.image_url).toBe('https://shop.example/i/new.jpg');
    // The request started a training rather than running one: it is on record and still settling.
    const [training] = await recs.listTrainings('ws');
    expect(training?.trigger).toBe('first-request');
    // Joins the run in flight; asked before that run has begun, it trains on its own, and the
    // queued first-request run still settles in the background: wait for it (bounded), not luck.
    const joined = await recs.train('ws');
    expect(joined.status).toBe('succeeded');
    const done = await waitFor(
      'the first-request training to settle',
      async () => {
        const record = await recs.getTraining('ws', training?.id ?? '');
        return record?.status === 'queued' || record?.status === 'running' ? undefined : record;
      },
      60_000,
    );
    expect(done.status).toBe('succeeded');
    const later = await recs.recommend('ws', { strategy: 'new-arrivals', limit: 3, product: 'new' });
    expect([joined.id, done.id]).toContain(later.training_id);
    await recs.stop();
  });

  it('the slot provider of templates never trains inside the call', async () => {
    const recs = new RecommendationService({ database: store.database, clock, partitions: 1 });
    const picks = await recs.slotProvider().recommend({ workspaceId: 'ws', profileId: 'prf_x', slot: 'cart_complements', limit: 2, contextProductIds: ['new'] });
    expect(picks.map((pick) => pick.id)).toEqual(['old']);
    await recs.stop();
  });

  it('trains every workspace at start in the background when the schedule is on, and not when it is off', async () => {
    const off = new RecommendationService({ database: store.database, clock, partitions: 1, retrainIntervalMs: 0 });
    await off.trainAtStart(['ws']);
    expect(await off.listTrainings('ws')).toEqual([]);
    await off.stop();
    const on = new RecommendationService({ database: store.database, clock, partitions: 1, retrainIntervalMs: 3_600_000 });
    await on.trainAtStart(['ws']);
    const [training] = await on.listTrainings('ws');
    expect([training?.trigger, training?.status]).toEqual(['start', 'succeeded']);
    expect((await on.recommend('ws', { strategy: 'new-arrivals', limit: 1 })).training_id).toBe(training?.id);
    await on.stop();
  });

  it('retrains in the background when a request finds the model older than the retraining interval, and never when it is off', async () => {
    const recs = new RecommendationService({ database: store.database, clock, partitions: 1, retrainIntervalMs: 3_600_000 });
    const first = await recs.train('ws');
    const ask = () => recs.recommend('ws', { strategy: 'new-arrivals', limit: 1 });
    clock.advance(3_599_999);
    expect((await ask()).training_id).toBe(first.id);
    expect(await recs.listTrainings('ws')).toHaveLength(1);
    clock.advance(1);
    // Served from the model there is; the retraining runs behind the answer.
    expect((await ask()).training_id).toBe(first.id);
    await waitFor('the scheduled retraining', async () => ((await recs.listTrainings('ws'))[0]?.status === 'succeeded' && (await recs.listTrainings('ws')).length === 2 ? true : undefined), 20_000);
    const [latest] = await recs.listTrainings('ws');
    expect(latest?.trigger).toBe('schedule');
    expect((await ask()).training_id).toBe(latest?.id);
    expect(await recs.listTrainings('ws')).toHaveLength(2);
    await recs.stop();
    const off = new RecommendationService({ database: store.database, clock, partitions: 1, retrainIntervalMs: 0 });
    await off.train('ws');
    clock.advance(365 * 86_400_000);
    await off.recommend('ws', { strategy: 'new-arrivals', limit: 1 });
    expect((await off.listTrainings('ws')).filter((training) => training.trigger === 'schedule')).toHaveLength(1);
    await off.stop();
  });

  it('a model trained before the shop had a catalog does not hide the catalog, and is retrained once there is one', async () => {
    const recs = new RecommendationService({ database: store.database, clock, partitions: 1 });
    // The first start trains on an empty workspace (another workspace id: no products there).
    const empty = await recs.train('empty-shop');
    expect(empty.status).toBe('succeeded');
    const none = await recs.recommend('empty-shop', { strategy: 'for-you', limit: 3 });
    expect(none.items).toEqual([]);
    // No catalog yet: the empty model is not retrained on every request.
    expect(await recs.listTrainings('empty-shop')).toHaveLength(1);
    // The demo (or an import) fills the catalog afterwards: serving falls back to it at once.
    const catalog = new CatalogService({ database: store.database, events: new IngestService({ database: store.database, partitions: 1, clock }), clock });
    expect((await catalog.upsertProducts('empty-shop', [{ id: 'p1', name: 'Linen Shirt', price: 40, inventory: 5 }])).errors).toEqual([]);
    const filled = await recs.recommend('empty-shop', { strategy: 'for-you', limit: 3 });
    expect(filled.items.map((item) => [item.id, item.strategy])).toEqual([['p1', 'new-arrivals']]);
    const trainings = await recs.listTrainings('empty-shop');
    expect(trainings.map((training) => training.trigger)).toContain('first-request');
    const retrained = await recs.train('empty-shop');
    expect(retrained.status).toBe('succeeded');
    expect((await recs.recommend('empty-shop', { strategy: 'new-arrivals', limit: 3 })).training_id).toBe(retrained.id);
    await recs.stop();
  });
});
