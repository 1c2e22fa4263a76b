import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../../test/helpers/databases.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { duckFile, fixtureEvents, loadMessages, T0, DAY, HOUR, MIN, ws } from '../test/fixture.js';
import type { FunnelQuery } from '../queries.js';
import type { TrackingMessage } from '../../ingest/message.js';

const funnel: FunnelQuery = {
  steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Checkout Started' }, { event: 'Order Completed' }],
  from: new Date(T0 - HOUR).toISOString(),
  to: new Date(T0 + 2 * DAY).toISOString(),
  windowHours: 168,
};
const may = { from: '2024-05-01T00:00:00.000Z', to: '2024-06-01T00:00:00.000Z' };

// Every expected number below is worked out by hand from src/analytics/test/fixture.ts.
describe.each(dialects)('DuckDB analytics engine (%s log)', (dialect) => {
  let store: TestStore;
  let engine: DuckDbEngine;
  let dir: string;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    await loadMessages(store.database, fixtureEvents());
    dir = tempDir('rapport-duck-');
    engine = await DuckDbEngine.open(store.database, { file: duckFile(dir) });
    const report = await engine.sync();
    expect(report.events).toBe(24);
  });
  afterAll(async () => {
    await engine.close();
    await store.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts a loose funnel with conversion, drop-off and time to convert', async () => {
    const result = await engine.funnel(ws, funnel);
    expect(result.steps.map((step) => step.profiles)).toEqual([5, 3, 2, 2]);
    expect(result.steps.map((step) => step.dropOff)).toEqual([0, 2, 1, 0]);
    expect(result.steps[1]?.conversionFromPrevious).toBeCloseTo(0.6, 12);
    expect(result.steps[3]?.conversionFromFirst).toBeCloseTo(0.4, 12);
    // u1 4 min, u3 17 min, u2 58 min; then 5 and 10 min; then 2 and 10 min.
    expect(result.steps.map((step) => step.medianSeconds)).toEqual([null, 1020, 450, 360]);
    expect(result.steps[1]?.timeToConvert.filter((bucket) => bucket.profiles > 0)).toEqual([
      { bucket: '1-10m', profiles: 1 },
      { bucket: '10m-1h', profiles: 2 },
    ]);
  });

  it('applies strict order, property filters and windows', async () => {
    // u2 browses a page between view and add; u3 clicks an email between checkout and order.
    const strict = await engine.funnel(ws, { ...funnel, order: 'strict' });
    expect(strict.steps.map((step) => step.profiles)).toEqual([5, 2, 2, 1]);
    const shoes = await engine.funnel(ws, { ...funnel, steps: [{ event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 'shoes' }] }, ...funnel.steps.slice(1)] });
    expect(shoes.steps.map((step) => step.profiles)).toEqual([3, 2, 2, 2]);
    const cheap = await engine.funnel(ws, { ...funnel, steps: [{ event: 'Product Viewed', where: [{ property: 'price', op: 'lt', value: 60 }] }, ...funnel.steps.slice(1)] });
    expect(cheap.steps.map((step) => step.profiles)).toEqual([3, 2, 1, 1]);
    const tenMinutes = await engine.funnel(ws, { ...funnel, windowHours: 10 / 60 });
    expect(tenMinutes.steps.map((step) => step.profiles)).toEqual([5, 1, 1, 0]);
  });

  it('names the bad parameter of a funnel', async () => {
    await expect(engine.funnel(ws, { ...funnel, steps: [{ event: 'Product Viewed', where: [{ property: 'price', op: 'gt', value: 'ten' }] }, ...funnel.steps.slice(1)] })).rejects.toThrow(
      'steps[0].where[0].value must be a number for op "gt"',
    );
    await expect(engine.funnel(ws, { ...funnel, steps: [{ event: 'Product Viewed', where: [{ property: 'price', op: 'eq' }] }, ...funnel.steps.slice(1)] })).rejects.toThrow(
      'steps[0].where[0].value is required',
    );
    await expect(engine.funnel(ws, { ...funnel, from: 'yesterday' })).rejects.toThrow('from is not a valid date-time');
    await expect(engine.funnel(ws, { ...funnel, breakdown: 'segment' })).rejects.toThrow(/segmentIds/);
  });

  it('breaks a funnel down by channel, source, device, visitor kind and month', async () => {
    const byChannel = await engine.funnel(ws, { ...funnel, breakdown: 'channel' });
    expect(byChannel.steps.map((step) => step.profiles)).toEqual([5, 3, 2, 2]);
    expect(byChannel.breakdown?.map((row) => [row.key, row.steps.map((step) => step.profiles)])).toEqual([
      ['direct', [2, 0, 0, 0]],
      ['email', [1, 1, 1, 1]],
      ['paid', [1, 1, 1, 1]],
      ['social', [1, 1, 0, 0]],
    ]);
    const bySource = await engine.funnel(ws, { ...funnel, breakdown: 'source' });
    expect(bySource.breakdown?.map((row) => row.key)).toEqual(
      ['(direct)', 'facebook.com', 'google', 'newsletter'].sort((a, b) => a.localeCompare(b)).filter((key) => bySource.breakdown?.some((row) => row.key === key)),
    );
    const byDevice = await engine.funnel(ws, { ...funnel, breakdown: 'device' });
    expect(byDevice.breakdown?.map((row) => [row.key, row.steps[0]?.profiles])).toEqual([
      ['(unknown)', 4],
      ['mobile', 1],
    ]);
    const byVisitor = await engine.funnel(ws, { ...funnel, breakdown: 'first_vs_returning' });
    // u3 bought in April, u5 added a product a minute before viewing (same session: still first).
    expect(byVisitor.breakdown?.map((row) => [row.key, row.steps.map((step) => step.profiles)])).toEqual([
      ['first', [4, 2, 1, 1]],
      ['returning', [1, 1, 1, 1]],
    ]);
    const byMonth = await engine.funnel(ws, { ...funnel, breakdown: 'month' });
    expect(byMonth.breakdown?.map((row) => row.key)).toEqual(['2024-05']);
    const segments = await engine.funnel(ws, { ...funnel, breakdown: 'segment' }, [
      { id: 'buyers', profileIds: (await engine.rfmProfiles(ws, Date.parse('2024-08-01T00:00:00Z'))).map((row) => row.profileId) },
    ]);
    expect(segments.steps.map((step) => step.profiles)).toEqual([5, 3, 2, 2]);
    expect(segments.breakdown?.map((row) => [row.key, row.steps[0]?.profiles])).toEqual([
      ['buyers', 3],
      ['(none)', 2],
    ]);
  });

  it('lists the profiles who dropped at a step', async () => {
    const dropped = await engine.droppedProfiles(ws, { ...funnel, step: 2 });
    expect(dropped).toHaveLength(2);
    const afterAdd = await engine.droppedProfiles(ws, { ...funnel, step: 3 });
    expect(afterAdd).toHaveLength(1);
    await expect(engine.droppedProfiles(ws, { ...funnel, step: 9 })).rejects.toThrow(/step must be between 2 and 4/);
  });

  it('builds purchase cohorts with repeat customers and revenue', async () => {
    const result = await engine.cohorts(ws, {});
    expect(result.cohorts).toEqual([
      {
        cohort: '2024-04',
        size: 1,
        repeatCustomers: 1,
        revenue: 130,
        periods: [
          { offset: 0, customers: 1, rate: 1, events: 1, revenue: 80 },
          { offset: 1, customers: 1, rate: 1, events: 1, revenue: 50 },
        ],
      },
      {
        cohort: '2024-05',
        size: 1,
        repeatCustomers: 1,
        revenue: 170,
        periods: [
          { offset: 0, customers: 1, rate: 1, events: 1, revenue: 100 },
          { offset: 2, customers: 1, rate: 1, events: 1, revenue: 70 },
        ],
      },
      { cohort: '2024-06', size: 1, repeatCustomers: 0, revenue: 30, periods: [{ offset: 0, customers: 1, rate: 1, events: 1, revenue: 30 }] },
    ]);
    const seen = await engine.cohorts(ws, { anchor: 'first_seen', period: 'week', returnEvent: 'Product Viewed' });
    // Everyone was first seen in the week of 2024-04-01 (u3's April order) or 2024-04-29.
    expect(seen.cohorts.map((row) => [row.cohort, row.size])).toEqual([
      ['2024-04-01', 1],
      ['2024-04-29', 4],
    ]);
  });

  it('scores RFM and reports movement between groups', async () => {
    const asOf = Date.parse('2024-08-01T00:00:00Z');
    const rows = await engine.rfmProfiles(ws, asOf);
    expect(rows.map((row) => [row.orders, row.revenue, row.r, row.f, row.m, row.group]).sort()).toEqual(
      [
        [1, 30, 2, 1, 1, 'Hibernating'],
        [2, 130, 1, 2, 2, 'Lost'],
        [2, 170, 4, 2, 4, 'Potential Loyalist'],
      ].sort(),
    );
    const summary = await engine.rfmSummary(ws, asOf);
    expect(summary.customers).toBe(3);
    expect(summary.groups.find((group) => group.group === 'Lost')?.revenue).toBe(130);
    // On 2024-05-15 u3 (2 orders) and u1 (1 order) were customers.
    const movement = await engine.rfmMovement(ws, asOf, Date.parse('2024-05-15T00:00:00Z'));
    expect(movement.reduce((sum, row) => sum + row.profiles, 0)).toBe(3);
    expect(movement.filter((row) => row.from === 'none')).toEqual([{ from: 'none', to: 'Hibernating', profiles: 1 }]);
  });

  it('attributes orders by last touch, first touch and Rapport message', async () => {
    const last = await engine.attribution(ws, may);
    expect(last.rows.map((row) => [row.key, row.orders, row.revenue, row.touched])).toEqual([
      ['paid', 1, 100, 1],
      ['email', 1, 50, 1],
    ]);
    const bySource = await engine.attribution(ws, { ...may, by: 'source', model: 'first_touch' });
    expect(bySource.rows.map((row) => [row.key, row.revenue])).toEqual([
      ['google', 100],
      ['newsletter', 50],
    ]);
    const message = await engine.attribution(ws, { ...may, by: 'message' });
    expect(message.rows.map((row) => [row.key, row.orders, row.revenue])).toEqual([
      ['none', 1, 100],
      ['email:spring-mail', 1, 50],
    ]);
    // The click came 5 minutes before the order: a 1-minute email window credits nothing.
    const short = await engine.attribution(ws, { ...may, by: 'message', emailWindowHours: 1 / 60 });
    expect(short.rows.map((row) => [row.key, row.orders])).toEqual([['none', 2]]);
  });

  it('measures sessions, orders and NPS of a period', async () => {
    const figures = await engine.periodFigures(ws, Date.parse(may.from), Date.parse(may.to));
    expect(figures).toEqual({
      sessions: 6,
      convertedSessions: 2,
      bouncedSessions: 2,
      sessionSeconds: 6840,
      orders: 2,
      revenue: 150,
      customers: 2,
      returningCustomers: 1,
      newCustomers: 1,
      newRevenue: 100,
      returningRevenue: 50,
      trafficByKind: { direct: 3, email: 1, paid: 1, social: 1 },
      revenuePerCustomerToDate: 115,
      promoters: 1,
      detractors: 1,
      surveyAnswers: 2,
    });
    const signals = await engine.maturitySignals(ws);
    expect(signals).toEqual({ profiles: 5, identifiedShare: 0.2, orders: 5, behaviourEvents: 11, channels: ['email', 'web'], personalizationEvents: 0 });
  });

  it('follows merges that happen after events were copied, and survives a restart', async () => {
    const message = (id: string, fields: Partial<TrackingMessage>, at: number): TrackingMessage => ({
      type: 'track',
      messageId: id,
      context: {},
      timestamp: new Date(at).toISOString(),
      receivedAt: new Date(at).toISOString(),
      ...fields,
    });
    // An anonymous visitor views and adds to cart: a sixth profile...
    await loadMessages(store.database, [
      message('late-1', { anonymousId: 'a9', event: 'Product Viewed', properties: { product_id: 'p3' } }, T0 + HOUR),
      message('late-2', { anonymousId: 'a9', event: 'Product Added', properties: { product_id: 'p3' } }, T0 + HOUR + MIN),
    ]);
    await engine.sync();
    expect((await engine.funnel(ws, funnel)).steps.map((step) => step.profiles)).toEqual([6, 4, 2, 2]);
    // ...until it logs in as u4: the processor merges it, and the replica moves its events.
    await loadMessages(store.database, [message('late-3', { type: 'identify', anonymousId: 'a9', userId: 'u4' }, T0 + 2 * HOUR)]);
    await engine.sync();
    expect((await engine.funnel(ws, funnel)).steps.map((step) => step.profiles)).toEqual([5, 4, 2, 2]);
    const status = await engine.status();
    expect(status.lag).toBe(0);
    expect(status.events).toBe(27);
    expect(status.profiles).toBe(5);
    await engine.close();
    engine = await DuckDbEngine.open(store.database, { file: duckFile(dir) });
    const again = await engine.sync();
    expect(again.events).toBe(0);
    expect((await engine.status()).events).toBe(27);
    const rebuilt = await engine.rebuild();
    expect(rebuilt.events).toBe(27);
    expect((await engine.funnel(ws, funnel)).steps.map((step) => step.profiles)).toEqual([5, 4, 2, 2]);
  });
});

