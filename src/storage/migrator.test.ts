import { Migrator, type Migration } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { getWorkspace, insertWorkspace } from '../workspaces/store/workspaces.js';
import { collectMigrations, MigrationError, migrateToLatest } from './migrator.js';

/*
 * Migration names are the version history each store records. They were one list in
 * src/storage/migrator.ts until the modules took their own; this is that list, frozen, so a
 * store migrated before the move (or by any release since) keeps working.
 */
const HISTORY = [
  '0001-core',
  '0002-identity-provenance',
  '0003-workspace-settings',
  '0004-profile-scores',
  '0005-segments',
  '0006-scheduler-journeys',
  '0007-channels',
  '0008-analytics',
  '0009-predictive',
  '0010-recommendations',
  '0011-experiments',
  '0012-snippets',
  '0013-credential-scopes-audit',
  '0015-outbox-brand',
  '0020-compact-log',
];

describe("collecting the modules' migrations", () => {
  it('keeps every historical name, in its order, and adds new ones only after them', () => {
    const names = Object.keys(collectMigrations());
    expect(names.filter((name) => HISTORY.includes(name))).toEqual(HISTORY);
    // Kysely refuses a store whose applied migrations are not a prefix of the list.
    const last = HISTORY[HISTORY.length - 1] ?? '';
    expect(names.filter((name) => !HISTORY.includes(name) && name < last)).toEqual([]);
  });

  it('orders by name whatever order the modules are listed in, and refuses a name listed twice', () => {
    const up: Migration = { up: async () => undefined };
    expect(Object.keys(collectMigrations([{ '0003-b': up }, { '0001-a': up, '0002-c': up }]))).toEqual(['0001-a', '0002-c', '0003-b']);
    expect(() => collectMigrations([{ '0001-a': up }, { '0001-a': up }])).toThrow(MigrationError);
  });
});

describe.each(dialects)('a store migrated with the one list of before (%s)', (dialect) => {
  let store: TestStore;
  afterEach(async () => store.drop());

  it("has nothing to apply under the modules' migrations and keeps working", async () => {
    store = await createTestStore(dialect, { migrate: false });
    const all = collectMigrations();
    // The migrator of before: the same migrations under the same names, from one record.
    const before: Record<string, Migration> = Object.fromEntries(HISTORY.map((name) => [name, all[name] as Migration]));
    const old = new Migrator({ db: store.database.db, provider: { getMigrations: async () => before } });
    const { error, results } = await old.migrateToLatest();
    expect(error).toBeUndefined();
    expect(results?.map((result) => result.migrationName)).toEqual(HISTORY);

    const newer = Object.keys(all).filter((name) => !HISTORY.includes(name));
    expect(await migrateToLatest(store.database.db)).toEqual(newer);
    expect(await migrateToLatest(store.database.db)).toEqual([]);
    expect(await insertWorkspace(store.database.db, { id: 'ws_1', name: 'Shop', createdAt: 1 })).toBe(true);
    expect(await getWorkspace(store.database.db, 'ws_1')).toEqual({ id: 'ws_1', name: 'Shop', createdAt: 1 });
  });
});
