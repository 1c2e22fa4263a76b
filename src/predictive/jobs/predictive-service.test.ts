import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../../test/helpers/databases.js';
import { shopEvents } from '../../../test/helpers/predictive-shop.js';
import { IngestService } from '../../ingest/ingest-service.js';
import { Processor } from '../../processor/processor.js';
import { ProfileScores } from '../../profiles/profile-scores.js';
import { emptyState } from '../../profiles/state.js';
import { parseCondition } from '../../segments/condition.js';
import { evaluateCondition } from '../../segments/evaluate.js';
import { manualClock } from '../../shared/clock.js';
import { RapportError } from '../../shared/errors.js';
import { upsertProducts } from '../../catalog/store/products.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { insertWorkspace } from '../../workspaces/store/workspaces.js';
import { PredictiveService, REFRESH_JOB, type RefreshProgress } from './predictive-service.js';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');

describe.each(dialects)('predictive refresh on the event log (%s)', (dialect) => {
  let store: TestStore;
  const clock = manualClock(NOW);
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('fits the models on orders resolved to profiles, writes scores usable in segments, and stores the report', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 2, clock });
    const events = shopEvents(600, 9, NOW);
    for (let start = 0; start < events.length; start += 500) await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: NOW }, { items: events.slice(start, start + 500) });
    await new Processor({ database: store.database, clock, batchSize: 1000 }).drain();
    await store.database.transaction((trx) =>
      upsertProducts(trx, 'w', [
        { id: 'coffee', sku: null, name: 'Coffee', url: null, image_url: null, category: null, brand: null, price: 10, currency: 'EUR', inventory: 3, attributes: {}, createdAt: NOW, updatedAt: NOW },
        {
          id: 'filters',
          sku: null,
          name: 'Filters',
          url: null,
          image_url: null,
          category: null,
          brand: null,
          price: 4,
          currency: 'EUR',
          inventory: 100_000,
          attributes: {},
          createdAt: NOW,
          updatedAt: NOW,
        },
      ]),
    );
    const scores = new ProfileScores({ database: store.database, clock });
    const service = new PredictiveService({ database: store.database, clock, scores });
    const phases = new Set<string>();
    const view = await service.refresh('w', { trigger: 'cli', onProgress: (progress: RefreshProgress) => phases.add(progress.phase) });
    expect([...phases]).toEqual(['read', 'clv', 'propensity', 'next-order', 'stock-out', 'write']);
    expect(view.status).toBe('completed');
    const report = view.report;
    if (report === null) throw new Error('no report');
    expect(report.data.customers).toBe(600);
    expect(report.clv.bgnbd.status).toBe('fitted');
    if (report.clv.bgnbd.status === 'fitted') {
      expect(report.clv.bgnbd.optimizer.converged).toBe(true);
      // Drawn with r = 0.8 and α = 60 days; 600 customers pin r within a wide band only.
      expect(report.clv.bgnbd.params.r).toBeGreaterThan(0.4);
      expect(report.clv.bgnbd.params.r).toBeLessThan(1.6);
    }
    expect(report.clv.gammaGamma.status).toBe('fitted');
    expect(report.propensity['30d'].status).toBe('trained');
    expect(report.nextOrder.status).toBe('fitted');
    expect(report.stockout.restock.map((row) => row.productId)).toEqual(['coffee']);
    expect(report.scores.keys).toEqual(expect.arrayContaining(['churn_risk', 'clv_tier', 'next_order_at', 'p_alive', 'predicted_clv', 'propensity_30d', 'next_replenishment_product']));

    // The scores sit on the profiles, and a segment condition can use them.
    const profileRows = await store.database.db.selectFrom('identities').select(['profile_id', 'value']).where('workspace_id', '=', 'w').where('type', '=', 'user_id').execute();
    const ids = profileRows.map((row) => row.profile_id);
    const stored = await scores.read('w', ids);
    expect(stored.size).toBe(600);
    const condition = parseCondition({
      type: 'and',
      conditions: [
        { type: 'score', key: 'p_alive', op: 'gte', value: 0.5 },
        { type: 'score', key: 'clv_tier', op: 'equals', value: 'high' },
      ],
    });
    let members = 0;
    for (const [profileId, values] of stored) {
      const pAlive = values.p_alive;
      expect(typeof pAlive === 'number' && pAlive >= 0 && pAlive <= 1).toBe(true);
      expect(typeof values.next_order_at === 'string' && Date.parse(values.next_order_at) >= NOW).toBe(true);
      const inSegment = evaluateCondition(condition, { profileId, state: emptyState(), scores: values, events: new Map(), memberships: new Set() }, NOW);
      expect(inSegment).toBe(typeof pAlive === 'number' && pAlive >= 0.5 && values.clv_tier === 'high');
      if (inSegment) members += 1;
    }
    expect(members).toBeGreaterThan(0);
    const soon = parseCondition({ type: 'score', key: 'next_order_at', op: 'date_within_next', amount: 30, unit: 'days' });
    expect([...stored].some(([profileId, values]) => evaluateCondition(soon, { profileId, state: emptyState(), scores: values, events: new Map(), memberships: new Set() }, NOW))).toBe(true);

    const [latest] = await service.reports('w');
    expect(latest?.id).toBe(view.id);
    expect((await service.report('w', view.id))?.report?.clv.bgnbd.status).toBe('fitted');
    expect(await service.report('w', 'nope')).toBeUndefined();
  });

  it('records "not enough history" on the report instead of writing nonsense scores', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 1, clock });
    await ingest.ingest(
      { workspaceId: 'w', sourceId: null, receivedAt: NOW },
      {
        items: [1, 2, 3].map((k) => ({ type: 'track', userId: `u${k}`, event: 'Order Completed', messageId: `o${k}`, timestamp: new Date(NOW - k * DAY_MS).toISOString(), properties: { total: 10 } })),
      },
    );
    await new Processor({ database: store.database, clock, batchSize: 100 }).drain();
    const scores = new ProfileScores({ database: store.database, clock });
    const service = new PredictiveService({ database: store.database, clock, scores });
    const view = await service.refresh('w', { trigger: 'api' });
    const report = view.report;
    if (report === null) throw new Error('no report');
    expect(report.clv.bgnbd).toEqual({ status: 'insufficient-data', needs: '30 customers', has: '3', message: 'not enough history: needs 30 customers, has 3' });
    expect(report.propensity['7d'].status).toBe('insufficient-data');
    expect(report.nextOrder.status).toBe('insufficient-data');
    expect(report.scores.written).toBe(0);
  });

  it('fails a refresh whose fit does not converge, writes no scores and keeps the previous ones', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 2, clock });
    const events = shopEvents(300, 4, NOW);
    for (let start = 0; start < events.length; start += 500) await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: NOW }, { items: events.slice(start, start + 500) });
    await new Processor({ database: store.database, clock, batchSize: 1000 }).drain();
    const scores = new ProfileScores({ database: store.database, clock });
    const good = await new PredictiveService({ database: store.database, clock, scores }).refresh('w', { trigger: 'cli' });
    expect(good.status).toBe('completed');
    const profileRows = await store.database.db.selectFrom('identities').select('profile_id').where('workspace_id', '=', 'w').execute();
    const ids = profileRows.map((row) => row.profile_id);
    const before = await scores.read('w', ids);
    expect(before.size).toBe(300);

    // A minute later, so the two reports sort by time on every dialect.
    const starved = new PredictiveService({ database: store.database, clock: manualClock(NOW + 60_000), scores, options: { fitMaxIterations: 1 } });
    const failed = await starved.refresh('w', { trigger: 'cli' });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe(
      `BG/NBD fit did not converge (optimizer stopped with "max-iterations" after 1 iterations); no scores were written and the previous scores stay: profiles keep the scores of refresh ${good.id} (${good.startedAt})`,
    );
    expect(failed.report?.scores.written).toBe(0);
    expect(failed.report?.clv.bgnbd.status).toBe('fitted');
    expect(await scores.read('w', ids)).toEqual(before);
    const [latest] = await starved.reports('w');
    expect(latest).toMatchObject({ id: failed.id, status: 'failed' });
  });

  it('fails a refresh whose fit is degenerate before any refresh succeeded, and says profiles have no scores yet', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 1, clock });
    const items: Record<string, unknown>[] = [];
    // Repeat buyers on a regular beat up to yesterday and one-time buyers: nothing says anyone drops out.
    for (let c = 0; c < 40; c += 1)
      for (let k = 0; k <= 5 + (c % 3); k += 1)
        items.push({
          type: 'track',
          userId: `r${c}`,
          event: 'Order Completed',
          messageId: `r${c}-${k}`,
          timestamp: new Date(NOW - (1 + (100 + c) * (1 - k / (5 + (c % 3)))) * DAY_MS).toISOString(),
          properties: { total: 20 },
        });
    for (let c = 0; c < 40; c += 1)
      items.push({ type: 'track', userId: `o${c}`, event: 'Order Completed', messageId: `o${c}`, timestamp: new Date(NOW - (2 + c) * DAY_MS).toISOString(), properties: { total: 20 } });
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: NOW }, { items });
    await new Processor({ database: store.database, clock, batchSize: 1000 }).drain();
    const scores = new ProfileScores({ database: store.database, clock });
    const view = await new PredictiveService({ database: store.database, clock, scores }).refresh('w', { trigger: 'api' });
    expect(view.status).toBe('failed');
    expect(view.error).toMatch(
      /^BG\/NBD fit is degenerate: \w+ = \S+ is (near zero|huge) .*; no scores were written and the previous scores stay: no earlier refresh succeeded, so profiles have no predictive scores yet$/,
    );
    const profileRows = await store.database.db.selectFrom('identities').select('profile_id').where('workspace_id', '=', 'w').execute();
    expect(
      (
        await scores.read(
          'w',
          profileRows.map((row) => row.profile_id),
        )
      ).size,
    ).toBe(0);
  });

  it('refreshes each workspace from a durable scheduled job and reschedules it', async () => {
    const jobClock = manualClock(NOW);
    await insertWorkspace(store.database.db, { id: 'w', name: 'w', createdAt: NOW });
    const scores = new ProfileScores({ database: store.database, clock: jobClock });
    const service = new PredictiveService({ database: store.database, clock: jobClock, scores, refreshIntervalMs: 3_600_000 });
    const scheduler = new Scheduler({ database: store.database, clock: jobClock });
    await service.schedule(scheduler);
    await service.schedule(scheduler);
    expect(await scheduler.runDue()).toBe(0);
    expect(await service.reports('w')).toEqual([]);
    jobClock.advance(3_600_000);
    expect(await scheduler.runDue()).toBe(1);
    const [report] = await service.reports('w');
    expect(report?.trigger).toBe('job');
    expect(report?.status).toBe('completed');
    expect((await scheduler.get('w', REFRESH_JOB))?.dueAt).toBe(NOW + 2 * 3_600_000);
  });

  it('refuses a second refresh of the same workspace while one runs', async () => {
    const scores = new ProfileScores({ database: store.database, clock });
    const service = new PredictiveService({ database: store.database, clock, scores });
    const outcome = await store.database.tryWithLock('predictive:w', () =>
      service.refresh('w', { trigger: 'api' }).then(
        () => 'ran',
        (error: unknown) => error,
      ),
    );
    expect(outcome).toBeInstanceOf(RapportError);
    expect(outcome instanceof RapportError && outcome.code).toBe('conflict');
  });
});