describe('DuckDB replica passes', () => {
  it('never interleave: a rebuild during syncs copies every event once', async () => {
    const store = await createTestStore('sqlite');
    const dir = tempDir('rapport-duck-');
    try {
      await loadMessages(store.database, fixtureEvents());
      const engine = await DuckDbEngine.open(store.database, { file: duckFile(dir), pageSize: 5 });
      const reports = await Promise.all([engine.sync(), engine.rebuild(), engine.sync(), engine.rebuild()]);
      expect(reports.map((report) => report.events)).toEqual([24, 24, 0, 24]);
      expect((await engine.status()).events).toBe(24);
      await engine.close();
    } finally {
      await store.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skip the profiles they already applied, yet apply one committed late with an earlier update time', async () => {
    const store = await createTestStore('sqlite');
    const dir = tempDir('rapport-duck-');
    try {
      await loadMessages(store.database, fixtureEvents());
      const engine = await DuckDbEngine.open(store.database, { file: duckFile(dir), pageSize: 2, profileOverlapMs: 10 * DAY });
      // Five people and the anonymous profile merged into one of them.
      expect((await engine.sync()).profiles).toBe(6);
      // Every profile is inside the overlap window: a pass reads them again and applies none.
      expect((await engine.sync()).profiles).toBe(0);
      expect((await engine.maturitySignals(ws)).identifiedShare).toBe(0.2);
      // A processor transaction that read its clock before the newest profile's commits after it.
      const db = store.database.db;
      const rows = await db.selectFrom('profiles').select(['id', 'state', 'updated_at']).where('workspace_id', '=', ws).where('merged_into', 'is', null).orderBy('updated_at').execute();
      const newest = Math.max(...rows.map((row) => row.updated_at));
      const anonymous = rows.find((row) => (JSON.parse(row.state) as { ids: Record<string, unknown> }).ids.email === undefined);
      if (anonymous === undefined) throw new Error('the fixture has no anonymous profile');
      const document = JSON.parse(anonymous.state) as { ids: Record<string, unknown> };
      document.ids.email = ['late@example.com'];
      await db
        .updateTable('profiles')
        .set({ state: JSON.stringify(document), updated_at: newest - 1 })
        .where('workspace_id', '=', ws)
        .where('id', '=', anonymous.id)
        .execute();
      expect((await engine.sync()).profiles).toBe(1);
      expect((await engine.maturitySignals(ws)).identifiedShare).toBe(0.4);
      expect((await engine.sync()).profiles).toBe(0);
      await engine.close();
    } finally {
      await store.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
