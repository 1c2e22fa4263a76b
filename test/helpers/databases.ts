import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { testDatabaseUrl } from '../../src/config/config.js';
import { openDatabase, type Database, type Dialect } from '../../src/storage/database.js';
import { randomId } from '../../src/shared/ids.js';

/** A fresh, migrated store plus its location, removed again by `drop()`. */
export interface TestStore {
  database: Database;
  /** SQLite: the data dir; PostgreSQL: the database URL. */
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

const postgresUrl = testDatabaseUrl();

/**
 * The dialects this run tests: SQLite always, PostgreSQL when RAPPORT_TEST_DATABASE_URL is set,
 * which test/setup/postgres.ts does when a server answers at 127.0.0.1:5432.
 * Use with `describe.each(dialects)`.
 */
export const dialects: Dialect[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

if (!postgresUrl) {
  // Said once per test file so a skipped dialect is never silent.
  console.info('PostgreSQL runs skipped: RAPPORT_TEST_DATABASE_URL is empty, or unset and no server answered at 127.0.0.1:5432.');
}

export function tempDir(prefix = 'rapport-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Opens a fresh store of the given dialect: a temp SQLite dir, or a new PostgreSQL database.
 * `migrate: false` leaves it empty, for tests of the migrations themselves.
 */
export async function createTestStore(dialect: Dialect, options: { migrate?: boolean } = {}): Promise<TestStore> {
  const migrate = options.migrate ?? true;
  if (dialect === 'sqlite') {
    const dataDir = tempDir();
    const database = await openDatabase({ dataDir, migrate });
    return {
      database,
      dataDir,
      databaseUrl: undefined,
      async drop() {
        await database.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!postgresUrl) throw new Error('RAPPORT_TEST_DATABASE_URL is not set');
  const name = `rapport_t_${randomId('x', 6)
    .slice(2)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}_${process.pid}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  // The data directory holds the files a PostgreSQL store still keeps beside it (secret keys):
  // a temp dir, never the URL, which a test would create as a folder in the working directory.
  const dataDir = tempDir();
  const database = await openDatabase({ databaseUrl, dataDir, migrate });
  return {
    database,
    dataDir,
    databaseUrl,
    async drop() {
      await database.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Makes the real store refuse inserts into `table` whose `column` equals `value` (a trigger),
 * standing in for any row a constraint or bad data would make the database reject.
 */
export async function refuseInserts(store: TestStore, table: 'events' | 'profile_events', column: string, value: string, message: string): Promise<void> {
  const { db, dialect } = store.database;
  const name = `refuse_${table}`;
  if (dialect === 'sqlite') {
    await sql`create trigger ${sql.raw(name)} before insert on ${sql.table(table)} when new.${sql.raw(column)} = ${sql.lit(value)} begin select raise(abort, ${sql.lit(message)}); end`.execute(db);
  } else {
    const body = `begin if new.${column} = '${value}' then raise exception '${message}'; end if; return new; end`;
    await sql`create function ${sql.raw(name)}() returns trigger language plpgsql as ${sql.lit(body)}`.execute(db);
    await sql`create trigger ${sql.raw(name)} before insert on ${sql.table(table)} for each row execute function ${sql.raw(name)}()`.execute(db);
  }
}

/**
 * A second handle on a test store, with its own connections: what another server process
 * sharing the store has. Close it before dropping the store.
 * @example const other = await openOtherProcess(store); try { ... } finally { await other.close(); }
 */
export function openOtherProcess(store: Pick<TestStore, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  return openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir, migrate: false });
}
