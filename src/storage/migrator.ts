import { Migrator, type Kysely, type Migration } from 'kysely';
import * as migrationSets from './migration-sets.js';

/**
 * Every module's migrations in one list, ordered by name. Names are stable forever: they are
 * the version history, recorded in each store, so moving a migration between modules never
 * renames it and a store migrated before the move has nothing to apply.
 * @example Object.keys(collectMigrations()) // ['0001-core', '0002-identity-provenance', ...]
 */
export function collectMigrations(sets: readonly Record<string, Migration>[] = Object.values(migrationSets)): Record<string, Migration> {
  const byName = new Map<string, Migration>();
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (byName.has(name)) throw new MigrationError(`migration ${name} is listed by two modules`);
      byName.set(name, migration);
    }
  }
  const ordered: Record<string, Migration> = Object.create(null) as Record<string, Migration>;
  for (const name of [...byName.keys()].sort()) ordered[name] = byName.get(name) as Migration;
  return ordered;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies pending migrations; returns the names applied in this call.
 * @example const applied = await migrateToLatest(db);
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Migrator is schema-agnostic
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => collectMigrations() } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`);
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/**
 * The migrations this code knows that the store has not applied (readiness: a process whose
 * schema is behind must not take traffic).
 * @example (await pendingMigrations(database.db)).length === 0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Migrator is schema-agnostic
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => collectMigrations() } });
  return (await migrator.getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
