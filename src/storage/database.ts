import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Schema } from './schema.js';
import { migrateToLatest } from './migrator.js';
import { fnv1a } from '../shared/ids.js';
import { privateDir, privateFile, restrictFiles } from './private-files.js';
import { PAYLOAD_JSON_FUNCTION, payloadText } from './payload-codec.js';
import { LockWaitingSqliteDialect } from './sqlite-lock-wait.js';
import { withLease, type LeaseTiming } from './named-leases.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Schema>;
export type Tx = Kysely<Schema> | Transaction<Schema>;

/** An open state store: a Kysely handle plus what its dialect needs to close and lock. */
export interface Database {
  readonly dialect: Dialect;
  readonly db: Db;
  /**
   * SQLite only: the raw handle, for hot paths that run prepared statements synchronously.
   * Use it only inside `transaction()`, which holds the connection for the whole callback.
   */
  readonly sqlite?: SqliteDatabase.Database;
  /**
   * Reads of committed state that never wait for a transaction this process holds open. SQLite: a
   * second, read-only connection to the same file (WAL readers do not wait for the writer), so a
   * request's reads do not queue behind `transaction()` holding the main connection (the
   * background's writes: visit days, segment due times, scheduler claims); it does not see an
   * uncommitted write of this process. PostgreSQL: the pool, the same as `db`.
   */
  readonly reads: Db;
  /** Runs `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, so writers never deadlock). */
  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while holding a named lock shared by every process on this store (PostgreSQL: a
   * lease row in `named_leases`, renewed while `fn` runs, so no session state is held and a
   * crashed holder's lock lapses after 30 s; on SQLite one process owns the file, so the lock is
   * process-local). Returns undefined without running `fn` when another holder has it.
   */
  tryWithLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  /**
   * Calls `onMessage` with each payload sent to `channel` by any process (PostgreSQL
   * LISTEN on a connection of its own, outside the pool, reconnected after an error; once
   * connected again it calls `onMessage('')`, as notifications may have been missed). SQLite:
   * one process, nothing to hear. Resolves to a function that stops listening.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends each payload to `channel` (PostgreSQL NOTIFY, delivered to listeners at once); SQLite: nothing. */
  notify(channel: string, payloads: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://...`; when absent the embedded SQLite file `<dataDir>/rapport.db` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** Apply pending migrations on open (the default); on PostgreSQL, tables are analysed after any were applied. */
  migrate?: boolean;
  /** PostgreSQL: connections the pool may open (default 10); the budget per process is in docs/deploy.md. */
  poolMax?: number;
  /**
   * SQLite: checkpoint the WAL from a thread of its own instead of inside whichever commit on
   * this connection passes the limit (src/storage/sqlite-checkpointer.ts). For the server,
   * whose connection is on the event loop; one-off CLI commands need no extra thread.
   */
  checkpointThread?: boolean;
}

// BIGINT (oid 20) comes back from pg as a string; every BIGINT we store (ms times, sequence
// numbers) is far below 2^53, so numbers are exact.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Opens the state store and applies migrations.
 * @example const store = await openDatabase({ dataDir: './data' });
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.databaseUrl ? openPostgres(options.databaseUrl, options.poolMax ?? 10) : openSqlite(options);
  if (options.migrate !== false && (await migrateToLatest(database.db)).length > 0) await refreshStatistics(database);
  return database;
}

/**
 * PostgreSQL: `ANALYZE` every table, so the planner knows the sizes after migrations and bulk
 * imports (unanalysed, an identity lookup was measured at 195 ms instead of 1.9 ms). SQLite
 * plans well from its indexes alone; nothing to do there.
 * @example await refreshStatistics(database);
 */
export async function refreshStatistics(database: Pick<Database, 'dialect' | 'db'>): Promise<void> {
  if (database.dialect === 'postgres') await sql`analyze`.execute(database.db);
}

/**
 * PostgreSQL: whether autovacuum is on (undefined on SQLite). Off, dead rows are never reclaimed
 * and statistics go stale; the server warns at start.
 * @example if ((await autovacuumOn(database)) === false) logger.warn('autovacuum is off');
 */
