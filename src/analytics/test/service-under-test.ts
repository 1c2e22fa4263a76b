import fs from 'node:fs';
import { createTestStore, tempDir, type TestStore } from '../../../test/helpers/databases.js';
import { ProfileScores } from '../../profiles/profile-scores.js';
import type { Clock } from '../../shared/clock.js';
import type { Dialect } from '../../storage/database.js';
import { AnalyticsService } from '../analytics-service.js';
import { DuckDbEngine } from '../duckdb/duckdb-engine.js';
import { duckFile } from './fixture.js';

/** An analytics service over a fresh store of one dialect and its own DuckDB file. */
export interface AnalyticsUnderTest {
  store: TestStore;
  engine: DuckDbEngine;
  analytics: AnalyticsService;
  close(): Promise<void>;
}

/**
 * Opens a fresh store, lets `fill` load it, then opens DuckDB and the service over it.
 * @example const test = await openAnalytics('sqlite', clock, (store) => loadMessages(store.database, fixtureEvents()));
 */
export async function openAnalytics(dialect: Dialect, clock: Clock, fill: (store: TestStore) => Promise<void>): Promise<AnalyticsUnderTest> {
  const store = await createTestStore(dialect);
  await fill(store);
  const duckDir = tempDir('rapport-duck-');
  const engine = await DuckDbEngine.open(store.database, { file: duckFile(duckDir) });
  const analytics = new AnalyticsService({ database: store.database, engine, clock, scores: new ProfileScores({ database: store.database, clock }) });
  return {
    store,
    engine,
    analytics,
    async close() {
      await engine.close();
      await store.drop();
      fs.rmSync(duckDir, { recursive: true, force: true });
    },
  };
}
