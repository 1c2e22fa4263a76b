import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../test/helpers/databases.js';
import type { Database, Dialect } from '../storage/database.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import type { AnalyticsEngine } from './engine.js';
import { lazyEngine } from './lazy-engine.js';
import type { FunnelQuery } from './queries.js';
import { DAY, duckFile, fixtureEvents, HOUR, loadMessages, T0, ws } from './test/fixture.js';

/*
 * The AnalyticsEngine contract (src/analytics/engine.ts), run against every implementation:
 * DuckDB, and the lazy wrapper the CLI uses. A ClickHouse engine adds one line to `engines` and
 * passes the same tests. The numbers come from src/analytics/test/fixture.ts (worked out in
 * duckdb/duckdb-engine.test.ts); the fixture is loaded into two workspaces to check tenancy.
 */

const engines: Record<string, (database: Database, file: string) => Promise<AnalyticsEngine>> = {
  duckdb: (database, file) => DuckDbEngine.open(database, { file }),
  'lazy duckdb': async (database, file) => lazyEngine(() => DuckDbEngine.open(database, { file }), file),
};

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

describe.each(dialects)('AnalyticsEngine contract (%s log)', (dialect: Dialect) => {
  describe.each(Object.keys(engines))('%s', (name) => {
    let store: TestStore;
    let engine: AnalyticsEngine;
    let dir: string;

    beforeAll(async () => {
      store = await createTestStore(dialect);
      await loadMessages(store.database, fixtureEvents(), ws);
      await loadMessages(store.database, fixtureEvents(), other);
      dir = tempDir('rapport-duck-');
      const open = engines[name];
      if (open === undefined) throw new Error(`no engine ${name}`);
      engine = await open(store.database, duckFile(dir));
    });
    afterAll(async () => {
      await engine.close();
      await store.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('copies what the processor applied, once: a second sync copies nothing and keeps the version', async () => {
      const before = engine.version;
      expect((await engine.sync()).events).toBe(48);
      const synced = engine.version;
      expect(synced).not.toBe(before);
      expect((await engine.sync()).events).toBe(0);
      expect(engine.version).toBe(synced);
      expect(await engine.status()).toMatchObject({ lag: 0, events: 48 });
    });

    it('answers each workspace from its own events', async () => {
      expect(await funnelCounts(engine, ws)).toEqual([5, 3, 2, 2]);
      expect(await funnelCounts(engine, other)).toEqual([5, 3, 2, 2]);
      expect(await engine.droppedProfiles(ws, { ...funnel, step: 2 })).toHaveLength(2);
      expect((await engine.rfmSummary(ws, asOf)).customers).toBe(3);
      expect(await engine.funnel('nobody', funnel)).toMatchObject({ steps: [{ profiles: 0 }, { profiles: 0 }, { profiles: 0 }, { profiles: 0 }] });
    });

    it('rebuilds to the same answers', async () => {
      expect((await engine.rebuild()).events).toBe(48);
      expect(await funnelCounts(engine, ws)).toEqual([5, 3, 2, 2]);
      expect((await engine.rfmSummary(ws, asOf)).customers).toBe(3);
    });

    it("erases profiles from the workspace that asks, not another workspace's", async () => {
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
  });
});
