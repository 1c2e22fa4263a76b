import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../test/helpers/databases.js';
import type { TrackingMessage } from '../ingest/message.js';
import type { Database, Dialect } from '../storage/database.js';
import { chdbConnection, loadChdb } from './clickhouse/chdb-connection.js';
import { ClickHouseEngine } from './clickhouse/clickhouse-engine.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import type { AnalyticsEngine } from './engine.js';
import { lazyEngine } from './lazy-engine.js';
import { replicaLease } from './store/replica-lease.js';
import type { AttributionQuery, CohortQuery, FunnelQuery, PropertyFilter } from './queries.js';
import { DAY, duckFile, fixtureEvents, HOUR, loadMessages, MIN, T0, ws } from './test/fixture.js';

/*
 * The AnalyticsEngine contract (src/analytics/engine.ts), run against every implementation:
 * DuckDB, the lazy wrapper the CLI uses, and ClickHouse (embedded by chdb, the engine and dialect
 * of a ClickHouse server). The numbers come from src/analytics/test/fixture.ts (worked out in
 * duckdb/duckdb-engine.test.ts); the fixture is loaded into two workspaces to check tenancy.
 * "Same answers" asks every analysis of both engines over one log and compares them whole.
 *
 * chdb is about 550 MB installed, so it is not a dependency: `.ci/run` installs it
 * (`npm install --no-save chdb@3.4.0`); without it the ClickHouse suites are skipped and say why.
 */

const chdb = await loadChdb();
const chdbMissing = chdb === undefined ? ' (skipped: chdb is not installed; npm install --no-save --no-audit --no-fund chdb@3.4.0)' : '';
const openClickHouse = async (database: Database, dir: string): Promise<AnalyticsEngine> => ClickHouseEngine.open(database, await chdbConnection(path.join(dir, 'analytics.chdb')));

type Open = (database: Database, dir: string) => Promise<AnalyticsEngine>;
const engines: { name: string; open: Open; skip: boolean }[] = [
  { name: 'duckdb', open: (database, dir) => DuckDbEngine.open(database, { file: duckFile(dir) }), skip: false },
  { name: 'lazy duckdb', open: async (database, dir) => lazyEngine(() => DuckDbEngine.open(database, { file: duckFile(dir) }), duckFile(dir)), skip: false },
  { name: `clickhouse on chdb${chdbMissing}`, open: openClickHouse, skip: chdb === undefined },
];

const other = 'w2';
const funnel: FunnelQuery = {
  steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Checkout Started' }, { event: 'Order Completed' }],
  from: new Date(T0 - HOUR).toISOString(),
  to: new Date(T0 + 2 * DAY).toISOString(),
  windowHours: 168,
};
const asOf = Date.parse('2024-08-01T00:00:00Z');

async function funnelCounts(engine: AnalyticsEngine, workspaceId: string): Promise<number[]> {
  return (await engine.funnel(workspaceId, funnel)).steps.map((step) => step.profiles);
}

function message(id: string, fields: Partial<TrackingMessage>, at: number): TrackingMessage {
  return { type: 'track', messageId: id, context: {}, timestamp: new Date(at).toISOString(), receivedAt: new Date(at).toISOString(), ...fields };
}

