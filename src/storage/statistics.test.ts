import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { waitFor } from '../../test/helpers/server.js';
import { autovacuumOn, openDatabase, refreshStatistics, type Database } from './database.js';

/** How often PostgreSQL has analysed `table` by hand (ANALYZE, not autovacuum). */
async function analyzeCount(database: Database, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | null }>`select analyze_count::int as n from pg_stat_user_tables where relname = ${table}`.execute(database.db);
  return Number(rows[0]?.n ?? 0);
}

describe.each(dialects)('planner statistics and the connection budget (%s)', (dialect) => {
  let store: TestStore | undefined;

  afterEach(async () => {
    await store?.drop();
    store = undefined;
  });

  it('analyses every table after migrations and on demand (PostgreSQL); SQLite needs nothing', async () => {
    store = await createTestStore(dialect);
    if (dialect === 'sqlite') {
      await expect(refreshStatistics(store.database)).resolves.toBeUndefined();
      expect(await autovacuumOn(store.database)).toBeUndefined();
      return;
    }
    const database = store.database;
    // The store was migrated on open: every table has been analysed once.
    for (const table of ['events', 'profiles', 'jobs'])
      expect(await waitFor(`${table} analysed after migrations`, async () => ((await analyzeCount(database, table)) >= 1 ? true : undefined))).toBe(true);
    const before = await analyzeCount(database, 'events');
    await refreshStatistics(database);
    await waitFor('a second ANALYZE of events', async () => ((await analyzeCount(database, 'events')) > before ? true : undefined));
    const { rows } = await sql<{ on: boolean }>`select current_setting('autovacuum') = 'on' as on`.execute(database.db);
    expect(await autovacuumOn(database)).toBe(rows[0]?.on);
  });

  it('opens at most poolMax PostgreSQL connections however many queries wait', async () => {
    if (dialect === 'sqlite') return;
    store = await createTestStore(dialect);
    // Its connections carry their own application name, so they are counted apart from the test store's.
    const url = new URL(store.databaseUrl ?? '');
    url.searchParams.set('application_name', 'rapport_pool_test');
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir: store.dataDir, migrate: false, poolMax: 2 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const transactions = Array.from({ length: 5 }, () =>
        database.db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
          await held;
        }),
      );
      const connections = async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'rapport_pool_test'`.execute(
          store?.database.db ?? database.db,
        );
        return Number(rows[0]?.n ?? 0);
      };
      // Five transactions wait for a connection; the pool opens two, never five.
      await waitFor('the pool to open its connections', async () => ((await connections()) >= 2 ? true : undefined));
      expect(await connections()).toBe(2);
      release();
      await Promise.all(transactions);
    } finally {
      release();
      await database.close();
    }
  });
});