export async function autovacuumOn(database: Pick<Database, 'dialect' | 'db'>): Promise<boolean | undefined> {
  if (database.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{ autovacuum: string }>`show autovacuum`.execute(database.db);
  return rows[0]?.autovacuum === 'on';
}

function openSqlite(options: DatabaseOptions): Database {
  privateDir(options.dataDir);
  const file = path.join(options.dataDir, 'rapport.db');
  // SQLite creates the -wal and -shm files with the database file's mode, so 0600 here covers them.
  privateFile(file);
  const handle = new SqliteDatabase(file);
  handle.pragma('journal_mode = WAL');
  restrictFiles(`${file}-wal`, `${file}-shm`);
  handle.pragma(`synchronous = ${options.sqliteSynchronous ?? 'NORMAL'}`);
  // No waiting inside SQLite: a statement that meets another connection's lock (the processor
  // thread's) fails at once and the driver retries it on timers (sqlite-lock-wait.ts), so the
  // event loop is never put to sleep for a lock.
  handle.pragma('busy_timeout = 0');
  handle.pragma('cache_size = -65536');
  // Checkpoints fsync; one per 40 MB of WAL instead of per 4 MB measured 35% more inserts/s.
  const autoCheckpoint = 'wal_autocheckpoint = 10000';
  handle.pragma(autoCheckpoint);
  handle.pragma('temp_store = MEMORY');
  let checkpointer: Checkpointer | undefined;
  if (options.checkpointThread === true) {
    // Copying 40 MB of WAL inside a commit held the event loop ~200 ms: the thread does it in small steps.
    handle.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(file, () => {
      // The thread is gone: checkpoints go back into commits rather than the WAL growing without bound.
      if (handle.open) handle.pragma(autoCheckpoint);
    });
  }
  addPayloadFunction(handle);
  const db = new Kysely<Schema>({ dialect: new LockWaitingSqliteDialect({ database: withStatementCache(handle) }) });
  // Opened after the main handle made the file WAL (and migrations run before any read through it).
  const readHandle = new SqliteDatabase(file, { readonly: true });
  readHandle.pragma('busy_timeout = 0');
  readHandle.pragma('cache_size = -16384');
  readHandle.pragma('temp_store = MEMORY');
  addPayloadFunction(readHandle);
  const reads = new Kysely<Schema>({ dialect: new LockWaitingSqliteDialect({ database: withStatementCache(readHandle) }) });
  const locks = new Set<string>();
  return {
    dialect: 'sqlite',
    db,
    reads,
    sqlite: handle,
    async transaction(fn) {
      // Kysely's SQLite driver serializes connection use with a mutex, so holding the
      // connection for the whole callback makes this the only writer in the process.
      return db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await fn(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (error) {
          await sql`rollback`.execute(conn);
          throw error;
        }
      });
    },
    async tryWithLock(name, fn) {
      if (locks.has(name)) return undefined;
      locks.add(name);
      try {
        return await fn();
      } finally {
        locks.delete(name);
      }
    },
    async listen() {
      return async () => undefined;
    },
    async notify() {
      return undefined;
    },
    async close() {
      // The thread's and the read connection close first, so this one, the last, runs the final checkpoint.
      await checkpointer?.stop();
      await reads.destroy();
      await db.destroy();
    },
  };
}

/** SQL that reads inside payloads (json_extract) reads compacted ones through this function. */
function addPayloadFunction(handle: SqliteDatabase.Database): void {
  handle.function(PAYLOAD_JSON_FUNCTION, { deterministic: true }, (value: unknown) => (typeof value === 'string' || value instanceof Uint8Array ? payloadText(value) : null));
}

/**
 * Kysely prepares every query anew; on the hot paths (ingest, processor) the same SQL repeats
 * thousands of times a second, so prepared statements are kept by SQL text (LRU). Kysely runs
 * each statement to completion before the next, so a shared statement is never busy.
 */
function withStatementCache(handle: SqliteDatabase.Database, size = 256): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = (source: string): SqliteDatabase.Statement => {
    const cached = cache.get(source);
    if (cached !== undefined) {
      cache.delete(source);
      cache.set(source, cached);
      return cached;
    }
    const statement = handle.prepare(source);
    cache.set(source, statement);
    if (cache.size > size) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    return statement;
  };
  return new Proxy(handle, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A named lock's lease on PostgreSQL: a crashed holder keeps others out for at most `ttlMs`. */
const LOCK_LEASE: LeaseTiming = { ttlMs: 30_000, renewMs: 10_000, now: () => Date.now() };

function openPostgres(url: string, poolMax: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolMax });
  // An idle client that errors (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  // A checked-out client has no pool listener: a server restart (or pg_terminate_backend) between
  // two statements of a transaction emitted an unhandled 'error' and killed the process. Now the
  // next statement fails instead, the transaction rolls back, and the pool drops the client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    reads: db,
    transaction(fn) {
      return db.transaction().execute(fn);
    },
    tryWithLock: (name, fn) => withLease(db, name, fn, LOCK_LEASE),
    listen: (channel, onMessage) => listenPostgres(url, channel, onMessage),
    async notify(channel, payloads) {
      if (payloads.length > 0) await pool.query('select pg_notify($1, p) from unnest($2::text[]) p', [channel, payloads]);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function listenPostgres(url: string, channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, keepAlive: true });
    next.on('notification', (message) => onMessage(message.payload ?? ''));
    next.on('error', () => {
      if (client === next) client = undefined;
      void next.end().catch(() => undefined);
      reconnect();
    });
    await next.connect();
    await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (closed) await next.end();
    else client = next;
  };
  const reconnect = (): void => {
    if (closed) return;
    setTimeout(() => {
      if (closed) return;
      connect()
        .then(() => onMessage(''))
        .catch(reconnect);
    }, 1000).unref();
  };
  await connect();
  return async () => {
    closed = true;
    await client?.end().catch(() => undefined);
    client = undefined;
  };
}

/**
 * The dialect behind a handle (the store, a transaction or a held connection), read from the
 * adapter Kysely's own `Dialect` installed: repositories ask the handle they are given, so no
 * caller passes the dialect along beside it.
 * @example if (dialectOf(trx) === 'postgres') query = query.forUpdate();
 */
export function dialectOf(db: Tx): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Answers whether the store takes a query (for health checks). */
export async function ping(database: Database): Promise<boolean> {
  try {
    // SQLite: straight on the handle. Through Kysely the ping queued behind every transaction
    // waiting for the one connection (a 5,000-row group commit runs in slices), so /healthz
    // measured the write queue instead of whether the store answers.
    if (database.sqlite !== undefined) database.sqlite.prepare('select 1').get();
    else await sql`select 1`.execute(database.db);
    return true;
  } catch {
    return false;
  }
}

/** Advisory lock key from a name: FNV-1a as a signed 32-bit integer (session and transaction locks share it). */
export function lockKey(name: string): number {
  return fnv1a(name) | 0;
}