describe.each(dialects)('AnalyticsEngine contract (%s log)', (dialect: Dialect) => {
  describe.each(engines)('$name', ({ open, skip }) => {
    let store: TestStore;
    let engine: AnalyticsEngine;
    let dir: string;

    beforeAll(async () => {
      if (skip) return;
      store = await createTestStore(dialect);
      await loadMessages(store.database, fixtureEvents(), ws);
      await loadMessages(store.database, fixtureEvents(), other);
      dir = tempDir('rapport-engine-');
      engine = await open(store.database, dir);
    });
    afterAll(async () => {
      if (skip) return;
      await engine.close();
      await store.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it.skipIf(skip)('copies what the processor applied, once: a second sync copies nothing and keeps the version', async () => {
      const before = engine.version;
      expect((await engine.sync()).events).toBe(48);
      const synced = engine.version;
      expect(synced).not.toBe(before);
      expect((await engine.sync()).events).toBe(0);
      expect(engine.version).toBe(synced);
      expect(await engine.status()).toMatchObject({ lag: 0, events: 48 });
    });

    it.skipIf(skip)('answers each workspace from its own events', async () => {
      expect(await funnelCounts(engine, ws)).toEqual([5, 3, 2, 2]);
      expect(await funnelCounts(engine, other)).toEqual([5, 3, 2, 2]);
      expect(await engine.droppedProfiles(ws, { ...funnel, step: 2 })).toHaveLength(2);
      expect((await engine.rfmSummary(ws, asOf)).customers).toBe(3);
      expect(await engine.funnel('nobody', funnel)).toMatchObject({ steps: [{ profiles: 0 }, { profiles: 0 }, { profiles: 0 }, { profiles: 0 }] });
    });

    it.skipIf(skip)("filters a step by its event's properties with the segment event condition's ops", async () => {
      const viewedWhere = async (filter: PropertyFilter) =>
        (await engine.funnel(ws, { ...funnel, steps: [{ event: 'Product Viewed', where: [filter] }, { event: 'Product Added' }] })).steps[0]?.profiles;
      // Viewed: u1 shoes 100, u2 bags 40, u3 shoes 50, u4 shoes 30, u5 hats (no price).
      expect(await viewedWhere({ property: 'category', op: 'equals', value: 'shoes' })).toBe(3);
      expect(await viewedWhere({ property: 'category', op: 'in', values: ['shoes', 'hats'] })).toBe(4);
      expect(await viewedWhere({ property: 'category', op: 'not_in', values: ['shoes', 'hats'] })).toBe(1);
      expect(await viewedWhere({ property: 'category', op: 'starts_with', value: 'SH' })).toBe(3);
      expect(await viewedWhere({ property: 'category', op: 'not_contains', value: 'O' })).toBe(2);
      // A missing price passes not_equals (as in segments) but not the older neq.
      expect(await viewedWhere({ property: 'price', op: 'not_equals', value: 50 })).toBe(4);
      expect(await viewedWhere({ property: 'price', op: 'neq', value: 50 })).toBe(3);
      expect(await viewedWhere({ property: 'price', op: 'between', min: 40, max: 100 })).toBe(3);
      expect(await viewedWhere({ property: 'price', op: 'not_exists' })).toBe(1);
      expect(await viewedWhere({ property: 'price', op: 'gt', value: 50 })).toBe(1);
      await expect(viewedWhere({ property: 'price', op: 'in' })).rejects.toMatchObject({ code: 'analytics.filter_invalid', issues: [{ field: 'steps[0].where[0].values' }] });
      await expect(viewedWhere({ property: 'price', op: 'between', min: 1 })).rejects.toMatchObject({ code: 'analytics.filter_invalid', issues: [{ field: 'steps[0].where[0].max' }] });
    });

    it.skipIf(skip)('rebuilds to the same answers', async () => {
      expect((await engine.rebuild()).events).toBe(48);
      expect(await funnelCounts(engine, ws)).toEqual([5, 3, 2, 2]);
      expect((await engine.rfmSummary(ws, asOf)).customers).toBe(3);
    });

    it.skipIf(skip)("erases profiles from the workspace that asks, not another workspace's", async () => {
      const dropped = await engine.droppedProfiles(ws, { ...funnel, step: 2 });
      const versionBefore = engine.version;
      expect(await engine.eraseProfiles(ws, dropped)).toBeGreaterThan(0);
      expect(engine.version).not.toBe(versionBefore);
      expect(await funnelCounts(engine, ws)).toEqual([3, 3, 2, 2]);
      expect(await funnelCounts(engine, other)).toEqual([5, 3, 2, 2]);
      // Another workspace's ids erase nothing here, and a repeat finds nothing left.
      expect(await engine.eraseProfiles(other, dropped)).toBe(0);
      expect(await engine.eraseProfiles(ws, dropped)).toBe(0);
    });

    it.skipIf(skip)('follows merges that happen after events were copied, and survives a reopen', async () => {
      // An anonymous visitor views and adds to cart: a sixth profile in the other workspace...
      await loadMessages(
        store.database,
        [
          message('late-1', { anonymousId: 'a9', event: 'Product Viewed', properties: { product_id: 'p3' } }, T0 + HOUR),
          message('late-2', { anonymousId: 'a9', event: 'Product Added', properties: { product_id: 'p3' } }, T0 + HOUR + MIN),
        ],
        other,
      );
      await engine.sync();
      expect(await funnelCounts(engine, other)).toEqual([6, 4, 2, 2]);
      // ...until it logs in as u4: the processor merges it, and the replica moves its events.
      await loadMessages(store.database, [message('late-3', { type: 'identify', anonymousId: 'a9', userId: 'u4' }, T0 + 2 * HOUR)], other);
      await engine.sync();
      expect(await funnelCounts(engine, other)).toEqual([5, 4, 2, 2]);
      const events = (await engine.status()).events;
      await engine.close();
      engine = await open(store.database, dir);
      expect((await engine.sync()).events).toBe(0);
      expect((await engine.status()).events).toBe(events);
      expect(await funnelCounts(engine, other)).toEqual([5, 4, 2, 2]);
    });
  });
});

describe.each(dialects)(`A ClickHouse replica shared by two processes (%s log)${chdbMissing}`, (dialect: Dialect) => {
  it.skipIf(chdb === undefined)('is fed by the lease holder alone; the other follows its version and takes over when it stops', async () => {
    const store = await createTestStore(dialect);
    const dir = tempDir('rapport-shared-');
    const open = async (): Promise<AnalyticsEngine> =>
      ClickHouseEngine.open(store.database, await chdbConnection(path.join(dir, 'analytics.chdb')), { lease: replicaLease(store.database.db, 'clickhouse', () => Date.now()) });
    try {
      await loadMessages(store.database, fixtureEvents(), ws);
      const first = await open();
      const second = await open();
      expect((await first.sync()).events).toBe(24);
      expect((await second.sync()).events).toBe(0);
      expect(second.version).toBe(first.version);
      expect(await funnelCounts(second, ws)).toEqual([5, 3, 2, 2]);
      await expect(second.rebuild()).rejects.toThrow(/another Rapport process feeds/);
      await loadMessages(store.database, fixtureEvents(), other);
      // The holder stops cleanly (its lease released): the other copies what came since.
      await first.close();
      expect((await second.sync()).events).toBe(24);
      expect(await funnelCounts(second, other)).toEqual([5, 3, 2, 2]);
      await second.close();
    } finally {
      await store.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Numbers to 9 significant digits: two engines may sum floating point in another order. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(9));
  if (Array.isArray(value)) return value.map(rounded);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rounded(inner)]));
  return value;
}

// Every question the analytics API can ask, with hostile names where a name is free text.
const hostile = ['constructor', "'; drop table events; --", '__proto__'];
const may = { from: '2024-05-01T00:00:00.000Z', to: '2024-06-01T00:00:00.000Z' };
const questions: { name: string; ask: (engine: AnalyticsEngine) => Promise<unknown> }[] = [
  ...(['loose', 'strict', 'any'] as const).map((order) => ({ name: `funnel ${order}`, ask: (engine: AnalyticsEngine) => engine.funnel(ws, { ...funnel, order }) })),
  ...([undefined, 'source', 'medium', 'campaign', 'channel', 'device', 'country', 'first_vs_returning', 'month'] as const).map((breakdown) => ({
    name: `funnel by ${breakdown ?? 'nothing'}`,
    ask: (engine: AnalyticsEngine) => engine.funnel(ws, { ...funnel, breakdown }),
  })),
  {
    name: 'funnel by segment',
    ask: async (engine) => {
      const dropped = await engine.droppedProfiles(ws, { ...funnel, step: 2 });
      return engine.funnel(ws, { ...funnel, breakdown: 'segment' }, [
        { id: 'dropped', profileIds: dropped },
        { id: 'constructor', profileIds: [...dropped.slice(0, 1), 'nobody'] },
      ]);
    },
  },
  { name: 'funnel with a 10-minute window', ask: (engine) => engine.funnel(ws, { ...funnel, windowHours: 10 / 60 }) },
  { name: 'funnel of any event, pages and screens', ask: (engine) => engine.funnel(ws, { ...funnel, steps: [{ event: '*', type: 'page' }, { event: '*' }, { event: 'Order Completed' }] }) },
  {
    name: 'funnel with property filters',
    ask: (engine) =>
      engine.funnel(ws, {
        ...funnel,
        steps: [
          { event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 'shoes' }] },
          { event: 'Product Added', where: [{ property: 'price', op: 'gte', value: 50 }] },
          { event: 'Checkout Started', where: [{ property: 'revenue', op: 'exists' }] },
          { event: 'Order Completed', where: [{ property: 'order_id', op: 'contains', value: 'U1' }] },
        ],
      }),
  },
  ...(['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const).map((op) => ({
    name: `funnel filtered by price ${op}`,
    ask: (engine: AnalyticsEngine) => engine.funnel(ws, { ...funnel, steps: [{ event: 'Product Viewed', where: [{ property: 'price', op, value: 50 }] }, ...funnel.steps.slice(1)] }),
  })),
  ...(
    [
      { property: 'category', op: 'in', values: ['shoes', 'bags', 50] },
      { property: 'category', op: 'not_in', values: ['shoes'] },
      { property: 'category', op: 'not_equals', value: 'shoes' },
      { property: 'category', op: 'starts_with', value: 'Ha' },
      { property: 'category', op: 'not_contains', value: 'o' },
      { property: 'price', op: 'between', min: 30, max: 50 },
      { property: 'price', op: 'not_exists' },
      { property: 'price', op: 'is_true' },
      { property: 'price', op: 'in', values: [40, 100] },
    ] satisfies PropertyFilter[]
  ).map((filter) => ({
    name: `funnel filtered by ${JSON.stringify(filter)}`,
    ask: (engine: AnalyticsEngine) => engine.funnel(ws, { ...funnel, steps: [{ event: 'Product Viewed', where: [filter] }, ...funnel.steps.slice(1)] }),
  })),
  {
    name: 'funnel with hostile names',
    ask: (engine) =>
      engine.funnel(ws, {
        ...funnel,
        steps: hostile.map((name) => ({ event: name, where: [{ property: `${name}.${name}`, op: 'neq' as const, value: name }] })),
      }),
  },
  {
    name: 'funnel with hostile property names under the segment ops',
    ask: (engine) =>
      engine.funnel(ws, {
        ...funnel,
        steps: hostile.map((name) => ({ event: name, where: [{ property: `${name}.${name}`, op: 'in' as const, values: [name, 'x'] }] })),
      }),
  },
  { name: 'dropped at step 3', ask: (engine) => engine.droppedProfiles(ws, { ...funnel, step: 3 }) },
  ...(
    [
      {},
      { period: 'week' },
      { anchor: 'first_seen', returnEvent: 'Product Viewed' },
      { anchor: 'signup', signupEvent: 'Product Added', period: 'week' },
      { anchor: 'first_purchase', returnEvent: 'Survey Responded' },
      { ...may, periods: 2 },
      { returnEvent: hostile[1] },
    ] satisfies CohortQuery[]
  ).map((query) => ({ name: `cohorts ${JSON.stringify(query)}`, ask: (engine: AnalyticsEngine) => engine.cohorts(ws, query) })),
  { name: 'rfm summary', ask: (engine) => engine.rfmSummary(ws, asOf) },
  { name: 'rfm profiles', ask: (engine) => engine.rfmProfiles(ws, asOf) },
  { name: 'rfm profiles, first two', ask: (engine) => engine.rfmProfiles(ws, asOf, 2) },
  { name: 'rfm movement', ask: (engine) => engine.rfmMovement(ws, asOf, Date.parse('2024-06-01T00:00:00Z')) },
  ...(['last_touch', 'first_touch'] as const).flatMap((model) =>
    (['channel', 'source', 'campaign', 'message'] as const).map((by) => {
      const query: AttributionQuery = { from: '2024-04-01T00:00:00Z', to: '2024-08-01T00:00:00Z', model, by };
      return { name: `attribution ${model} by ${by}`, ask: (engine: AnalyticsEngine) => engine.attribution(ws, query) };
    }),
  ),
  { name: 'attribution with a 1-day lookback', ask: (engine) => engine.attribution(ws, { ...may, lookbackDays: 1 / 48, by: 'source' }) },
  { name: 'period figures of May', ask: (engine) => engine.periodFigures(ws, Date.parse(may.from), Date.parse(may.to)) },
  { name: 'period figures of a day', ask: (engine) => engine.periodFigures(ws, T0 - HOUR, T0 + 23 * HOUR) },
  { name: 'period figures of July', ask: (engine) => engine.periodFigures(ws, Date.parse('2024-07-01T00:00:00Z'), Date.parse('2024-08-01T00:00:00Z')) },
  { name: 'maturity signals', ask: (engine) => engine.maturitySignals(ws) },
];

describe.each(dialects)(`Same answers from DuckDB and ClickHouse on chdb (%s log)${chdbMissing}`, (dialect: Dialect) => {
  let store: TestStore;
  let duck: AnalyticsEngine;
  let clickhouse: AnalyticsEngine;
  let dir: string;

  beforeAll(async () => {
    if (chdb === undefined) return;
    store = await createTestStore(dialect);
    // Hostile names as events and properties, so the filters above meet them.
    const named = hostile.map((name, index) => message(`hostile-${index}`, { userId: 'u1', event: name, properties: { [name]: { [name]: 'x' } } }, T0 + 20 * MIN + index));
    await loadMessages(store.database, [...fixtureEvents(), ...named], ws, 2);
    dir = tempDir('rapport-same-');
    duck = await DuckDbEngine.open(store.database, { file: duckFile(dir) });
    clickhouse = await openClickHouse(store.database, dir);
    expect((await duck.sync()).events).toBe(27);
    expect((await clickhouse.sync()).events).toBe(27);
  });
  afterAll(async () => {
    if (chdb === undefined) return;
    await clickhouse.close();
    await duck.close();
    await store.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(chdb === undefined).each(questions)('$name', async ({ ask }) => {
    const expected = rounded(await ask(duck));
    expect(rounded(await ask(clickhouse))).toEqual(expected);
  });
});
